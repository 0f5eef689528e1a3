package io.chanmux.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {
    static final List<Setting<?>> EVERY_SETTING = Settings.ALL;

    @Test
    void shouldNotBusyPollByDefault() {
        // On a virtual machine busy polling switched on below saturation and made the tail worse
        // at no gain in capacity (docs/benchmarks.md, round 17): an operator opts in.
        assertEquals(0, Settings.POLL_LOOP_BUSY_POLL.defaultValue());
        assertEquals(0, ServerConfig.builder().build().get(Settings.POLL_LOOP_BUSY_POLL));
    }

    @ParameterizedTest
    @FieldSource("EVERY_SETTING")
    void shouldParseItsOwnDefaultWhenGivenItAsText(Setting<?> setting) {
        if (setting.defaultText() == null && setting.type() == ValueType.TEXT) {
            // A name whose default the server derives at start (--node-id, --advertise): the label says how.
            assertTrue(!setting.defaultLabel().equals("none") && !setting.defaultLabel().isBlank(), setting.option());
            return;
        }
        if (setting.defaultText() == null) {
            assertTrue(setting.secret() || setting.type() == ValueType.PATH,
                    setting + " has no default, which only a secret, a file or a derived name may lack");
            assertEquals("none", setting.defaultLabel());
            return;
        }
        assertParsesItsDefault(setting);
    }

    private static <T> void assertParsesItsDefault(Setting<T> setting) {
        T parsed = setting.parse(setting.defaultText());

        assertEquals(setting.defaultValue(), parsed);
        assertNull(setting.problem(parsed), setting.option());
        assertEquals(parsed, setting.parse(setting.print(parsed)), "printed form reads back");
    }

    @Test
    void shouldListEveryConstantInAllUnderTheNameOfItsOption() throws IllegalAccessException {
        List<Setting<?>> constants = new ArrayList<>();
        for (Field field : Settings.class.getDeclaredFields()) {
            if (Modifier.isPublic(field.getModifiers()) && field.getType() == Setting.class) {
                Setting<?> setting = (Setting<?>) field.get(null);
                constants.add(setting);
                assertEquals(setting.name().toUpperCase(Locale.ROOT).replace('-', '_'), field.getName());
            }
        }

        assertEquals(constants.size(), Settings.ALL.size());
        assertTrue(Settings.ALL.containsAll(constants));
    }

    @Test
    void shouldFindASettingByItsNameOnly() {
        assertEquals(Settings.PEER_TIMEOUT, Settings.named("peer-timeout").orElseThrow());
        assertTrue(Settings.named("--peer-timeout").isEmpty());
        assertTrue(Settings.named("config").isEmpty());
    }

    @Test
    void shouldReadEveryDurationFormWhenParsingADuration() {
        assertEquals(Duration.ofMillis(250), Settings.PEER_TIMEOUT.parse("250ms"));
        assertEquals(Duration.ofSeconds(30), Settings.PEER_TIMEOUT.parse("30s"));
        assertEquals(Duration.ofMinutes(5), Settings.PEER_TIMEOUT.parse("5m"));
        assertEquals(Duration.ofHours(1), Settings.PEER_TIMEOUT.parse(" 1H "));
        assertEquals(Duration.ofSeconds(45), Settings.PEER_TIMEOUT.parse("PT45S"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "", "30", "-5s", "99999999999999999999h", "9999999999999999h"})
    void shouldNameTheOptionAndQuoteTheTextWhenADurationDoesNotParse(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Settings.PEER_TIMEOUT.parse(text));

        assertTrue(e.getMessage().startsWith("--peer-timeout: '" + text + "' is not a duration"), e.getMessage());
    }

    @Test
    void shouldPrintDurationsInTheirShortestExactForm() {
        assertEquals("0s", Settings.DRAIN_TIMEOUT.print(Duration.ZERO));
        assertEquals("1500ms", Settings.DRAIN_TIMEOUT.print(Duration.ofMillis(1500)));
        assertEquals("90s", Settings.DRAIN_TIMEOUT.print(Duration.ofSeconds(90)));
        assertEquals("2m", Settings.DRAIN_TIMEOUT.print(Duration.ofMinutes(2)));
        assertEquals("3h", Settings.DRAIN_TIMEOUT.print(Duration.ofHours(3)));
        assertEquals("PT0.0000015S", Settings.DRAIN_TIMEOUT.print(Duration.ofNanos(1500)));
    }

    @Test
    void shouldNameTheOptionWhenANumberRangeOrAddressDoesNotParse() {
        assertEquals("--max-datagram: '1.5' is not a whole number",
                assertThrows(IllegalArgumentException.class, () -> Settings.MAX_DATAGRAM.parse("1.5")).getMessage());
        assertEquals("--udp-ports: '40000' is not a range such as 40000-40999",
                assertThrows(IllegalArgumentException.class, () -> Settings.UDP_PORTS.parse("40000")).getMessage());
        assertEquals("--bind: ' ' is not an address",
                assertThrows(IllegalArgumentException.class, () -> Settings.BIND.parse(" ")).getMessage());
    }

    @Test
    void shouldReadTrueOrFalseInAnyCaseAndNothingElseWhenParsingABoolean() {
        assertEquals(true, Settings.UDP_DONT_FRAGMENT.parse(" TRUE"));
        assertEquals(false, Settings.UDP_DONT_FRAGMENT.parse("false"));
        assertEquals("--udp-dont-fragment: 'yes' is neither true nor false",
                assertThrows(IllegalArgumentException.class, () -> Settings.UDP_DONT_FRAGMENT.parse("yes")).getMessage());
        assertEquals(false, ServerConfig.builder().build().get(Settings.UDP_DONT_FRAGMENT), "opt-in");
        assertEquals(true, ServerConfig.builder().build().get(Settings.UDP_GSO), "on unless turned off");
    }

    @Test
    void shouldNameTheOptionAndValueWhenAValueFailsItsCheck() {
        assertEquals("--max-datagram: 10 is not from 64 to 65507", Settings.MAX_DATAGRAM.problem(10));
        assertEquals("--max-sessions: 0 is below 1", Settings.MAX_SESSIONS.problem(0));
        assertEquals("--metrics-port: -2 is not a port (0-65535, or -1 for none)", Settings.METRICS_PORT.problem(-2));
        assertEquals("--udp-ports: 9000-8000 is not a range LOW-HIGH with 1 <= LOW <= HIGH <= 65535",
                Settings.UDP_PORTS.problem(new PortRange(9000, 8000)));
        assertEquals("--peer-timeout: 0s must be a positive duration", Settings.PEER_TIMEOUT.problem(Duration.ZERO));
        assertEquals("--drain-timeout: PT-1S must not be negative",
                Settings.DRAIN_TIMEOUT.problem(Duration.ofSeconds(-1)));
        assertNull(Settings.DRAIN_TIMEOUT.problem(Duration.ZERO));
    }

    @Test
    void shouldNotRepeatASecretWhenItFailsItsCheck() {
        assertEquals("--secret: must not be empty", Settings.SECRET.problem(""));
        assertEquals("set", Settings.SECRET.print("hunter2"));
        assertEquals("none", Settings.SECRET.print(null));
    }
}
