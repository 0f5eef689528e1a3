package io.chanmux.server.config;

import java.util.Locale;

/**
 * How a pool reads its UDP sockets ({@code --udp-engine}): those of its channels that have a port
 * of their own, or its socket of the shared port ({@code --udp-port}). Immutable.
 */
public enum UdpEngine {
    /**
     * A virtual thread per socket doing blocking receive: the default. Each wake-up of a parked
     * thread costs an {@code epoll_ctl} re-arm and a hand-off from the poller to a carrier.
     */
    VIRTUAL_THREADS("virtual-threads"),
    /**
     * One platform thread per pool owning a {@link java.nio.channels.Selector} over all of the
     * pool's sockets, registered once, level-triggered (the pool's {@code PollLoop}). Opt-in.
     */
    POLL_LOOP("poll-loop");

    private final String optionValue;

    UdpEngine(String optionValue) {
        this.optionValue = optionValue;
    }

    /** The value as {@code --udp-engine} takes it: {@code poll-loop}. */
    public String optionValue() {
        return optionValue;
    }

    /** The engine {@code text} names, in any case; an {@link IllegalArgumentException} quoting it otherwise. */
    public static UdpEngine parse(String text) {
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (UdpEngine engine : values()) {
            if (engine.optionValue.equals(wanted)) {
                return engine;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an engine: virtual-threads or poll-loop");
    }
}
