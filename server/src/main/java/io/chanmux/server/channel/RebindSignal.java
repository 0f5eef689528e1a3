package io.chanmux.server.channel;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Tells a pool that some peer of its channels has sent from an address it is not bound to since
 * the pool last looked, so that its keepalive tick looks for the peers to hint {@code rebind} to
 * only then, and not at every tick. Socket threads {@link #raise} it after recording the wrong
 * source in the peer's {@link PeerActivity}; the pool's thread {@link #take}s it and then reads
 * the peers' activity. One instance per pool, shared by its channels ({@link RelayChannel}).
 *
 * <p>Threading: any thread raises, one thread takes. A raise that comes as the pool takes the
 * signal leaves it raised or is seen by the pool's reading of the activity, never neither: the
 * raiser's fence orders its activity store before its read of the flag, and the taker's
 * compare-and-set orders its clearing before its reads of the activity. A raise writes the flag
 * only when it is down, so wrong-source datagrams on many threads do not contend for its line.
 */
public final class RebindSignal {
    private static final VarHandle RAISED;

    static {
        try {
            RAISED = MethodHandles.lookup().findVarHandle(RebindSignal.class, "raised", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through RAISED
    private boolean raised;

    /** Raises the signal, once the wrong source is recorded in the peer's activity. Any thread. */
    public void raise() {
        VarHandle.fullFence();
        if (!(boolean) RAISED.getOpaque(this)) {
            RAISED.setVolatile(this, true);
        }
    }

    /** Whether the signal was raised since the last take, lowering it. The pool's thread only. */
    public boolean take() {
        return (boolean) RAISED.getVolatile(this) && RAISED.compareAndSet(this, true, false);
    }
}
