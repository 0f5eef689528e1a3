package io.chanmux.server.metrics;

import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.cluster.RedisCluster;
import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.PortRange;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.control.ControlListener;
import io.chanmux.server.control.SessionCloseReason;
import io.chanmux.server.pool.ChannelDirectory;
import io.chanmux.server.pool.ChannelPool;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.function.ToDoubleFunction;

/**
 * The server's counters as Prometheus metrics. Every metric is a callback that reads the counters
 * the server keeps anyway (channel counters, pool and listener counts) at scrape time, so metrics
 * add nothing to the datagram path and can never disagree with {@code stats}. Labels are bounded:
 * drop reason, pool index, op and result, close reason; never a channel or a peer. The limits
 * ({@code chanmux_sessions_max}, {@code chanmux_channels_max}, {@code chanmux_udp_ports_total}) are
 * exported beside what they limit, so an alert can compare the two without knowing the settings.
 */
public final class ServerMetrics {
    private ServerMetrics() {
    }

    /**
     * A registry holding the chanmux and JVM metrics of one server, and the cluster's when
     * {@code cluster} is not null.
     */
    public static PrometheusRegistry register(LiveConfig live, ChannelDirectory directory,
                                              ControlListener listener, RedisCluster cluster) {
        ServerConfig config = live.current();
        PrometheusRegistry registry = new PrometheusRegistry();
        ScrapeTotals totals = new ScrapeTotals(directory);
        relayCounter(registry, totals, "chanmux_datagrams_received", "Datagrams received on channel ports, valid or not.",
                RelayCounter.DATAGRAMS_IN);
        relayCounter(registry, totals, "chanmux_received_bytes", "Bytes of datagrams received on channel ports.",
                RelayCounter.BYTES_IN);
        relayCounter(registry, totals, "chanmux_datagrams_forwarded", "Copies of DATA datagrams sent to peers.",
                RelayCounter.FORWARDED);
        relayCounter(registry, totals, "chanmux_forwarded_bytes", "Bytes of forwarded copies.",
                RelayCounter.BYTES_FORWARDED);
        relayCounter(registry, totals, "chanmux_bind_ok", "BIND_OK answers sent.", RelayCounter.BIND_OK);
        relayCounter(registry, totals, "chanmux_challenges", "CHALLENGE answers sent to BINDs from unproven addresses.",
                RelayCounter.CHALLENGES);
        relayCounter(registry, totals, "chanmux_pongs", "PONG answers sent.", RelayCounter.PONGS);
        relayCounter(registry, totals, "chanmux_send_errors", "Sends to peers that failed.", RelayCounter.SEND_ERRORS);
        relayCounter(registry, totals, "chanmux_receive_errors", "Receives that failed.", RelayCounter.RECEIVE_ERRORS);
        CounterWithCallback.builder()
                .name("chanmux_datagrams_dropped")
                .help("Datagrams dropped, by reason.")
                .labelNames("reason")
                .callback(callback -> {
                    long[] values = totals.get();
                    for (RelayCounter counter : RelayCounter.values()) {
                        if (counter.isDrop()) {
                            callback.call(values[counter.ordinal()], counter.wireName());
                        }
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_sessions").help("Open control connections.")
                .callback(callback -> callback.call(listener.sessionCount()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_control_writer_threads")
                .help("Threads writing events to sessions that wait for a request: 0 when all are idle; a floor that stays up means clients that read slowly.")
                .callback(callback -> callback.call(listener.writerThreads()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_channels").help("Live channels.")
                .callback(callback -> callback.call(directory.channels().size()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_peers").help("Members of live channels, bound or not.")
                .callback(callback -> callback.call(directory.peerCount()))
                .register(registry);
        // Limits a reload may change: read at each scrape.
        GaugeWithCallback.builder()
                .name("chanmux_sessions_max").help("The --max-sessions limit in force.")
                .callback(callback -> callback.call(live.current().get(Settings.MAX_SESSIONS)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_channels_max").help("The --max-channels limit in force.")
                .callback(callback -> callback.call(live.current().get(Settings.MAX_CHANNELS)))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_udp_ports_in_use").help("UDP ports of the --udp-ports range held by live channels.")
                .callback(callback -> callback.call(directory.portsInUse()))
                .register(registry);
        PortRange ports = config.get(Settings.UDP_PORTS);
        constant(registry, "chanmux_udp_ports_total", "Ports in the --udp-ports range.", ports.high() - ports.low() + 1);
        GaugeWithCallback.builder()
                .name("chanmux_draining").help("1 while the server drains, else 0.")
                .callback(callback -> callback.call(listener.isDraining() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_pool_queue_depth").help("Commands waiting in each pool's queue.")
                .labelNames("pool")
                .callback(callback -> perPool(directory, ChannelPool::queueDepth, callback::call))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_pool_channels").help("Channels placed on each pool.")
                .labelNames("pool")
                .callback(callback -> {
                    int[] loads = directory.poolLoads();
                    for (int i = 0; i < loads.length; i++) {
                        callback.call(loads[i], String.valueOf(i));
                    }
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_pool_busy_polling")
                .help("1 while a pool's poll loop polls without sleeping (--poll-loop-busy-poll), else 0.")
                .labelNames("pool")
                .callback(callback -> perPool(directory, pool -> pool.busyPolling() ? 1 : 0, callback::call))
                .register(registry);
        CounterWithCallback.builder()
                .name("chanmux_pool_empty_polls").help("Polls of a pool's poll loop that found no socket ready.")
                .labelNames("pool")
                .callback(callback -> perPool(directory, ChannelPool::emptyPolls, callback::call))
                .register(registry);
        CounterWithCallback.builder()
                .name("chanmux_pool_poll_loop_turn_failures")
                .help("Turns of a pool's poll loop that failed, were logged (poll_loop_turn_failed) and skipped.")
                .labelNames("pool")
                .callback(callback -> perPool(directory, ChannelPool::pollLoopTurnFailures, callback::call))
                .register(registry);
        CounterWithCallback.builder()
                .name("chanmux_peer_evictions").help("Peers evicted for not binding or for silence, by reason.")
                .labelNames("reason")
                .callback(callback -> {
                    long unbound = 0;
                    long silent = 0;
                    for (ChannelPool pool : directory.pools()) {
                        unbound += pool.unboundEvictions();
                        silent += pool.silentEvictions();
                    }
                    callback.call(unbound, "bind_timeout");
                    callback.call(silent, "peer_timeout");
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("chanmux_rebind_hints").help("rebind events sent to sessions whose peer sent from a new address.")
                .callback(callback -> callback.call(directory.pools().stream().mapToLong(ChannelPool::rebindHints).sum()))
                .register(registry);
        CounterWithCallback.builder()
                .name("chanmux_control_requests").help("Control requests answered, by op and result.")
                .labelNames("op", "result")
                .callback(callback -> listener.requests().forEach((op, result, count) -> callback.call(count, op, result)))
                .register(registry);
        CounterWithCallback.builder()
                .name("chanmux_sessions_closed").help("Control connections the server ended, by reason.")
                .labelNames("reason")
                .callback(callback -> {
                    for (SessionCloseReason reason : SessionCloseReason.values()) {
                        callback.call(listener.closedBy(reason), reason.wireName());
                    }
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("chanmux_events_dropped")
                .help("Events about other peers' churn not sent because the session's outbound queue was half full.")
                .callback(callback -> callback.call(listener.droppedEvents()))
                .register(registry);
        if (cluster != null) {
            registerCluster(registry, cluster);
        }
        // Also the process metrics: open and maximum file descriptors, CPU, resident memory.
        JvmMetrics.builder().register(registry);
        return registry;
    }

    private static void registerCluster(PrometheusRegistry registry, RedisCluster cluster) {
        GaugeWithCallback.builder()
                .name("chanmux_cluster_redis_up").help("1 while the last heartbeat reached Redis, else 0.")
                .callback(callback -> callback.call(cluster.redisUp() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_cluster_redis_round_trip_seconds")
                .help("The last heartbeat's round trip to read the node records from Redis.")
                .callback(callback -> {
                    long nanos = cluster.redisRoundTripNanos();
                    if (nanos >= 0) {
                        callback.call(nanos / 1e9);
                    }
                })
                .register(registry);
        CounterWithCallback.builder()
                .name("chanmux_cluster_redis_errors").help("Redis calls that failed or timed out.")
                .callback(callback -> callback.call(cluster.redisErrors()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("chanmux_cluster_nodes").help("Live nodes this node sees, itself included (0 without Redis).")
                .callback(callback -> callback.call(cluster.nodesSeen()))
                .register(registry);
        CounterWithCallback.builder()
                .name("chanmux_cluster_moves")
                .help("'moved' answers: creates placed on another node and requests sent to a channel's node.")
                .callback(callback -> callback.call(cluster.movesAnswered()))
                .register(registry);
    }

    /** Where a per-pool sample goes: a gauge's or a counter's callback. */
    @FunctionalInterface
    private interface PoolSample {
        void call(double value, String pool);
    }

    /** One sample per pool, labelled with the pool's index. */
    private static void perPool(ChannelDirectory directory, ToDoubleFunction<ChannelPool> value, PoolSample sample) {
        for (ChannelPool pool : directory.pools()) {
            sample.call(value.applyAsDouble(pool), String.valueOf(pool.index()));
        }
    }

    private static void constant(PrometheusRegistry registry, String name, String help, long value) {
        GaugeWithCallback.builder().name(name).help(help).callback(callback -> callback.call(value)).register(registry);
    }

    private static void relayCounter(PrometheusRegistry registry, ScrapeTotals totals, String name, String help,
                                     RelayCounter counter) {
        CounterWithCallback.builder()
                .name(name).help(help)
                .callback(callback -> callback.call(totals.get()[counter.ordinal()]))
                .register(registry);
    }
}
