package io.chanmux.server.config;

import java.util.ArrayList;
import java.util.List;

/**
 * What a reload found: the settings it changed at once ({@link Settings#LIVE}), those whose
 * new value waits for a restart, and those whose config-file value a flag or an environment
 * variable overrides. A secret's values print as {@code set} or {@code none}, so the
 * changes are safe to log and to send to an admin. Immutable.
 *
 * @param applied      live settings now in force with their new values
 * @param needsRestart settings whose new value was left alone; the old one stays in force
 * @param overridden   settings whose value in the config file is not in force, because a flag or an
 *                     environment variable gives another
 */
public record ConfigChanges(List<Change> applied, List<Change> needsRestart, List<Setting<?>> overridden) {

    public ConfigChanges {
        applied = List.copyOf(applied);
        needsRestart = List.copyOf(needsRestart);
        overridden = List.copyOf(overridden);
    }

    /** Whether the reload changed nothing and found nothing waiting for a restart or overridden. */
    public boolean isEmpty() {
        return applied.isEmpty() && needsRestart.isEmpty() && overridden.isEmpty();
    }

    /**
     * One line for the log, e.g. {@code applied --peer-rate-pps 500 -> 20; needs restart (left alone)
     * --udp-ports 40000-40999 -> 41000-41999; overridden by a flag or the environment (the file's
     * value does not count) --secret}.
     */
    public String summary() {
        if (isEmpty()) {
            return "no setting changed";
        }
        List<String> parts = new ArrayList<>();
        if (!applied.isEmpty()) {
            parts.add("applied " + join(applied.stream().map(Change::toString).toList()));
        }
        if (!needsRestart.isEmpty()) {
            parts.add("needs restart (left alone) " + join(needsRestart.stream().map(Change::toString).toList()));
        }
        if (!overridden.isEmpty()) {
            parts.add("overridden by a flag or the environment (the file's value does not count) "
                    + join(overridden.stream().map(Setting::option).toList()));
        }
        return String.join("; ", parts);
    }

    private static String join(List<String> items) {
        return String.join(", ", items);
    }

    /**
     * One setting's change, its values printed as the setting prints them.
     *
     * @param setting the setting
     * @param from    the value in force before
     * @param to      the value the sources give now
     */
    public record Change(Setting<?> setting, String from, String to) {
        @Override
        public String toString() {
            return setting.option() + " " + from + " -> " + to;
        }
    }
}
