package io.chanmux.server.cluster;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ControlRequest;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.Redirect;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.config.RedisAddress;
import io.chanmux.server.pool.Answer;
import io.chanmux.server.pool.Channel;
import io.chanmux.server.pool.ChannelCreated;
import io.chanmux.server.pool.ChannelDirectory;
import io.chanmux.server.pool.PoolCommand;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * This node's membership of a cluster whose directory is Redis, in the manner of LiveKit's
 * multi-node mode. One thread, {@link #run}, is the only one that talks to Redis (one connection,
 * blocking calls, each bounded by {@link #REDIS_TIMEOUT}). Once a second it beats:
 *
 * <ol>
 *   <li>writes this node's {@link NodeRecord} to {@code chanmux:node:ID} with a lifetime of
 *       {@code --node-ttl}, and adds the id to the set {@code chanmux:nodes};</li>
 *   <li>refreshes {@code chanmux:channel:CHANNEL → ID}, with the same lifetime, for every channel
 *       it holds, and deletes the keys of channels that ended;</li>
 *   <li>reads every node's record and publishes a new {@link ClusterSnapshot}; ids whose record
 *       expired are removed from the set by whichever node sees them first.</li>
 * </ol>
 *
 * A node that stops beating (killed, or cut off from Redis) disappears from every other node's
 * view within the lifetime, and so do its channels: the keys expire, nobody has to sweep.
 *
 * <p>Sessions read the snapshot without a lock ({@link #place}), and ask the thread which node
 * holds a channel through a bounded queue ({@link #notHere}, answered with one {@code MGET} per
 * batch). When Redis cannot be reached the node carries on as a single node: it keeps relaying,
 * creates land here, and requests about channels it does not hold answer {@code unavailable}; it
 * retries every second and, once Redis answers, registers and republishes everything it holds.
 */
public final class RedisCluster implements Cluster {
    private static final Logger log = LoggerFactory.getLogger(RedisCluster.class);

    /** The set of node ids that have beaten (an index; each id's record is the truth). */
    static final String NODES_KEY = "chanmux:nodes";
    static final String NODE_KEY_PREFIX = "chanmux:node:";
    static final String CHANNEL_KEY_PREFIX = "chanmux:channel:";
    /** How often a node beats. */
    static final Duration BEAT_INTERVAL = Duration.ofSeconds(1);
    /** The longest any one Redis call (connect included) may take before Redis counts as unreachable. */
    static final Duration REDIS_TIMEOUT = Duration.ofSeconds(1);
    /** How long a session waits for a lookup before answering {@code unavailable}. */
    static final Duration LOCATE_TIMEOUT = Duration.ofSeconds(2);
    private static final int QUEUE_CAPACITY = 4096;
    private static final int BATCH = 256;
    /** Channel refreshes sent per pipeline round trip. */
    private static final int REFRESH_BATCH = 1000;
    private static final Answer<Void> IGNORED = new Answer<>() {
        @Override
        public void ok(Void result) {
        }

        @Override
        public void refuse(RequestException refusal) {
        }
    };

    private final LocalNode local;
    private final RedisAddress redis;
    private final ChannelDirectory directory;
    private final NanoClock clock;
    private final long ttlMs;
    private final BlockingQueue<ClusterCommand> commands = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final LongAdder redisErrors = new LongAdder();
    private final LongAdder moves = new LongAdder();
    private volatile long redisRoundTripNs = -1;
    private volatile ClusterSnapshot snapshot = ClusterSnapshot.DOWN;
    // Cluster thread only:
    private Jedis jedis;
    private Set<String> published = new HashSet<>();
    private boolean everUp;
    private boolean warnedDown;
    private long downSinceNs;

    /**
     * @param local     this node
     * @param redis     where the directory is
     * @param directory this node's channels
     * @param nodeTtl   how long a node's and its channels' keys live without a beat
     */
    public RedisCluster(LocalNode local, RedisAddress redis, ChannelDirectory directory, Duration nodeTtl,
                        NanoClock clock) {
        this.local = local;
        this.redis = redis;
        this.directory = directory;
        this.ttlMs = nodeTtl.toMillis();
        this.clock = clock;
    }

    // ---- what sessions ask (any thread) -----------------------------------------------------

    @Override
    public void place(ControlRequest.Create request) throws RequestException {
        ClusterSnapshot view = snapshot;
        NodeRecord self = local.now();
        if (!view.redisUp()) {
            return;
        }
        if (!self.draining() && self.node().equals(request.node())) {
            view.countSent(self.node()); // a create that names this node (after a 'moved')
            return;
        }
        NodeRecord best = view.leastLoaded(self);
        if (best == null) {
            return; // a draining node with nowhere to send it refuses the create itself
        }
        view.countSent(best.node());
        if (best.node().equals(self.node())) {
            return; // here
        }
        moves.increment();
        throw RequestException.moved(new Redirect(best.node(), best.control()), "the cluster places this channel on node "
                + best.node() + " (" + best.channels() + " channels); create it there with \"node\":\"" + best.node() + "\"");
    }

    @Override
    public RequestException notHere(String channel) throws InterruptedException {
        if (!snapshot.redisUp()) {
            return unavailable(channel, "this node cannot reach the cluster directory (Redis)");
        }
        ClusterCommand.Locate locate = new ClusterCommand.Locate(channel, new CompletableFuture<>());
        if (!commands.offer(locate)) {
            return unavailable(channel, "this node's cluster directory queue is full");
        }
        String owner;
        try {
            owner = locate.owner().get(LOCATE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            return unavailable(channel, "the cluster directory (Redis) failed: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            return unavailable(channel, "the cluster directory (Redis) did not answer within " + LOCATE_TIMEOUT.toSeconds()
                    + " s");
        }
        if (owner == null || owner.equals(local.id())) {
            return new RequestException(ErrorCode.NOT_FOUND, "no channel " + channel + " in the cluster");
        }
        NodeRecord node = snapshot.nodes().get(owner);
        if (node == null) {
            return new RequestException(ErrorCode.NOT_FOUND, "no channel " + channel + ": it was on node " + owner
                    + ", which is not alive");
        }
        moves.increment();
        return RequestException.moved(new Redirect(node.node(), node.control()), "channel " + channel + " is on node "
                + node.node() + " at " + node.control());
    }

    @Override
    public Answer<ChannelCreated> publishing(Answer<ChannelCreated> answer) {
        return new Answer<>() {
            @Override
            public void ok(ChannelCreated created) {
                // Without Redis (or with a full queue) the next successful beat publishes it.
                if (!snapshot.redisUp() || !commands.offer(new ClusterCommand.Publish(created, answer))) {
                    answer.ok(created);
                }
            }

            @Override
            public void refuse(RequestException refusal) {
                answer.refuse(refusal);
            }
        };
    }

    @Override
    public ObjectNode nodes() {
        ClusterSnapshot view = snapshot;
        NodeRecord self = local.now();
        Map<String, NodeRecord> all = new HashMap<>(view.nodes());
        all.put(self.node(), self);
        ObjectNode result = ControlCodec.object().put("cluster", true).put("redis", view.redisUp() ? "up" : "down");
        ArrayNode nodes = result.putArray("nodes");
        all.values().stream().sorted(Comparator.comparing(NodeRecord::node))
                .forEach(node -> nodes.add(node.toJson().put("self", node == self)));
        return result;
    }

    @Override
    public void drainStarted() {
        commands.offer(new ClusterCommand.Beat());
    }

    // ---- counters (any thread) ----------------------------------------------------------------

    /** Whether the last beat reached Redis. */
    public boolean redisUp() {
        return snapshot.redisUp();
    }

    /** Live nodes in the last view, this one included (0 while Redis is unreachable). */
    public int nodesSeen() {
        return snapshot.nodes().size();
    }

    /** The last beat's round trip to read the node records, in nanoseconds; -1 before the first. */
    public long redisRoundTripNanos() {
        return redisRoundTripNs;
    }

    /** Redis calls that failed (unreachable, timed out, refused). */
    public long redisErrors() {
        return redisErrors.sum();
    }

    /** {@code moved} answers given: creates placed elsewhere and requests sent to a channel's node. */
    public long movesAnswered() {
        return moves.sum();
    }

    // ---- the cluster thread -----------------------------------------------------------------

    /** The cluster thread: beats once a second and answers commands in between, until interrupted. */
    public void run() {
        log.atInfo().addKeyValue("event", "cluster_joining")
                .log("cluster: node {} (control {}) joins the cluster at {}, node TTL {} ms", local.id(), local.control(),
                        redis, ttlMs);
        List<ClusterCommand> batch = new ArrayList<>();
        long nextBeatNs = clock.nanoTime();
        try {
            while (true) {
                long waitNs = nextBeatNs - clock.nanoTime();
                if (waitNs <= 0) {
                    beat();
                    nextBeatNs = clock.nanoTime() + BEAT_INTERVAL.toNanos();
                    continue;
                }
                ClusterCommand first = commands.poll(waitNs, TimeUnit.NANOSECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                commands.drainTo(batch, BATCH - 1);
                if (apply(batch)) {
                    nextBeatNs = clock.nanoTime();
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            // the server is closing
        } finally {
            answerQueued(batch);
            leave();
        }
    }

    /** Applies a batch of commands; true when one asked for a beat now. */
    private boolean apply(List<ClusterCommand> batch) throws InterruptedException {
        boolean beatNow = false;
        List<ClusterCommand.Locate> locates = new ArrayList<>();
        for (ClusterCommand command : batch) {
            switch (command) {
                case ClusterCommand.Locate l -> locates.add(l);
                case ClusterCommand.Publish p -> publish(p);
                case ClusterCommand.Beat b -> beatNow = true;
            }
        }
        if (!locates.isEmpty()) {
            locate(locates);
        }
        return beatNow;
    }

    private void locate(List<ClusterCommand.Locate> locates) throws InterruptedException {
        if (jedis == null) {
            locates.forEach(l -> l.owner().completeExceptionally(new IllegalStateException("Redis is unreachable")));
            return;
        }
        String[] keys = locates.stream().map(l -> channelKey(l.channel())).toArray(String[]::new);
        try {
            List<String> owners = jedis.mget(keys);
            for (int i = 0; i < locates.size(); i++) {
                locates.get(i).owner().complete(owners.get(i));
            }
        } catch (JedisException e) {
            locates.forEach(l -> l.owner().completeExceptionally(e));
            failed(e);
        }
    }

    /**
     * Claims the new channel's id for this node ({@code SET NX}), then lets the create's success
     * go out. Ids are 64 random bits, so a clash with another node's channel is all but
     * impossible; if one happens, the new channel is closed and the create answered
     * {@code internal}, so no id ever means two channels.
     */
    private void publish(ClusterCommand.Publish p) throws InterruptedException {
        String id = p.created().channel();
        if (jedis == null) {
            p.answer().ok(p.created()); // the next successful beat publishes it
            return;
        }
        try {
            String key = channelKey(id);
            String owner = jedis.set(key, local.id(), SetParams.setParams().nx().px(ttlMs)) != null ? local.id()
                    : jedis.get(key);
            if (owner == null || owner.equals(local.id())) {
                if (owner == null) {
                    jedis.set(key, local.id(), SetParams.setParams().px(ttlMs));
                }
                published.add(id);
                p.answer().ok(p.created());
                return;
            }
            log.atWarn().addKeyValue("event", "cluster_channel_id_clash")
                    .log("cluster: new channel {} has the id of a channel on node {}; closing it", id, owner);
            Channel clash = directory.find(id);
            if (clash != null) {
                clash.pool().submit(new PoolCommand.DeleteChannel(id, null, IGNORED));
            }
            p.answer().refuse(new RequestException(ErrorCode.INTERNAL, "the new channel's id " + id
                    + " is taken by node " + owner + "; create again"));
        } catch (JedisException e) {
            failed(e);
            p.answer().ok(p.created());
        }
    }

    /** One heartbeat: register, refresh the channels, read the nodes, publish the view. */
    private void beat() throws InterruptedException {
        NodeRecord self = local.beat(clock.nanoTime());
        try {
            if (jedis == null) {
                jedis = connect();
            }
            Set<String> current = new HashSet<>();
            for (Channel channel : directory.channels()) {
                current.add(channel.id());
            }
            SetParams lifetime = SetParams.setParams().px(ttlMs);
            Response<Set<String>> members;
            try (Pipeline pipeline = jedis.pipelined()) {
                pipeline.set(nodeKey(self.node()), self.encode(), lifetime);
                pipeline.sadd(NODES_KEY, self.node());
                int queued = 0;
                for (String id : current) {
                    pipeline.set(channelKey(id), self.node(), lifetime);
                    if (++queued % REFRESH_BATCH == 0) {
                        pipeline.sync();
                    }
                }
                String[] ended = published.stream().filter(id -> !current.contains(id))
                        .map(RedisCluster::channelKey).toArray(String[]::new);
                if (ended.length > 0) {
                    pipeline.del(ended);
                }
                members = pipeline.smembers(NODES_KEY);
            }
            published = current;
            Map<String, NodeRecord> live = readNodes(List.copyOf(members.get()));
            live.put(self.node(), self);
            ClusterSnapshot before = snapshot;
            snapshot = before.next(live);
            if (!before.redisUp()) {
                reachedRedis(live.size());
            }
        } catch (JedisException e) {
            failed(e);
        }
    }

    /** The records of {@code ids} (one {@code MGET}); ids whose record expired leave the set. */
    private Map<String, NodeRecord> readNodes(List<String> ids) {
        Map<String, NodeRecord> live = new HashMap<>();
        if (ids.isEmpty()) {
            return live;
        }
        long began = clock.nanoTime();
        List<String> values = jedis.mget(ids.stream().map(RedisCluster::nodeKey).toArray(String[]::new));
        redisRoundTripNs = clock.nanoTime() - began;
        List<String> gone = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            NodeRecord record = values.get(i) == null ? null : NodeRecord.decode(values.get(i));
            if (values.get(i) == null) {
                gone.add(ids.get(i));
            } else if (record != null && record.node().equals(ids.get(i))) {
                live.put(record.node(), record);
            }
        }
        if (!gone.isEmpty()) {
            jedis.srem(NODES_KEY, gone.toArray(String[]::new));
        }
        return live;
    }

    private Jedis connect() {
        int timeoutMs = (int) REDIS_TIMEOUT.toMillis();
        Jedis connection = new Jedis(new HostAndPort(redis.host(), redis.port()), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMs)
                .socketTimeoutMillis(timeoutMs)
                .user(redis.user())
                .password(redis.password())
                .database(redis.database())
                .ssl(redis.tls())
                .autoNegotiateProtocol(false)
                .clientName("chanmux-" + local.id().replace(':', '-'))
                .build());
        try {
            connection.ping();
            return connection;
        } catch (JedisException e) {
            connection.close();
            throw e;
        }
    }

    private void reachedRedis(int nodes) {
        if (!everUp) {
            everUp = true;
            log.atInfo().addKeyValue("event", "cluster_registered")
                    .log("cluster: node {} registered at {}; {} live nodes", local.id(), redis, nodes);
        } else {
            log.atInfo().addKeyValue("event", "cluster_directory_back")
                    .log("cluster: Redis at {} answers again after {} s; node {} re-registered and republished its {} "
                                    + "channels; {} live nodes", redis, (clock.nanoTime() - downSinceNs) / 1_000_000_000L,
                            local.id(), published.size(), nodes);
        }
        warnedDown = false;
    }

    /**
     * A Redis call failed: drop the connection and the cluster view, and carry on as a single
     * node until a beat reaches Redis again. The first failure is a WARN, the retries are DEBUG.
     *
     * @throws InterruptedException when the failure was the server closing (an interrupted call)
     */
    private void failed(JedisException e) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        redisErrors.increment();
        if (jedis != null) {
            jedis.close();
            jedis = null;
        }
        snapshot = ClusterSnapshot.DOWN;
        if (!warnedDown) {
            warnedDown = true;
            downSinceNs = clock.nanoTime();
            log.atWarn().addKeyValue("event", "cluster_directory_unreachable")
                    .log("cluster: Redis at {} is unreachable ({}); node {} keeps relaying its {} channels and serves as a "
                                    + "single node until Redis answers: creates land here, requests for channels of other nodes "
                                    + "answer 'unavailable'; retrying every {} s", redis, e.getMessage(), local.id(),
                            directory.channels().size(), BEAT_INTERVAL.toSeconds());
        } else {
            log.debug("cluster: Redis at {} is still unreachable: {}", redis, e.getMessage());
        }
    }

    /** On the way out: nobody waits for an answer that will not come. */
    private void answerQueued(List<ClusterCommand> unapplied) {
        commands.drainTo(unapplied);
        for (ClusterCommand command : unapplied) {
            switch (command) {
                case ClusterCommand.Locate l -> l.owner().completeExceptionally(
                        new IllegalStateException("the server is shutting down"));
                case ClusterCommand.Publish p -> p.answer().ok(p.created());
                case ClusterCommand.Beat b -> { }
            }
        }
    }

    /** Leaves the cluster politely: the other nodes forget this one and its channels at once. */
    private void leave() {
        if (jedis == null) {
            return;
        }
        try (Pipeline pipeline = jedis.pipelined()) {
            pipeline.del(nodeKey(local.id()));
            pipeline.srem(NODES_KEY, local.id());
            if (!published.isEmpty()) {
                pipeline.del(published.stream().map(RedisCluster::channelKey).toArray(String[]::new));
            }
        } catch (JedisException e) {
            log.debug("cluster: leaving failed; the keys expire in {} ms", ttlMs, e);
        } finally {
            jedis.close();
            jedis = null;
        }
        log.atInfo().addKeyValue("event", "cluster_left").log("cluster: node {} left the cluster", local.id());
    }

    static String nodeKey(String node) {
        return NODE_KEY_PREFIX + node;
    }

    static String channelKey(String channel) {
        return CHANNEL_KEY_PREFIX + channel;
    }

    private static RequestException unavailable(String channel, String why) {
        return new RequestException(ErrorCode.UNAVAILABLE, "channel " + channel + " is not on this node, and " + why
                + ", so it cannot tell where it is; try again, or ask the channel's node");
    }
}
