package io.chanmux.server.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a reload applies, reports and refuses, without a server. */
class LiveConfigTest {
    private final AtomicReference<ServerConfig> sources = new AtomicReference<>(ServerConfig.builder().build());
    private final LiveConfig live = new LiveConfig(sources.get(), () -> ConfigReading.of(sources.get()));

    @Test
    void shouldApplyLiveSettingsAndLeaveTheOthersReportedAsNeedingARestartWhenReloaded() {
        sources.set(ServerConfig.builder().set(Settings.PEER_RATE_PPS, 20).set(Settings.MAX_SESSIONS, 3)
                .set(Settings.PEER_TIMEOUT, Duration.ofSeconds(5)).set(Settings.SECRET, "s3cret").build());

        ConfigChanges changes = live.reload("test");

        assertEquals(List.of("--max-sessions 10000 -> 3", "--peer-rate-pps 500 -> 20", "--secret none -> set"),
                changes.applied().stream().map(ConfigChanges.Change::toString).sorted().toList());
        assertEquals(List.of("--peer-timeout 30s -> 5s"),
                changes.needsRestart().stream().map(ConfigChanges.Change::toString).toList());
        assertEquals(20, live.current().get(Settings.PEER_RATE_PPS));
        assertEquals(3, live.current().get(Settings.MAX_SESSIONS));
        assertEquals("s3cret", live.current().get(Settings.SECRET));
        assertEquals(Duration.ofSeconds(30), live.current().get(Settings.PEER_TIMEOUT), "left alone");
        assertEquals(new PeerRates(20, 1_000_000), live.peerRates());
    }

    @Test
    void shouldKeepTheSameConfigAndPeerRatesWhenNothingChanged() {
        ServerConfig before = live.current();
        PeerRates rates = live.peerRates();

        ConfigChanges changes = live.reload("test");

        assertTrue(changes.isEmpty());
        assertEquals("no setting changed", changes.summary());
        assertSame(before, live.current());
        assertSame(rates, live.peerRates(), "peers' rate limits have nothing to retune");
    }

    @Test
    void shouldChangeNothingWhenTheLiveChangesContradictASettingThatNeedsARestart() {
        ServerConfig before = live.current();
        sources.set(ServerConfig.builder().set(Settings.MAX_DATAGRAM, 1000).set(Settings.PEER_RATE_BYTES, 1000)
                .set(Settings.MAX_CHANNELS, 5).build());

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> live.reload("test"));

        assertEquals("--peer-rate-bytes: 1000 is below --max-datagram 1500", refused.getMessage());
        assertSame(before, live.current());
    }

    @Test
    void shouldKeepWhatTheLastGoodReloadAppliedWhenTheSourcesCannotBeReadAnyMore() {
        AtomicReference<ConfigReading> readings = new AtomicReference<>(
                ConfigReading.of(ServerConfig.builder().set(Settings.MAX_CHANNELS, 9).build()));
        LiveConfig reloading = new LiveConfig(ServerConfig.builder().build(), () -> {
            ConfigReading reading = readings.get();
            if (reading == null) {
                throw new IllegalArgumentException("--config: cannot read /etc/chanmux.json");
            }
            return reading;
        });
        reloading.reload("test");
        ServerConfig good = reloading.current();
        readings.set(null);

        assertThrows(IllegalArgumentException.class, () -> reloading.reload("test"));

        assertSame(good, reloading.current());
        assertEquals(9, reloading.current().get(Settings.MAX_CHANNELS));
    }

    @Test
    void shouldReportSettingsWhoseFileValueIsOverriddenAndApplyNothingForThem() {
        ConfigChanges changes = live.apply(new ConfigReading(ServerConfig.builder().build(), List.of(Settings.SECRET)));

        assertEquals(List.of(Settings.SECRET), changes.overridden());
        assertTrue(changes.applied().isEmpty());
        assertEquals("overridden by a flag or the environment (the file's value does not count) --secret",
                changes.summary());
    }

    @Test
    void shouldReportEveryChangeOnOneLineForTheLog() {
        sources.set(ServerConfig.builder().set(Settings.MAX_PEERS, 8).set(Settings.POOLS, 7).build());

        String summary = live.reload("test").summary();

        assertTrue(summary.startsWith("applied --max-peers 256 -> 8; needs restart (left alone) --pools "), summary);
        assertTrue(summary.endsWith(" -> 7"), summary);
    }
}
