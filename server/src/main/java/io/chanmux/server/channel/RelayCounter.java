package io.chanmux.server.channel;

import java.util.Locale;

/**
 * What a socket thread counts. Drop reasons are counters too, so one array holds everything a
 * socket thread writes and the {@code stats} op reads.
 */
public enum RelayCounter {
    /** Datagrams received on the channel's port (or the shared port), valid or not. */
    DATAGRAMS_IN("datagramsIn"),
    /** Bytes of those datagrams. */
    BYTES_IN("bytesIn"),
    /** Copies of DATA datagrams sent to peers (one datagram to k peers counts k). */
    FORWARDED("forwarded"),
    /** Bytes of those copies. */
    BYTES_FORWARDED("bytesForwarded"),
    /** BIND_OK answers sent (to a BIND from the bound address, or to a valid CONFIRM). */
    BIND_OK("bindOk"),
    /** CHALLENGE answers sent (to a BIND with the right token from an address the peer is not bound to). */
    CHALLENGES("challenges"),
    /** PONG answers sent. */
    PONGS("pongs"),
    /** Receives that failed without the socket being closed (e.g. an ICMP error surfacing). */
    RECEIVE_ERRORS("receiveErrors"),
    /** Sends that failed (the peer's address refused or the buffer was full); forwarding went on. */
    SEND_ERRORS("sendErrors"),
    /** Dropped: shorter than the 5-byte header. */
    DROP_TOO_SHORT("too_short"),
    /** Dropped: longer than the configured maximum datagram. */
    DROP_OVERSIZE("oversize"),
    /** Dropped: a type byte that clients may not send. */
    DROP_UNKNOWN_TYPE("unknown_type"),
    /** Dropped: the peer id is not a member of this channel. */
    DROP_UNKNOWN_PEER("unknown_peer"),
    /** Dropped: a BIND, CONFIRM or PING whose length is not the fixed length of its type. */
    DROP_BAD_LENGTH("bad_length"),
    /** Dropped: a BIND or CONFIRM whose token does not match the peer's. */
    DROP_BAD_TOKEN("bad_token"),
    /** Dropped: DATA or PING from a peer that has not bound an address yet. */
    DROP_NOT_BOUND("not_bound"),
    /** Dropped: DATA or PING from an address other than the one bound to the peer. */
    DROP_WRONG_SOURCE("wrong_source"),
    /** Dropped: a CONFIRM whose cookie is not one issued for its peer and source address, or has expired. */
    DROP_BAD_COOKIE("bad_cookie"),
    /** Dropped: over the peer's packets-per-second or bytes-per-second limit. */
    DROP_RATE_LIMITED("rate_limited"),
    /** Dropped: a BIND that would need a CHALLENGE over the peer's or the source address's challenge budget. */
    DROP_CHALLENGE_LIMITED("challenge_limited");

    private final String wireName;

    RelayCounter(String wireName) {
        this.wireName = wireName;
    }

    /** The name used in the {@code stats} reply. */
    public String wireName() {
        return wireName;
    }

    /** Whether this counter is a drop reason. */
    public boolean isDrop() {
        return name().startsWith("DROP_");
    }

    /** The sum of every drop reason in {@code values}, indexed by ordinal. */
    public static long totalDrops(long[] values) {
        long dropped = 0;
        for (RelayCounter counter : values()) {
            dropped += counter.isDrop() ? values[counter.ordinal()] : 0;
        }
        return dropped;
    }

    /** The lowercase name used in logs. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
