package io.chanmux.server.config;

import java.util.List;

/**
 * What a reload found: the settings it changed at once ({@link Settings#LIVE}) and those whose
 * new value waits for a restart. A secret's values print as {@code set} or {@code none}, so the
 * changes are safe to log and to send to an admin. Immutable.
 *
 * @param applied      live settings now in force with their new values
 * @param needsRestart settings whose new value was left alone; the old one stays in force
 */
public record ConfigChanges(List<Change> applied, List<Change> needsRestart) {

    public ConfigChanges {
        applied = List.copyOf(applied);
        needsRestart = List.copyOf(needsRestart);
    }

    /** Whether the reload changed nothing and found nothing waiting for a restart. */
    public boolean isEmpty() {
        return applied.isEmpty() && needsRestart.isEmpty();
    }

    /** One line for the log: {@code --peer-rate-pps 500 -> 20; needs restart: --udp-ports 40000-40999 -> ...}. */
    public String summary() {
        if (isEmpty()) {
            return "no setting changed";
        }
        StringBuilder text = new StringBuilder();
        if (!applied.isEmpty()) {
            text.append("applied ").append(String.join(", ", applied.stream().map(Change::toString).toList()));
        }
        if (!needsRestart.isEmpty()) {
            text.append(applied.isEmpty() ? "" : "; ").append("needs restart (left alone) ")
                    .append(String.join(", ", needsRestart.stream().map(Change::toString).toList()));
        }
        return text.toString();
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
