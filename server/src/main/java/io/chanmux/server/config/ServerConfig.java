package io.chanmux.server.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Every server setting's value, validated once: one value per {@link Setting} of {@link Settings},
 * read typed with {@link #get}, e.g. {@code config.get(Settings.PEER_TIMEOUT)}. Built only by
 * {@link Builder#build}, which checks each value against its setting and the rules that join
 * settings, so a {@code ServerConfig} that exists is valid.
 *
 * <p>Immutable; any thread may read it.
 */
public final class ServerConfig {
    /** Values by setting; a setting without a value (an unset secret) has no entry. */
    private final Map<Setting<?>, Object> values;
    private final PeerRates peerRates;

    private ServerConfig(Map<Setting<?>, Object> values) {
        this.values = Map.copyOf(values);
        this.peerRates = new PeerRates(get(Settings.PEER_RATE_PPS), get(Settings.PEER_RATE_BYTES));
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder(defaults());
    }

    /** A builder holding this config's values. */
    public Builder toBuilder() {
        return new Builder(values);
    }

    /** The value of {@code setting}; null only for a setting without a default that was not given (the secrets). */
    public <T> T get(Setting<T> setting) {
        return setting.type().javaType().cast(values.get(setting));
    }

    /** {@link Settings#PEER_RATE_PPS} and {@link Settings#PEER_RATE_BYTES}, read once: socket threads read them per datagram. */
    public PeerRates peerRates() {
        return peerRates;
    }

    /**
     * How often each pool's keepalive tick comes, which evicts the silent peers that are due and
     * hints {@code rebind}: a quarter of the shorter timeout, within 10 ms to 1 s.
     */
    public Duration keepaliveTickInterval() {
        return quarterOfShorter(get(Settings.PEER_TIMEOUT), get(Settings.BIND_TIMEOUT));
    }

    /**
     * How often the control listener checks sessions for stalled lines and writes: a quarter of
     * the shorter timeout, within 10 ms to 1 s.
     */
    public Duration sessionCheckInterval() {
        return quarterOfShorter(get(Settings.LINE_TIMEOUT), get(Settings.WRITE_TIMEOUT));
    }

    private static Duration quarterOfShorter(Duration a, Duration b) {
        Duration shorter = a.compareTo(b) < 0 ? a : b;
        return Duration.ofMillis(Math.clamp(shorter.toMillis() / 4, 10, 1000));
    }

    /**
     * Every setting as {@code name=value}, in {@link Settings#ALL} order; a secret shows only
     * {@code set} or {@code none}, so the text is safe to log.
     */
    @Override
    public String toString() {
        StringJoiner text = new StringJoiner(", ", "ServerConfig[", "]");
        for (Setting<?> setting : Settings.ALL) {
            text.add(setting.name() + "=" + printed(setting));
        }
        return text.toString();
    }

    private <T> String printed(Setting<T> setting) {
        return setting.print(get(setting));
    }

    private static Map<Setting<?>, Object> defaults() {
        Map<Setting<?>, Object> defaults = new HashMap<>();
        for (Setting<?> setting : Settings.ALL) {
            if (setting.defaultValue() != null) {
                defaults.put(setting, setting.defaultValue());
            }
        }
        return defaults;
    }

    /**
     * Checks every value against its setting, then the rules that join settings.
     *
     * @throws IllegalArgumentException naming each bad setting and its value
     */
    private void validate() {
        List<String> problems = new ArrayList<>();
        for (Setting<?> setting : Settings.ALL) {
            String problem = problem(setting);
            if (problem != null) {
                problems.add(problem);
            }
        }
        Integer peerRateBytes = get(Settings.PEER_RATE_BYTES);
        Integer maxDatagram = get(Settings.MAX_DATAGRAM);
        if (peerRateBytes != null && maxDatagram != null && peerRateBytes < maxDatagram) {
            // A smaller byte budget would drop every full-size datagram.
            problems.add(Settings.PEER_RATE_BYTES + ": " + peerRateBytes + " is below " + Settings.MAX_DATAGRAM
                    + " " + maxDatagram);
        }
        if ((get(Settings.TLS_CERT) == null) != (get(Settings.TLS_KEY) == null)) {
            problems.add(Settings.TLS_CERT + " and " + Settings.TLS_KEY + " go together: give both or neither (got only "
                    + (get(Settings.TLS_CERT) != null ? Settings.TLS_CERT : Settings.TLS_KEY) + ")");
        }
        InetAddress bind = get(Settings.BIND);
        if (get(Settings.CLUSTER) != null && get(Settings.ADVERTISE) == null && bind != null && bind.isAnyLocalAddress()) {
            // A wildcard is no address a client can be sent to.
            problems.add(Settings.ADVERTISE + ": needed with " + Settings.CLUSTER + " when " + Settings.BIND + " is a "
                    + "wildcard address (" + bind.getHostAddress() + "): give the host clients reach this node at");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    private <T> String problem(Setting<T> setting) {
        T value = get(setting);
        if (value == null) {
            return setting.defaultValue() == null ? null : setting.option() + ": missing";
        }
        return setting.problem(value);
    }

    /** Values for a {@link ServerConfig}; belongs to the thread that builds with it. */
    public static final class Builder {
        private final Map<Setting<?>, Object> values;

        private Builder(Map<Setting<?>, Object> values) {
            this.values = new HashMap<>(values);
        }

        /** Sets {@code setting} to {@code value}; null unsets it (allowed only for settings without a default). */
        public <T> Builder set(Setting<T> setting, T value) {
            if (value == null) {
                values.remove(setting);
            } else {
                values.put(setting, value);
            }
            return this;
        }

        /**
         * Sets {@code setting} to the value {@code text} stands for.
         *
         * @throws IllegalArgumentException naming the option when the text is not a value of its type
         */
        public <T> Builder setText(Setting<T> setting, String text) {
            return set(setting, setting.parse(text));
        }

        /**
         * The config, once every value has passed its setting's check and the rules that join settings.
         *
         * @throws IllegalArgumentException naming each bad setting and its value
         */
        public ServerConfig build() {
            ServerConfig config = new ServerConfig(values);
            config.validate();
            return config;
        }
    }
}
