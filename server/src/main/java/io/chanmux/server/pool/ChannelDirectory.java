package io.chanmux.server.pool;

import io.chanmux.server.config.Settings;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.base.SecureIds;
import io.chanmux.server.channel.BindCookies;
import io.chanmux.server.channel.DontFragment;
import io.chanmux.server.channel.PeerIndex;
import io.chanmux.server.channel.RelayChannel;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.channel.RelayCounters;
import io.chanmux.server.channel.RelayPort;
import io.chanmux.server.channel.RelaySettings;
import io.chanmux.server.channel.SourceChallengeLimits;
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
 *
 * <p>Ports come from {@link ChannelPorts}: a socket of its own per channel, read by a channel
 * thread in the channel's pool, or one shared port ({@code --udp-port}) whose sockets are read by
 * one socket thread per pool. The directory builds those socket threads' {@link RelayPort}s; they
 * find any datagram's sender through the pools' {@link PeerIndex}es, each written by its own pool,
 * picking the pool from the peer id itself ({@link ChannelPool#poolOf}).
 */
public final class ChannelDirectory {
    private static final Logger log = LoggerFactory.getLogger(ChannelDirectory.class);

    private final LiveConfig live;
    private final List<ChannelPool> pools;
    private final BlockingQueue<DirectoryCommand> commands;
    /** What every socket thread shares; one {@link BindCookies} key per server start. */
    private final RelaySettings relaySettings;
    /** Socket threads that may serve one channel: 1 with a port per channel, else the shared port's sockets. */
    private final int writers;
    /** The shared port's counts of datagrams that name no live peer (unused with a port per channel). */
    private final RelayCounters sharedPortCounters;
    /** The shared port, or -1 with a port per channel. */
    private final int sharedUdpPort;
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

    /**
     * A directory with the configured ports: a range with a port per channel, or the shared port.
     *
     * @throws IOException when the shared port cannot be bound, or {@code --udp-dont-fragment} is
     *                     asked for where it cannot be set
     */
    public ChannelDirectory(LiveConfig live, NanoClock clock) throws IOException {
        this(live, clock, openPorts(live.current()));
    }

    private static ChannelPorts openPorts(ServerConfig config) throws IOException {
        boolean dontFragment = config.get(Settings.UDP_DONT_FRAGMENT);
        if (dontFragment) {
            DontFragment.requireAvailable(RelaySockets.familyOf(config.get(Settings.BIND)));
        }
        return config.get(Settings.UDP_PORT) >= 0
                ? SharedPort.open(config.get(Settings.BIND), config.get(Settings.UDP_PORT), SharedPort.socketsFor(config.get(Settings.POOLS)),
                        config.get(Settings.UDP_RCVBUF), dontFragment)
                : new PortAllocator(config.get(Settings.BIND), config.get(Settings.UDP_PORTS).low(), config.get(Settings.UDP_PORTS).high(),
                        config.get(Settings.UDP_RCVBUF), dontFragment);
    }

    /**
     * A directory whose channel sockets come from {@code ports} (tests: ephemeral ports).
     *
     * @throws IOException when a pool's poll loop cannot open its selector
     */
    ChannelDirectory(LiveConfig live, NanoClock clock, ChannelPorts ports) throws IOException {
        this.live = live;
        ServerConfig config = live.current();
        this.commands = new ArrayBlockingQueue<>(config.get(Settings.POOL_QUEUE_CAPACITY));
        this.ports = ports;
        this.relaySettings = new RelaySettings(config.get(Settings.MAX_DATAGRAM), BindCookies.newKey(), clock,
                live::peerRates);
        List<DatagramChannel> shared = ports.sharedSockets();
        this.writers = Math.max(1, shared.size());
        this.sharedUdpPort = shared.isEmpty() ? -1 : localPort(shared.getFirst());
        this.sharedPortCounters = new RelayCounters(writers);
        PeerIndex[] indexes = new PeerIndex[config.get(Settings.POOLS)];
        for (int i = 0; i < indexes.length; i++) {
            indexes[i] = new PeerIndex();
        }
        List<ChannelPool> created = new ArrayList<>();
        for (int i = 0; i < config.get(Settings.POOLS); i++) {
            // Socket i is read in pool i's scope; there are as many sockets as pools, or one.
            RelayPort reader = i < shared.size() ? new RelayPort(shared.get(i), i,
                    id -> indexes[ChannelPool.poolOf(id, indexes.length)].find(id), sharedPortCounters, relaySettings,
                    SourceChallengeLimits.SHARED_PORT_SLOTS) : null;
            try {
                created.add(new ChannelPool(i, config.get(Settings.POOLS), this, live, clock, indexes[i], reader));
            } catch (IOException e) {
                created.forEach(ChannelPool::closeUnstarted);
                throw e;
            }
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

    /** How many socket threads may serve one channel: 1 with a port per channel, else the shared port's sockets. */
    public int socketsPerChannel() {
        return writers;
    }

    /** The UDP port every channel shares (single-port mode), or -1 when each has its own. Any thread. */
    public int sharedUdpPort() {
        return sharedUdpPort;
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
                sharedPortCounters.addTo(totals);
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
     * Tells the directory that a channel is gone from the data plane: its own socket closed and its
     * thread ended (called by that thread as its last act), or, on the shared port, its members
     * unpublished (called by its pool). Waits for room, since a lost notice would leak a port or
     * keep a dead channel listed.
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
        ServerConfig config = live.current();
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
        ChannelSocket socket = ports.open();
        if (socket == null) {
            c.answer().refuse(new RequestException(ErrorCode.NO_PORTS, ports.exhausted()));
            return;
        }
        ChannelPool pool = leastLoadedPool();
        String id;
        do {
            id = SecureIds.hex(8);
        } while (channels.containsKey(id));
        RelayChannel relay = new RelayChannel(id, socket.port(), writers, pool.rebindSignal());
        RelayPort ownPort = socket.socket() == null ? null : new RelayPort(socket.socket(), 0, relay::find,
                relay.counters(), relaySettings, SourceChallengeLimits.PER_CHANNEL_SLOTS);
        Channel channel = new Channel(id, c.name(), c.maxPeers(), c.key(), c.owner(), pool, relay, ownPort);
        // Listed before the pool answers, so the creator's next request finds it.
        channels.put(id, channel);
        if (!pool.submit(new PoolCommand.AddChannel(channel, c.answer()))) {
            channels.remove(id);
            closeQuietly(channel);
            ports.release(channel.port());
            c.answer().refuse(new RequestException(ErrorCode.LIMIT, "pool " + pool.index()
                    + " is too busy to add a channel"));
            return;
        }
        channelsByOwner.put(c.owner(), owned + 1);
        poolLoads[pool.index()]++;
        publish();
        log.atInfo().addKeyValue("event", "channel_created").addKeyValue("channel", id)
                .addKeyValue("session", c.owner().id())
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

    /** Closes the channel's own socket, if it has one, which ends its thread. */
    static void closeQuietly(Channel channel) {
        if (channel.ownPort() != null) {
            closeQuietly(channel.ownPort(), channel.id());
        }
    }

    static void closeQuietly(RelayPort port, String what) {
        try {
            port.close();
        } catch (IOException e) {
            log.debug("closing the socket of {} failed", what, e);
        }
    }

    /** Closes the shared port's sockets and the pools' selectors; for a server that fails before its pools start. */
    public void closeUnstarted() {
        pools.forEach(ChannelPool::closeUnstarted);
        for (DatagramChannel socket : ports.sharedSockets()) {
            try {
                socket.close();
            } catch (IOException e) {
                log.debug("closing a shared socket failed", e);
            }
        }
    }
}
