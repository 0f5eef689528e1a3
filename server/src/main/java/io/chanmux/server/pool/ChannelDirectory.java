package io.chanmux.server.pool;

import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.server.NanoClock;
import io.chanmux.server.SecureIds;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.channel.RelayChannel;
import io.chanmux.server.channel.RelayCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's channels as a whole: which pool each lives in (a new channel goes to the
 * least-loaded pool), their ids and ports, server-wide peer ids, and counter totals that outlive
 * deleted channels. The per-channel state itself (members, bindings) belongs to each channel's
 * {@link ChannelPool}.
 *
 * <p>Thread-safe: control sessions call {@link #create} and the lookups; pool threads call
 * {@link #remove}.
 */
public final class ChannelDirectory {
    private static final Logger log = LoggerFactory.getLogger(ChannelDirectory.class);

    private final ServerConfig config;
    private final NanoClock clock;
    private final PortAllocator ports;
    private final List<ChannelPool> pools;
    private final int[] poolLoads;
    private final ConcurrentHashMap<String, ChannelEntry> channels = new ConcurrentHashMap<>();
    private final AtomicInteger lastPeerId = new AtomicInteger();
    private final long[] retiredCounters = new long[RelayCounter.values().length];
    private final Map<SessionHandle, Integer> channelsByOwner = new HashMap<>();
    private int channelCount;

    public ChannelDirectory(ServerConfig config, NanoClock clock) {
        this.config = config;
        this.clock = clock;
        this.ports = new PortAllocator(config.get(Settings.BIND), config.get(Settings.UDP_PORTS).low(), config.get(Settings.UDP_PORTS).high(),
                config.get(Settings.UDP_RCVBUF));
        List<ChannelPool> created = new ArrayList<>();
        for (int i = 0; i < config.get(Settings.POOLS); i++) {
            created.add(new ChannelPool(i, this, config, clock));
        }
        this.pools = List.copyOf(created);
        this.poolLoads = new int[pools.size()];
    }

    /** The pools, indexed by {@link ChannelPool#index()}. */
    public List<ChannelPool> pools() {
        return pools;
    }

    /**
     * Opens a port for a new channel, places it on the least-loaded pool and asks that pool to
     * start serving it.
     *
     * @return completes with the entry once the pool serves the channel
     * @throws RequestException {@code no_ports} when the range is exhausted, {@code limit} when the
     *                          pool's queue is full
     */
    public CompletableFuture<ChannelEntry> create(SessionHandle owner, String name, int maxPeers, String key)
            throws RequestException {
        reserveFor(owner);
        DatagramChannel socket = ports.open();
        if (socket == null) {
            release(owner);
            throw new RequestException(ErrorCode.NO_PORTS, "every UDP port in " + config.get(Settings.UDP_PORTS).low() + "-"
                    + config.get(Settings.UDP_PORTS).high() + " is in use");
        }
        int port = localPort(socket);
        ChannelPool pool = placeOnLeastLoadedPool();
        String id;
        ChannelEntry entry;
        do {
            id = SecureIds.hex(8);
            RelayChannel relay = new RelayChannel(id, socket, port, config.get(Settings.MAX_DATAGRAM), pool, clock);
            entry = new ChannelEntry(id, name, maxPeers, key, owner, pool, relay);
        } while (channels.putIfAbsent(id, entry) != null);
        CompletableFuture<Void> started = new CompletableFuture<>();
        if (!pool.submit(new PoolCommand.AddChannel(entry, started))) {
            closeQuietly(entry.relay());
            remove(entry);
            throw new RequestException(ErrorCode.LIMIT, "pool " + pool.index() + " is too busy to add a channel");
        }
        ChannelEntry created = entry;
        return started.thenApply(ignored -> {
            log.info("channel {} created on port {} in pool {} by session {}", created.id(), port, pool.index(),
                    owner.id());
            return created;
        });
    }

    /** The live channel with this id, or null. */
    public ChannelEntry find(String id) {
        return id == null ? null : channels.get(id);
    }

    /** Every live channel, in no particular order. */
    public Collection<ChannelEntry> channels() {
        return channels.values();
    }

    /** Channels placed on each pool, indexed by pool. */
    public synchronized int[] poolLoads() {
        return poolLoads.clone();
    }

    /** UDP ports in use by channels. */
    public int portsInUse() {
        return ports.inUse();
    }

    /** Members of all live channels. */
    public int peerCount() {
        int peers = 0;
        for (ChannelEntry entry : channels.values()) {
            peers += entry.peerCount();
        }
        return peers;
    }

    /** Every relay counter summed over live and deleted channels, indexed by ordinal. */
    public long[] counterTotals() {
        // Under the same lock as remove(), so a channel being retired is counted exactly once.
        synchronized (retiredCounters) {
            long[] totals = retiredCounters.clone();
            for (ChannelEntry entry : channels.values()) {
                entry.relay().counters().addTo(totals);
            }
            return totals;
        }
    }

    /** A new peer id, unique among live peers (a u32 that wraps after 2^32 joins, skipping 0). */
    int nextPeerId() {
        int id = lastPeerId.incrementAndGet();
        return id != 0 ? id : lastPeerId.incrementAndGet();
    }

    /** Forgets a channel whose socket its pool has closed, and frees its port. Pool thread only. */
    void remove(ChannelEntry entry) {
        synchronized (retiredCounters) {
            if (!channels.remove(entry.id(), entry)) {
                return;
            }
            entry.relay().counters().addTo(retiredCounters);
        }
        ports.release(entry.port());
        synchronized (this) {
            poolLoads[entry.pool().index()]--;
        }
        release(entry.owner());
    }

    /** Counts a channel against the server's and the owner's limits before it is opened. */
    private synchronized void reserveFor(SessionHandle owner) throws RequestException {
        if (channelCount >= config.get(Settings.MAX_CHANNELS)) {
            throw new RequestException(ErrorCode.LIMIT, "the server has its maximum of " + config.get(Settings.MAX_CHANNELS)
                    + " channels");
        }
        int owned = channelsByOwner.getOrDefault(owner, 0);
        if (owned >= config.get(Settings.MAX_CHANNELS_PER_SESSION)) {
            throw new RequestException(ErrorCode.LIMIT, "a session may own at most " + config.get(Settings.MAX_CHANNELS_PER_SESSION)
                    + " channels");
        }
        channelsByOwner.put(owner, owned + 1);
        channelCount++;
    }

    private synchronized void release(SessionHandle owner) {
        channelCount--;
        channelsByOwner.computeIfPresent(owner, (o, owned) -> owned == 1 ? null : owned - 1);
    }

    private synchronized ChannelPool placeOnLeastLoadedPool() {
        int best = 0;
        for (int i = 1; i < poolLoads.length; i++) {
            if (poolLoads[i] < poolLoads[best]) {
                best = i;
            }
        }
        poolLoads[best]++;
        return pools.get(best);
    }

    private static int localPort(DatagramChannel socket) {
        try {
            return ((InetSocketAddress) socket.getLocalAddress()).getPort();
        } catch (IOException e) {
            throw new IllegalStateException("a freshly bound socket has no local address", e);
        }
    }

    static void closeQuietly(RelayChannel relay) {
        try {
            relay.close();
        } catch (IOException e) {
            log.debug("closing channel {} failed", relay.id(), e);
        }
    }
}
