package io.chanmux.server.control;

import io.chanmux.protocol.control.Op;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Control requests answered, by op and result ({@code ok} or an error code). Requests whose op the
 * server does not know are counted as {@code other}, so the number of distinct keys stays bounded.
 * Thread-safe: every session's reader and writer record; metrics and {@code stats} read.
 */
public final class RequestCounts {
    private static final String OTHER = "other";

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    /** One answered request; {@code op} is null when it was unknown or unreadable. */
    public void record(Op op, String result) {
        Key key = new Key(op != null ? op.wireName() : OTHER, result);
        counts.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** Visits every (op, result) pair seen so far with its count. */
    public void forEach(Visitor visitor) {
        counts.forEach((key, count) -> visitor.visit(key.op, key.result, count.sum()));
    }

    /** Receives one count of {@link #forEach}. */
    @FunctionalInterface
    public interface Visitor {
        void visit(String op, String result, long count);
    }

    private record Key(String op, String result) {
    }
}
