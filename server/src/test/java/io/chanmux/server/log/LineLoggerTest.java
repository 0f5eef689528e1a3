package io.chanmux.server.log;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LineLoggerTest {
    private final List<LogEvent> events = new ArrayList<>();
    private final LineLogger log = new LineLogger("io.chanmux.server.Test", Level.INFO.toInt(), events::add);

    @AfterEach
    void clearMdc() {
        MDC.clear();
    }

    @Test
    void shouldDropEventsBelowTheThreshold() {
        log.debug("not written");
        log.atDebug().addKeyValue("session", "s1").log("not written");
        log.warn("written");

        assertEquals(1, events.size());
        assertEquals(Level.WARN, events.getFirst().level());
        assertTrue(log.isInfoEnabled());
        assertFalse(log.isDebugEnabled());
    }

    @Test
    void shouldFillPlaceholdersAndTakeATrailingExceptionAsTheError() {
        IOException error = new IOException("reset");

        log.info("session {} closed: {}", "s1", "line_timeout");
        log.error("pool {} failed", 3, error);
        log.atError().log("pool {} failed", 4, error);

        assertEquals("session s1 closed: line_timeout", events.get(0).message());
        assertNull(events.get(0).error());
        assertEquals("pool 3 failed", events.get(1).message());
        assertInstanceOf(IOException.class, events.get(1).error());
        assertEquals("pool 4 failed", events.get(2).message());
        assertInstanceOf(IOException.class, events.get(2).error());
    }

    @Test
    void shouldCarryKeyValuesAndTheMdcAsContextWithTheEventsOwnKeysFirst() {
        MDC.put("session", "from-mdc");
        MDC.put("remote", "/127.0.0.1:5000");

        log.atInfo().addKeyValue("session", "s1").addKeyValue("reason", "kicked").log("closed");
        log.info("plain");

        assertEquals(List.of(new KeyValuePair("session", "s1"), new KeyValuePair("reason", "kicked"),
                new KeyValuePair("remote", "/127.0.0.1:5000")), events.get(0).context());
        assertTrue(events.get(1).context().contains(new KeyValuePair("session", "from-mdc")), events.get(1).context()
                .toString());
    }
}
