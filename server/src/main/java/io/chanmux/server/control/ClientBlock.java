package io.chanmux.server.control;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The block a client address counts against for the per-address connection limit: an IPv4
 * address itself, an IPv6 address's /64 — the smallest network one subscriber is usually given,
 * so walking through the 2^64 addresses of one's own /64 gains nothing.
 */
final class ClientBlock {
    private static final int IPV6_PREFIX_BYTES = 8;

    private ClientBlock() {
    }

    /** The block of {@code address}: itself for IPv4, its /64 prefix (the rest zero) for IPv6. */
    static InetAddress of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] bytes = address.getAddress();
        for (int i = IPV6_PREFIX_BYTES; i < bytes.length; i++) {
            bytes[i] = 0;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an IPv6 address", e);
        }
    }
}
