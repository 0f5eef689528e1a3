package io.chanmux.server.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The settings a running server goes by: the config it started with, as reloads since have
 * changed its {@link Settings#LIVE} settings. Components that read a live setting read it from
 * {@link #current} at the moment they use it (a {@code create} reads the channel limit as it is
 * now), so a reload reaches new work at once without telling anyone; peer rate limits compare
 * their {@link PeerRates} with the current one and retune themselves at the next datagram.
 *
 * <p>Threads: any thread reads {@link #current}; {@link #reload} (SIGHUP's handler, the admin
 * {@code reload} op) is serialized on this object, and publishes each new config with one
 * volatile write.
 */
public final class LiveConfig {
    private static final Logger log = LoggerFactory.getLogger(LiveConfig.class);

    private final Supplier<ConfigReading> sources;
    private volatile ServerConfig current;

    /**
     * @param initial the config the server starts with
     * @param sources reads the settings anew from where they came from (flags, environment, config
     *                file); throws {@link IllegalArgumentException} naming what is wrong
     */
    public LiveConfig(ServerConfig initial, Supplier<ConfigReading> sources) {
        this.current = Objects.requireNonNull(initial);
        this.sources = Objects.requireNonNull(sources);
    }

    /** A live config with nothing to re-read: a reload finds no change (an embedded server with no config file). */
    public static LiveConfig fixed(ServerConfig config) {
        return new LiveConfig(config, () -> ConfigReading.of(config));
    }

    /** The settings in force now. */
    public ServerConfig current() {
        return current;
    }

    /** The peers' datagram budget in force now; a new instance after every reload that changed the config. */
    public PeerRates peerRates() {
        return current.peerRates();
    }

    /**
     * Re-reads the sources and applies the live settings whose values changed; the rest keep
     * their values, and those that differ are reported as needing a restart. Logs what it did,
     * and who asked.
     *
     * @param by who asked, for the log: {@code SIGHUP}, {@code admin session 7}
     * @throws IllegalArgumentException when the sources no longer make a valid config, or the live
     *                                  changes contradict a setting that needs a restart; nothing
     *                                  changes then
     */
    public synchronized ConfigChanges reload(String by) {
        ConfigChanges changes;
        try {
            changes = apply(sources.get());
        } catch (IllegalArgumentException e) {
            log.atWarn().addKeyValue("event", "config_reload_refused")
                    .log("config reload ({}) refused, nothing changed: {}", by, e.getMessage());
            throw e;
        }
        // WARN when the file says what is not in force: the operator's edit did not take.
        (changes.overridden().isEmpty() ? log.atInfo() : log.atWarn()).addKeyValue("event", "config_reloaded")
                .log("config reload ({}): {}", by, changes.summary());
        return changes;
    }

    /** {@link #reload} with {@code reading} as what the sources say now. */
    synchronized ConfigChanges apply(ConfigReading reading) {
        ServerConfig candidate = reading.config();
        ServerConfig before = current;
        List<ConfigChanges.Change> applied = new ArrayList<>();
        List<ConfigChanges.Change> needsRestart = new ArrayList<>();
        ServerConfig.Builder next = before.toBuilder();
        for (Setting<?> setting : Settings.ALL) {
            ConfigChanges.Change change = change(setting, before, candidate);
            if (change == null) {
                continue;
            }
            if (Settings.LIVE.contains(setting)) {
                copy(setting, candidate, next);
                applied.add(change);
            } else {
                needsRestart.add(change);
            }
        }
        if (!applied.isEmpty()) {
            // Checks the joins too: a lower --peer-rate-bytes against the --max-datagram in force.
            current = next.build();
        }
        return new ConfigChanges(applied, needsRestart, reading.overridden());
    }

    private static <T> ConfigChanges.Change change(Setting<T> setting, ServerConfig before, ServerConfig after) {
        T from = before.get(setting);
        T to = after.get(setting);
        return Objects.equals(from, to) ? null : new ConfigChanges.Change(setting, setting.print(from), setting.print(to));
    }

    private static <T> void copy(Setting<T> setting, ServerConfig from, ServerConfig.Builder to) {
        to.set(setting, from.get(setting));
    }
}
