package io.chanmux.loadtest.report;

/**
 * The server's memory, before the peers connected, once they all had, and at the end. A size
 * that could not be read is -1, a per-peer figure NaN (a per-peer figure may be negative when
 * the process returned memory to the system meanwhile). Per-peer figures divide the growth over the connect phase by the
 * connected peers. With {@code --embedded} the server shares this JVM, so the figures include
 * the load generator's own peers ({@code includesLoadGenerator}).
 *
 * @param rssBeforeBytes        VmRSS before connecting
 * @param rssConnectedBytes     VmRSS with every peer connected
 * @param rssEndBytes           VmRSS at the end of the traffic
 * @param rssBytesPerPeer       {@code (connected - before) / peers}
 * @param heapBeforeBytes       heap used after a GC before connecting (embedded only)
 * @param heapConnectedBytes    heap used after a GC with every peer connected (embedded only)
 * @param heapBytesPerPeer      {@code (connected - before) / peers} (embedded only)
 * @param includesLoadGenerator whether the load generator shares the process
 */
public record MemorySummary(long rssBeforeBytes, long rssConnectedBytes, long rssEndBytes, double rssBytesPerPeer,
                            long heapBeforeBytes, long heapConnectedBytes, double heapBytesPerPeer,
                            boolean includesLoadGenerator) {
}
