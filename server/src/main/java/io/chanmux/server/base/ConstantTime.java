package io.chanmux.server.base;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Comparison of secrets (keys, tokens, credentials) in time that does not depend on where they differ. */
public final class ConstantTime {
    private ConstantTime() {
    }

    /** Whether two byte strings are equal; false when either is null. */
    public static boolean equal(byte[] expected, byte[] offered) {
        return expected != null && offered != null && MessageDigest.isEqual(expected, offered);
    }

    /** Whether two strings are equal as UTF-8 bytes; false when either is null. */
    public static boolean equal(String expected, String offered) {
        return expected != null && offered != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                offered.getBytes(StandardCharsets.UTF_8));
    }
}
