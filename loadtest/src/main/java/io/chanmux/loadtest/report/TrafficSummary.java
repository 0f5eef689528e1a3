package io.chanmux.loadtest.report;

import java.util.Map;

/**
 * What was sent and what arrived. Offered, delivered, expected and lost cover the measured window
 * (datagrams whose intended send time fell in it); duplicates, reordering, corruption and echoes
 * cover the whole run, since any of them is a fault.
 *
 * @param warmupSeconds        length of the warmup
 * @param measuredSeconds      length of the measured window
 * @param drainSeconds         how long the run waited for late datagrams after sending stopped
 * @param offered              DATA datagrams sent in the measured window
 * @param relayIn              datagrams the server received from measurement start to the end of the drain (its
 *                             {@code datagramsIn}, keepalives included), or -1 when unknown
 * @param delivered            distinct copies of measured datagrams received
 * @param expected             copies of measured datagrams that should have arrived
 * @param lost                 {@code expected - delivered}
 * @param lossPercent          {@code lost} in percent of {@code expected}
 * @param maxLossPercent       the limit the verdict applied
 * @param warmupOffered        DATA datagrams sent in the warmup
 * @param warmupExpected       copies of warmup datagrams that should have arrived
 * @param warmupLost           of those, how many never did
 * @param duplicates           copies received more than once
 * @param reordered            copies received after a later one from the same sender
 * @param echoed               datagrams a peer received from itself (must be zero)
 * @param corrupt              corrupt datagrams by kind
 * @param corruptTotal         all corrupt datagrams
 * @param keepalives           PINGs sent by idle peers
 * @param pongs                PONGs received
 * @param sendErrors           failed sends
 * @param receiveErrors        failed receives
 * @param hostRcvbufErrors     datagrams the kernel dropped because a socket's receive buffer was full, any socket
 *                             of this host (server's or peers'), from measurement start to the end of the drain
 *                             ({@code /proc/net/snmp} RcvbufErrors), or -1
 * @param hostSndbufErrors     sends the kernel refused for a full send buffer, likewise (SndbufErrors), or -1
 */
public record TrafficSummary(double warmupSeconds, double measuredSeconds, double drainSeconds, long offered,
                             long relayIn, long delivered, long expected, long lost, double lossPercent,
                             double maxLossPercent, long warmupOffered, long warmupExpected, long warmupLost,
                             long duplicates, long reordered, long echoed, Map<String, Long> corrupt, long corruptTotal,
                             long keepalives, long pongs, long sendErrors, long receiveErrors,
                             long hostRcvbufErrors, long hostSndbufErrors) {
    /** Copies the map. */
    public TrafficSummary {
        corrupt = Map.copyOf(corrupt);
    }
}
