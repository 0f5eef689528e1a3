package io.chanmux.server.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks the option tables of docs/configuration.md and README.md against {@link Settings}: the
 * docs have one row per setting, every row names a real option with its parameter label and
 * states its default as the setting does. Rows whose first cell is an option ({@code | `--x N` |})
 * are the ones checked; the rest of the tables is prose the descriptors do not hold.
 */
class ConfigurationDocsTest {
    private static final Path DOCS = Path.of("..", "docs", "configuration.md");
    private static final Path README = Path.of("..", "README.md");
    private static final Pattern OPTION_ROW = Pattern.compile("^\\| `--([a-z0-9-]+) ([A-Z-]+)` \\| ([^|]+) \\|");

    @Test
    void shouldHaveOneRowPerSettingWithItsDefaultWhenReadingTheConfigurationDocs() throws IOException {
        Map<String, Row> rows = rows(DOCS);

        List<String> problems = new ArrayList<>();
        for (Setting<?> setting : Settings.ALL) {
            if (!rows.containsKey(setting.name())) {
                problems.add(setting.option() + " has no row");
            }
        }
        rows.values().forEach(row -> problems.addAll(mismatches(row)));
        assertEquals(List.of(), problems, DOCS.toString());
    }

    @Test
    void shouldNameOnlyRealOptionsWithTheirDefaultsWhenReadingTheReadme() throws IOException {
        Map<String, Row> rows = rows(README);

        assertTrue(rows.size() >= 5, "the README's short option table: " + rows.keySet());
        List<String> problems = new ArrayList<>();
        rows.values().forEach(row -> problems.addAll(mismatches(row)));
        assertEquals(List.of(), problems, README.toString());
    }

    @Test
    void shouldListExactlyTheLiveSettingsWhereTheConfigurationDocsSayWhatAReloadApplies() throws IOException {
        String text = String.join(" ", Files.readAllLines(DOCS));
        Matcher list = Pattern.compile("Settings a reload applies at once: ([^.]+)\\.").matcher(text);
        assertTrue(list.find(), "the reload section's list in " + DOCS);

        Set<String> documented = new TreeSet<>();
        Matcher option = Pattern.compile("`(--[a-z0-9-]+)`").matcher(list.group(1));
        while (option.find()) {
            documented.add(option.group(1));
        }
        Set<String> live = new TreeSet<>();
        Settings.LIVE.forEach(setting -> live.add(setting.option()));
        assertEquals(live, documented);
    }

    /** How {@code row} differs from the setting it names: an unknown option, or another label or default. */
    private static List<String> mismatches(Row row) {
        if (row.name().equals("config")) {
            return row.label().equals("FILE") && row.defaultCell().equals("none") ? List.of()
                    : List.of("--config should read `--config FILE` | none: " + row.line());
        }
        Optional<Setting<?>> named = Settings.named(row.name());
        if (named.isEmpty()) {
            return List.of("--" + row.name() + " is no option: " + row.line());
        }
        Setting<?> setting = named.get();
        List<String> mismatches = new ArrayList<>();
        if (!setting.paramLabel().equals(row.label())) {
            mismatches.add(setting.option() + " takes " + setting.paramLabel() + ", not " + row.label());
        }
        if (!setting.defaultLabel().equals(row.defaultCell())) {
            mismatches.add(setting.option() + " defaults to " + setting.defaultLabel() + ", not " + row.defaultCell());
        }
        return mismatches;
    }

    /** The option rows of {@code file} by option name; a second row for one option is an error. */
    private static Map<String, Row> rows(Path file) throws IOException {
        assertTrue(Files.isRegularFile(file), file.toAbsolutePath() + " (tests run in the server module)");
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = OPTION_ROW.matcher(line);
            if (m.find()) {
                Row previous = rows.put(m.group(1), new Row(m.group(1), m.group(2), m.group(3).trim(), line));
                assertNull(previous, "two rows for --" + m.group(1) + " in " + file);
            }
        }
        return rows;
    }

    private record Row(String name, String label, String defaultCell, String line) {
    }
}
