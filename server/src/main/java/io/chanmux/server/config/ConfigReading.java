package io.chanmux.server.config;

import java.util.List;

/**
 * What the settings' sources say when a reload reads them: the config, and the settings whose
 * config-file value does not count because a flag or an environment variable gives another (an
 * operator who edits the file to rotate a secret must hear that the edit changes nothing).
 * Immutable.
 *
 * @param config     the settings as flags, environment and file give them now
 * @param overridden settings whose value in the file is not the one in {@code config}
 */
public record ConfigReading(ServerConfig config, List<Setting<?>> overridden) {

    public ConfigReading {
        overridden = List.copyOf(overridden);
    }

    /** A reading with nothing overridden: an embedded server's config, or a test's. */
    public static ConfigReading of(ServerConfig config) {
        return new ConfigReading(config, List.of());
    }
}
