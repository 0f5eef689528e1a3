package io.chanmux.server.pool;

import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.base.SecureIds;
import io.chanmux.server.channel.BindCookies;
import io.chanmux.server.channel.RelayChannel;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.SecretKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The owner of channel lifecycle, in the manner of Aeron's conductor: creating a channel (limits,
 * its port, its id, its pool) and forgetting it when its thread has ended (freeing the port,
 * keeping its counters) happen only on the directory's own thread, in {@link #run}, fed by a
 * bounded queue of {@link DirectoryCommand}s. Pools own what happens to a channel in between.
 *
 * <p>Other threads only read what the directory publishes: the live channels (a map only this
 * thread writes), pool loads and ports in use (immutable snapshots behind volatile fields), and
 * counter totals that outlive deleted channels (read consistently with the live channels through
 * a version number, so a channel being retired is counted exactly once).
 */
public final class ChannelDirectory {
    private static final Logger log = LoggerFactory.getLogger(ChannelDirectory.class);

    private final ServerConfig config;
    private final List<ChannelPool> pools;
    private final BlockingQueue<DirectoryCommand> commands;
    /** One key per server start, shared by every channel's {@link BindCookies}. */
    private final SecretKey bindCookieKey = BindCookies.newKey();
    // Directory thread only:
    private final ChannelPorts ports;
    private final int[] poolLoads;
    private final Map<SessionHandle, Integer> channelsByOwner = new HashMap<>();
    // Written by the directory thread, read by any:
    /** Sorted by id, so a page of {@code list} costs its size, not the number of channels. */
    private final ConcurrentSkipListMap<String, Channel> channels = new ConcurrentSkipListMap<>();
    private volatile int[] publishedPoolLoads;
    private volatile int portsInUse;
    private volatile long[] retiredTotals = new long[RelayCounter.values().length];
    /** Odd while a channel moves from the live map to the retired totals. */
    private volatile long retireVersion;
    /** Set once the directory thread has stopped: creates queued later are refused by their sender. */
    private volatile boolean stopped;

    public ChannelDirectory(ServerConfig config, NanoClock clock) {
        this(config, clock, new PortAllocator(config.get(Settings.BIND), config.get(Settings.UDP_PORTS).low(), config.get(Settings.UDP_PORTS).high(),
                config.get(Settings.UDP_RCVBUF)));
    }

    /** A directory whose channel sockets come from {@code ports} (tests: ephemeral ports). */
    ChannelDirectory(ServerConfig config, NanoClock clock, ChannelPorts ports) {
        this.config = config;
        this.commands = new ArrayBlockingQueue<>(config.get(Settings.POOL_QUEUE_CAPACITY));
        this.ports = ports;
        List<ChannelPool> created = new ArrayList<>();
        for (int i = 0; i < config.get(Settings.POOLS); i++) {
            created.add(new ChannelPool(i, config.get(Settings.POOLS), this, config, clock));
        }
        this.pools = List.copyOf(created);
        this.poolLoads = new int[pools.size()];
        this.publishedPoolLoads = poolLoads.clone();
    }

    /** The pools, indexed by {@link ChannelPool#index()}. */
    public List<ChannelPool> pools() {
        return pools;
    }

    /**
     * Asks for a new channel; {@code answer} gets the result from the directory thread (refused) or
     * from the chosen pool once it serves the channel. Any thread.
     *
     * @return false when the directory's queue is full (nothing was queued)
     */
    public boolean requestCreate(SessionHandle owner, String name, int maxPeers, String key,
                                 Answer<ChannelCreated> answer) {
        if (!commands.offer(new DirectoryCommand.CreateChannel(owner, name, maxPeers, key, answer))) {
            return false;
        }
        if (stopped) {
            refuseQueued(); // no directory thread will take it
        }
        return true;
    }

    /** The live channel with this id, or null. Any thread. */
    public Channel find(String id) {
        return id == null ? null : channels.get(id);
    }

    /** Every live channel, in no particular order (a live view). Any thread. */
    public Collection<Channel> channels() {
        return channels.values();
    }

    /** The live channels whose ids sort after {@code after} (every channel when null), in id order (a live view). Any thread. */
    public Collection<Channel> channelsAfter(String after) {
        return after == null ? channels.values() : channels.tailMap(after, false).values();
    }

    /** Channels placed on each pool, indexed by pool. Any thread. */
    public int[] poolLoads() {
        return publishedPoolLoads.clone();
    }

    /** UDP ports in use by channels. Any thread. */
    public int portsInUse() {
        return portsInUse;
    }

    /** Members of all live channels. Any thread. */
    public int peerCount() {
        int peers = 0;
        for (Channel channel : channels.values()) {
            peers += channel.peerCount();
        }
        return peers;
    }

