package io.chanmux.server.log;

import org.slf4j.event.Level;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Properties;
import java.util.function.UnaryOperator;

/**
 * Which events each logger writes. Settings, read when a logger is created:
 * <ul>
 *   <li>{@code chanmux.log.level}: the level of every logger ({@code error}, {@code warn},
 *       {@code info}, {@code debug}, {@code trace} or {@code off}); {@code info} when unset;</li>
 *   <li>{@code chanmux.log.level.NAME}: the level of the loggers named {@code NAME} or below it,
 *       e.g. {@code chanmux.log.level.io.chanmux.server.control=debug}; the longest match wins.</li>
 * </ul>
 * A system property ({@code -Dchanmux.log.level=warn}, in {@code CHANMUX_JAVA_OPTS}) wins over the
 * same key in a {@value #RESOURCE} file on the class path (the tests' copy sets {@code warn}). A
 * value that names no level is reported on standard error and ignored.
 */
final class LogLevels {
    static final String KEY = "chanmux.log.level";
    static final String RESOURCE = "chanmux-log.properties";
    /** A threshold above every level: nothing is written. */
    static final int OFF = Integer.MAX_VALUE;

    private final UnaryOperator<String> settings;

    /** Levels from {@code settings}: key → value, null when unset. */
    LogLevels(UnaryOperator<String> settings) {
        this.settings = settings;
    }

    /** Levels from the system properties, then the class path's {@value #RESOURCE}. */
    static LogLevels fromSystem() {
        Properties file = new Properties();
        try (InputStream in = LogLevels.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in != null) {
                file.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return new LogLevels(key -> System.getProperty(key, file.getProperty(key)));
    }

    /** The lowest {@link Level#toInt()} that {@code logger} writes, or {@link #OFF}. */
    int thresholdFor(String logger) {
        String name = logger;
        while (true) {
            String key = name.isEmpty() ? KEY : KEY + "." + name;
            Integer threshold = parse(key, settings.apply(key));
            if (threshold != null) {
                return threshold;
            }
            if (name.isEmpty()) {
                return Level.INFO.toInt();
            }
            name = name.substring(0, Math.max(0, name.lastIndexOf('.')));
        }
    }

    private static Integer parse(String key, String value) {
        if (value == null) {
            return null;
        }
        String level = value.trim().toUpperCase(Locale.ROOT);
        if (level.equals("OFF")) {
            return OFF;
        }
        try {
            return Level.valueOf(level).toInt();
        } catch (IllegalArgumentException e) {
            System.err.println("chanmux: " + key + "=" + value
                    + " is not error, warn, info, debug, trace or off; ignored");
            return null;
        }
    }
}
