package io.chanmux.server.log;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LogLevelsTest {

    @Test
    void shouldWriteInfoAndAboveWhenNothingIsSet() {
        assertEquals(Level.INFO.toInt(), new LogLevels(key -> null).thresholdFor("io.chanmux.server.ChanmuxServer"));
    }

    @Test
    void shouldTakeTheLongestMatchingNameWhenLevelsAreSetPerPackage() {
        Map<String, String> settings = Map.of(
                "chanmux.log.level", "warn",
                "chanmux.log.level.io.chanmux.server", "error",
                "chanmux.log.level.io.chanmux.server.control", "DEBUG",
                "chanmux.log.level.io.chanmux.server.pool.ChannelPool", "off");
        LogLevels levels = new LogLevels(settings::get);

        assertEquals(Level.DEBUG.toInt(), levels.thresholdFor("io.chanmux.server.control.ControlConnection"));
        assertEquals(Level.ERROR.toInt(), levels.thresholdFor("io.chanmux.server.ChanmuxServer"));
        assertEquals(Level.ERROR.toInt(), levels.thresholdFor("io.chanmux.server.controlx.Other"), "whole names only");
        assertEquals(LogLevels.OFF, levels.thresholdFor("io.chanmux.server.pool.ChannelPool"));
        assertEquals(Level.WARN.toInt(), levels.thresholdFor("org.example.Library"));
    }

    @Test
    void shouldIgnoreAValueThatNamesNoLevel() {
        Map<String, String> settings = Map.of(
                "chanmux.log.level", "warn",
                "chanmux.log.level.io.chanmux", "loud");

        assertEquals(Level.WARN.toInt(), new LogLevels(settings::get).thresholdFor("io.chanmux.server.ChanmuxServer"));
    }
}
