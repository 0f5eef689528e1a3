package io.chanmux.server.base;

import io.chanmux.protocol.wire.HostPort;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The block of addresses that per-address limits count together: one IPv4 address, or the /64
 * prefix of an IPv6 address. An IPv6 host is routinely given a whole /64 (SLAAC, privacy
 * addresses) and can pick a fresh address in it for every connection, so counting single IPv6
 * addresses would be no limit at all; a /64 is what one subscriber usually holds, as one IPv4
 * address is. (IPv4 clients of a dual-stack socket arrive as IPv4 addresses, so they are counted
 * per address too.)
 *
 * @param prefix the first address of the block
 * @param bits   its prefix length: 32 or 64
 */
public record AddressBlock(InetAddress prefix, int bits) {
    /** The prefix length an IPv6 address is counted by. */
    public static final int IPV6_PREFIX_BITS = 64;

    /** The block {@code address} is counted in. */
    public static AddressBlock of(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return new AddressBlock(address, 32);
        }
        byte[] bytes = address.getAddress();
        for (int i = IPV6_PREFIX_BITS / 8; i < bytes.length; i++) {
            bytes[i] = 0;
        }
        try {
            return new AddressBlock(InetAddress.getByAddress(bytes), IPV6_PREFIX_BITS);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("16 bytes are always an IPv6 address", e);
        }
    }

    /** {@code 192.0.2.7/32} or {@code 2001:db8:1:2::/64}. */
    @Override
    public String toString() {
        return HostPort.format(prefix) + "/" + bits;
    }
}
