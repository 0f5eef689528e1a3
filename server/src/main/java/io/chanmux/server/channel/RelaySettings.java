package io.chanmux.server.channel;

import io.chanmux.server.base.NanoClock;

import javax.crypto.SecretKey;

/**
 * What every {@link RelayPort} of one server shares. Immutable.
 *
 * @param maxDatagramBytes longer datagrams are dropped ({@code oversize})
 * @param cookieKey        the server's bind-cookie key ({@link BindCookies#newKey})
 * @param clock            the server clock: rate limits, activity and cookie time slots
 */
public record RelaySettings(int maxDatagramBytes, SecretKey cookieKey, NanoClock clock) {
}
