package io.chanmux.server.control;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Control requests answered, by op and result ({@code ok} or an error code). Ops the server does
 * not know are counted as {@code other}, so the number of distinct keys stays bounded. Thread-safe:
 * every session's reader records; metrics and {@code stats} read.
 */
public final class RequestCounts {
    /** Every op the server answers. */
    public static final Set<String> KNOWN_OPS = Set.of("hello", "create", "join", "leave", "delete", "list",
            "stats", "ping", "channels", "peers", "kick", "close", "drain");

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    /** One answered request. */
    public void record(String op, String result) {
        Key key = new Key(op != null && KNOWN_OPS.contains(op) ? op : "other", result);
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
