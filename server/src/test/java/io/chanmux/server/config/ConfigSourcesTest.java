package io.chanmux.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigSourcesTest {
    static final List<Setting<?>> EVERY_SETTING = Settings.ALL;

    @TempDir
    Path dir;

    @ParameterizedTest
    @FieldSource("EVERY_SETTING")
    void shouldPreferTheEnvironmentOverTheFileWhenBothGiveASetting(Setting<?> setting) throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"" + setting.name() + "\": \"from-file\"}");
        String variable = "CHANMUX_" + setting.name().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        String[] args = {"--config", file.toString()};

        ConfigSources both = ConfigSources.from(args, Map.of(variable, "from-env"));
        ConfigSources fileOnly = ConfigSources.from(args, Map.of());
        ConfigSources neither = ConfigSources.from(new String[0], Map.of());

        assertEquals(variable, ConfigSources.environmentName(setting.option()));
        assertEquals("from-env", both.text(setting));
        assertEquals("from-file", fileOnly.text(setting));
        assertNull(neither.text(setting), "no source: the setting's default applies");
    }

    @Test
    void shouldGiveAJsonNumberAsItsTextWhenTheFileHasOne() throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"max-peers\": 12, \"secret\": null}");

        ConfigSources sources = ConfigSources.from(new String[] {"--config=" + file}, Map.of());

        assertEquals("12", sources.text(Settings.MAX_PEERS));
        assertNull(sources.text(Settings.SECRET), "a JSON null sets nothing");
    }

    @Test
    void shouldRefuseEveryKeyThatNamesNoSettingWhenReadingTheFile() throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "{\"peer-timout\": \"5s\", \"config\": \"other.json\", \"pools\": 2}");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigSources.from(new String[0], Map.of("CHANMUX_CONFIG", file.toString())));

        assertTrue(e.getMessage().startsWith("--config: unknown settings [peer-timout, config]"), e.getMessage());
    }

    @Test
    void shouldRefuseAFileThatIsNotAJsonObject() throws IOException {
        Path file = dir.resolve("c.json");
        Files.writeString(file, "[1, 2]");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigSources.from(new String[] {"--config", file.toString()}, Map.of()));

        assertTrue(e.getMessage().endsWith("is not a JSON object"), e.getMessage());
    }
}