    /** Every relay counter summed over live and deleted channels, indexed by ordinal. Any thread. */
    public long[] counterTotals() {
        while (true) {
            long version = retireVersion;
            if ((version & 1) == 0) {
                long[] totals = retiredTotals.clone();
                for (Channel channel : channels.values()) {
                    channel.relay().counters().addTo(totals);
                }
                if (retireVersion == version) {
                    return totals;
                }
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Tells the directory that a channel's thread has ended and its socket is closed. Called by
     * the channel's thread as its last act; waits for room, since a lost notice would leak a port.
     */
    void channelEnded(Channel channel) throws InterruptedException {
        commands.put(new DirectoryCommand.ChannelEnded(channel));
    }

    /** Like {@link #channelEnded}, for a channel whose thread never started; never blocks (shutdown only). */
    void channelEndedUnstarted(Channel channel) {
        commands.offer(new DirectoryCommand.ChannelEnded(channel));
    }

    /** The directory thread: applies commands until interrupted. */
    public void run() {
        try {
            while (true) {
                apply(commands.take());
            }
        } catch (InterruptedException e) {
            // Shutdown: refuse creates still queued, so no session waits for an answer. Set first:
            // a create queued after this is refused by its sender (see requestCreate).
            stopped = true;
            refuseQueued();
        }
    }

    /** Refuses every queued create; once the directory has stopped, from any thread. */
    private void refuseQueued() {
        for (DirectoryCommand command; (command = commands.poll()) != null; ) {
            if (command instanceof DirectoryCommand.CreateChannel create) {
                create.answer().refuse(new RequestException(ErrorCode.INTERNAL, "the server is shutting down"));
            }
        }
    }

    /** Applies one command. Directory thread only (or a test driving it without the thread). */
    void apply(DirectoryCommand command) {
        try {
            switch (command) {
                case DirectoryCommand.CreateChannel c -> onCreateChannel(c);
                case DirectoryCommand.ChannelEnded c -> onChannelEnded(c.channel());
            }
        } catch (RuntimeException e) {
            log.error("the directory failed to apply {}", command, e);
        }
    }

    /** Applies every queued command; for tests that drive the directory without its thread. Returns how many. */
    int applyPending() {
        int applied = 0;
        for (DirectoryCommand command; (command = commands.poll()) != null; applied++) {
            apply(command);
        }
        return applied;
    }

    private void onCreateChannel(DirectoryCommand.CreateChannel c) {
        int owned = channelsByOwner.getOrDefault(c.owner(), 0);
        if (channels.size() >= config.get(Settings.MAX_CHANNELS)) {
            c.answer().refuse(new RequestException(ErrorCode.LIMIT, "the server has its maximum of "
                    + config.get(Settings.MAX_CHANNELS) + " channels"));
            return;
        }
        if (owned >= config.get(Settings.MAX_CHANNELS_PER_SESSION)) {
            c.answer().refuse(new RequestException(ErrorCode.LIMIT, "a session may own at most "
                    + config.get(Settings.MAX_CHANNELS_PER_SESSION) + " channels"));
            return;
        }
        DatagramChannel socket = ports.open();
        if (socket == null) {
            c.answer().refuse(new RequestException(ErrorCode.NO_PORTS, ports.exhausted()));
            return;
        }
        ChannelPool pool = leastLoadedPool();
        String id;
        do {
            id = SecureIds.hex(8);
        } while (channels.containsKey(id));
        Channel channel = new Channel(id, c.name(), c.maxPeers(), c.key(), c.owner(), pool,
                new RelayChannel(id, socket, localPort(socket), config.get(Settings.MAX_DATAGRAM), bindCookieKey, pool.clock()));
        // Listed before the pool answers, so the creator's next request finds it.
        channels.put(id, channel);
        if (!pool.submit(new PoolCommand.AddChannel(channel, c.answer()))) {
            channels.remove(id);
            closeQuietly(channel.relay());
            ports.release(channel.port());
            c.answer().refuse(new RequestException(ErrorCode.LIMIT, "pool " + pool.index()
                    + " is too busy to add a channel"));
            return;
        }
        channelsByOwner.put(c.owner(), owned + 1);
        poolLoads[pool.index()]++;
        publish();
        log.atInfo().addKeyValue("channel", id).addKeyValue("session", c.owner().id())
                .log("channel {} created on port {} in pool {} by session {}", id, channel.port(), pool.index(),
                        c.owner().id());
    }

    private void onChannelEnded(Channel channel) {
        if (channels.get(channel.id()) != channel) {
            return;
        }
        long[] totals = retiredTotals.clone();
        channel.relay().counters().addTo(totals);
        retireVersion++;
        retiredTotals = totals;
        channels.remove(channel.id());
        retireVersion++;
        ports.release(channel.port());
        poolLoads[channel.pool().index()]--;
        channelsByOwner.computeIfPresent(channel.owner(), (owner, owned) -> owned == 1 ? null : owned - 1);
        publish();
    }

    private void publish() {
        publishedPoolLoads = poolLoads.clone();
        portsInUse = ports.inUse();
    }

    private ChannelPool leastLoadedPool() {
        int best = 0;
        for (int i = 1; i < poolLoads.length; i++) {
            if (poolLoads[i] < poolLoads[best]) {
                best = i;
            }
        }
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
            log.atDebug().addKeyValue("channel", relay.id()).setCause(e).log("closing channel {} failed", relay.id());
        }
    }
}
