package io.chanmux.protocol.wire;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * How chanmux writes addresses as text, in logs, replies and reports: {@code 192.0.2.7:7700} and
 * {@code [2001:db8::7]:7700}. An IPv6 address is in its short form (RFC 5952: lowercase, leading
 * zeros dropped, the longest run of zero groups written {@code ::}) and in brackets before a port
 * (RFC 3986), so it can be pasted back into a URL or a {@code --server} option.
 *
 * <p>Stateless; every method is safe from any thread.
 */
public final class HostPort {
    private HostPort() {
    }

    /** {@code host:port}, or {@code [v6]:port}; an unresolved address keeps its host name. */
    public static String format(InetSocketAddress address) {
        String host = address.getAddress() == null ? address.getHostString() : format(address.getAddress());
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** The address alone: dotted IPv4, or the short form of IPv6 (with {@code %scope} if it has one). */
    public static String format(InetAddress address) {
        if (!(address instanceof Inet6Address v6)) {
            return address.getHostAddress();
        }
        byte[] bytes = v6.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        // The longest run of two or more zero groups (the first of equal runs) becomes "::".
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(j, i + 1);
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        String full = v6.getHostAddress();
        int scope = full.indexOf('%');
        return scope < 0 ? text.toString() : text + full.substring(scope);
    }
}
