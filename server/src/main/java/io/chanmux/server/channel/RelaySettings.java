package io.chanmux.server.channel;

import io.chanmux.server.base.NanoClock;
import io.chanmux.server.config.PeerRates;

import javax.crypto.SecretKey;
import java.util.function.Supplier;

/**
 * What every {@link RelayPort} of one server shares. Immutable; {@code peerRates} gives what a
 * reload last set.
 *
 * @param maxDatagramBytes longer datagrams are dropped ({@code oversize})
 * @param cookieKey        the server's bind-cookie key ({@link BindCookies#newKey})
 * @param clock            the server clock: rate limits, activity and cookie time slots
 * @param peerRates        the peers' datagram budget in force now, read per datagram (a volatile read)
 */
public record RelaySettings(int maxDatagramBytes, SecretKey cookieKey, NanoClock clock, Supplier<PeerRates> peerRates) {
}
