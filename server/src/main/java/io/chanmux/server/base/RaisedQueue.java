package io.chanmux.server.base;

import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Items that any thread may raise for one owner thread to take, each queued at most once until the
 * owner takes it: a pool's peers whose id came from a wrong source, the control sessions whose
 * deadline moved earlier. A flood of raises of one item costs one entry, so memory is bounded by the
 * items, and the owner's work by the items raised, not by all it has.
 *
 * <p>Each item carries its own flag, a {@code boolean} field the caller's {@link VarHandle} reaches
 * (private to the item's class, which makes the handle). A change raised as the owner takes its item
 * is either seen by the owner's read after {@link #take} or queues the item again, never neither:
 * the raiser stores its change, then a full fence, then loads the flag; the owner clears the flag,
 * then a full fence, then loads the change.
 *
 * <p>Threading: {@link #raise} any thread, after the change it signals; {@link #take} and {@link
 * #isEmpty} the owner only.
 */
public final class RaisedQueue<E> {
    private final Queue<E> raised = new ConcurrentLinkedQueue<>();
    private final VarHandle flag;

    /** @param flag a handle on the items' own {@code boolean} field that says "queued" */
    public RaisedQueue(VarHandle flag) {
        this.flag = flag;
    }

    /** Queues {@code item} unless it waits already. After the change it signals. Any thread. */
    public void raise(E item) {
        VarHandle.fullFence(); // the change before the flag's read
        if (!(boolean) flag.getOpaque(item) && flag.compareAndSet(item, false, true)) {
            raised.offer(item);
        }
    }

    /** The next raised item, its flag cleared (so it can be raised again), or null. Before reading its state. */
    public E take() {
        E item = raised.poll();
        if (item != null) {
            flag.setVolatile(item, false);
            VarHandle.fullFence(); // the clearing before the item's state is read
        }
        return item;
    }

    /** Whether no item waits. */
    public boolean isEmpty() {
        return raised.isEmpty();
    }
}
