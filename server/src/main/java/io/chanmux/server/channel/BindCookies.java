package io.chanmux.server.channel;

import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.base.SecureIds;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

/**
 * The stateless cookies of return-routable binding: a CHALLENGE carries one, and only a CONFIRM
 * that echoes it from the same address moves a peer's binding there.
 *
 * <pre>
 * cookie = first 16 bytes of HMAC-SHA256(key, peer id (4) | address length (1) | IP bytes (4 or 16)
 *                                             | port (2) | time slot (8))
 * time slot = floor(server clock / 10 s)
 * </pre>
 *
 * A cookie verifies for the slot it was issued in and the next one, so it is valid for at least
 * {@link #SLOT_NS} (10 s) and at most twice that. The server keeps nothing per challenge: a flood
 * of BINDs costs it no memory, and a CONFIRM proves the address received the CHALLENGE because
 * only the server knows the key (random per server start, {@link #newKey}).
 *
 * <p>Threading: one instance per {@link RelayPort}, used only by its socket thread (a {@link Mac} is
 * not thread-safe). Time comes from the injected clock, so tests move it by hand.
 */
public final class BindCookies {
    /** The length of one time slot; a cookie is valid for one to two slots. */
    public static final long SLOT_NS = 10_000_000_000L;

    private static final String ALGORITHM = "HmacSHA256";
    private static final int KEY_BYTES = 32;

    private final Mac mac;
    private final NanoClock clock;
    private final ByteBuffer input = ByteBuffer.allocate(4 + 1 + 16 + 2 + 8);
    private final byte[] digest;
    private final byte[] cookie = new byte[Datagram.COOKIE_BYTES];

    public BindCookies(SecretKey key, NanoClock clock) {
        try {
            this.mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no usable " + ALGORITHM, e);
        }
        this.clock = clock;
        this.digest = new byte[mac.getMacLength()];
    }

    /** A new random key; the server makes one at start, so cookies never outlive it. Any thread. */
    public static SecretKey newKey() {
        return new SecretKeySpec(SecureIds.secret(KEY_BYTES), ALGORITHM);
    }

    /**
     * The cookie for {@code peer} at {@code source} now. The array is reused by the next call;
     * send it before calling again.
     */
    public byte[] issue(int peer, InetSocketAddress source) {
        compute(peer, source, slot());
        return cookie;
    }

    /**
     * Whether the 16 bytes at {@code offset} of {@code datagram} are a cookie this server issued for
     * {@code peer} at {@code source} in the current or the previous time slot. Constant-time
     * comparison.
     */
    public boolean verify(ByteBuffer datagram, int offset, int peer, InetSocketAddress source) {
        long now = slot();
        compute(peer, source, now);
        boolean current = Datagram.cookieMatches(datagram, offset, cookie);
        compute(peer, source, now - 1);
        boolean previous = Datagram.cookieMatches(datagram, offset, cookie);
        return current | previous;
    }

    private long slot() {
        return Math.floorDiv(clock.nanoTime(), SLOT_NS);
    }

    private void compute(int peer, InetSocketAddress source, long slot) {
        byte[] ip = source.getAddress().getAddress();
        input.clear();
        input.putInt(peer).put((byte) ip.length).put(ip).putShort((short) source.getPort()).putLong(slot);
        mac.update(input.array(), 0, input.position());
        try {
            mac.doFinal(digest, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException("the digest buffer is the MAC's length", e);
        }
        System.arraycopy(digest, 0, cookie, 0, cookie.length);
    }
}
