package io.chanmux.server.base;

import io.chanmux.protocol.wire.Datagram;
import io.chanmux.protocol.wire.Hex;

import java.security.SecureRandom;

/** Unguessable channel ids, session ids, bind tokens and keys, all drawn from one {@link SecureRandom}. Thread-safe. */
public final class SecureIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private SecureIds() {
    }

    /** {@code bytes} random bytes as lowercase hex. */
    public static String hex(int bytes) {
        return Hex.encode(randomBytes(bytes));
    }

    /** A new 16-byte bind token. */
    public static byte[] token() {
        return randomBytes(Datagram.TOKEN_BYTES);
    }

    /** {@code bytes} random bytes for a secret key (e.g. the server's bind-cookie key). */
    public static byte[] secret(int bytes) {
        return randomBytes(bytes);
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
