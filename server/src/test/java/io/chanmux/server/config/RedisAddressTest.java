package io.chanmux.server.config;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisAddressTest {

    @Test
    void shouldReadEveryPartWhenTheUriHasThemAll() {
        RedisAddress address = RedisAddress.parse("rediss://chanmux:p%40ss@redis.example:6380/3");

        assertEquals(new RedisAddress(true, "redis.example", 6380, "chanmux", "p@ss", 3), address);
    }

    @Test
    void shouldUseTheDefaultsWhenPortDatabaseAndCredentialsAreMissing() {
        assertEquals(new RedisAddress(false, "10.0.0.5", 6379, null, null, 0), RedisAddress.parse("redis://10.0.0.5"));
        assertEquals(new RedisAddress(false, "::1", 7000, null, "secret", 0),
                RedisAddress.parse("redis://:secret@[::1]:7000/"));
    }

    @Test
    void shouldSayWhatIsWrongWhenTheUriIsNotARedisOne() {
        assertTrue(message("http://host:6379").contains("redis://"));
        assertTrue(message("redis://host:6379/x").contains("database number"));
        assertTrue(message("redis://justapassword@host").contains("redis://:PASSWORD@HOST"));
        assertTrue(message("redis:///0").contains("no host"));
        assertTrue(message("redis://host?timeout=1").contains("not supported"));
    }

    @Test
    void shouldHideThePasswordWhenPrinted() {
        String printed = RedisAddress.parse("redis://user:hunter2@host:1/2").toString();

        assertEquals("redis://user:***@host:1/2", printed);
        assertFalse(RedisAddress.parse("redis://:hunter2@host").toString().contains("hunter2"));
        assertTrue(RedisAddress.isValid("rediss://h:1/0"));
        assertFalse(RedisAddress.isValid("ftp://hunter2@host"));
        assertNull(RedisAddress.parse("redis://h").password());
    }

    private static String message(String uri) {
        return assertThrows(IllegalArgumentException.class, () -> RedisAddress.parse(uri)).getMessage();
    }
}
