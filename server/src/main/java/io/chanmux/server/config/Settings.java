package io.chanmux.server.config;

import io.chanmux.server.config.RedisAddress;
import io.chanmux.server.config.Setting.Check;
import io.chanmux.server.log.LogFormat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every server setting, one constant each, in the order {@code --help} lists them. This is the one
 * place a setting is defined: the command line, the environment, the config file, the defaults,
 * validation, {@code toString} and the check of docs/configuration.md all read these constants.
 * Adding a setting is one constant here plus the code that uses its value.
 *
 * <p>Why a class of its own rather than static fields on {@link ServerConfig}: this file is the
 * catalogue a reader (or a reviewer of a new option) reads top to bottom, with nothing else in it;
 * {@code ServerConfig} stays about holding and cross-checking values. The constant's name is the
 * option's name in upper case ({@code --peer-timeout} → {@code PEER_TIMEOUT}, environment variable
 * {@code CHANMUX_PEER_TIMEOUT}), so a call site {@code config.get(Settings.PEER_TIMEOUT)} says which
 * option it reads.
 *
 * <p>Each constant registers itself as it is initialized (textual order), so {@link #ALL} cannot
 * miss one. Immutable once the class is initialized.
 */
public final class Settings {
    private static final List<Setting<?>> declared = new ArrayList<>();

    /** TCP port for control connections. */
    public static final Setting<Integer> CONTROL_PORT = integer("control-port", "PORT", "7700",
            Check.between(0, 65_535, "is not a port (0-65535)"),
            "TCP control port; 0 picks a free port");

    /** Address of the control port and of every channel's UDP port. */
    public static final Setting<InetAddress> BIND = add(new Setting<>("bind", ValueType.ADDRESS, "ADDRESS",
            "0.0.0.0", "0.0.0.0", Check.any(),
            "Address for the control port and every channel port"));

    /** The UDP ports channels take, one each. */
    public static final Setting<PortRange> UDP_PORTS = add(new Setting<>("udp-ports", ValueType.PORT_RANGE,
            "LOW-HIGH", "40000-40999", "40000-40999", Check.portRange(),
            "UDP port range for channels, one port each"));

    /** The one UDP port every channel shares; -1 gives each channel a port of its own from {@link #UDP_PORTS}. */
    public static final Setting<Integer> UDP_PORT = integer("udp-port", "PORT", "-1",
            Check.between(-1, 65_535, "is not a port (0-65535, or -1 for a port per channel)"),
            "One UDP port for every channel instead of a port each (SO_REUSEPORT, one socket per pool); 0 picks a "
                    + "free one; -1 gives each channel a port from --udp-ports");

    /**
     * Channel pools, also the virtual-thread scheduler's parallelism. The default leaves one core
     * for the kernel's network work and everything else.
     */
    public static final Setting<Integer> POOLS = add(new Setting<>("pools", ValueType.INTEGER, "N",
            String.valueOf(Math.max(1, Runtime.getRuntime().availableProcessors() - 1)), "cores - 1, at least 1",
            Check.between(1, 256),
            "Channel pools and virtual-thread carrier threads"));

    /** A bound peer silent this long is evicted. */
    public static final Setting<Duration> PEER_TIMEOUT = duration("peer-timeout", "30s", Check.positive(),
            "Evict a bound peer silent this long");

    /** A joined peer that has not bound within this is evicted. */
    public static final Setting<Duration> BIND_TIMEOUT = duration("bind-timeout", "30s", Check.positive(),
            "Evict a joined peer that has not bound within this");

    /** Longer datagrams are dropped. */
    public static final Setting<Integer> MAX_DATAGRAM = integer("max-datagram", "BYTES", "1500",
            Check.between(64, 65_507),
            "Drop datagrams longer than this");

    /** The member limit of a channel, and the largest {@code maxPeers} a channel may ask for. */
    public static final Setting<Integer> MAX_PEERS = integer("max-peers", "N", "256",
            Check.between(2, 65_536),
            "Most peers a channel may have");

    /** SO_RCVBUF of channel sockets, 0 for the system default; the kernel caps it at net.core.rmem_max. */
    public static final Setting<Integer> UDP_RCVBUF = integer("udp-rcvbuf", "BYTES", "4194304", Check.atLeast(0),
            "SO_RCVBUF of channel sockets, so a burst of junk does not crowd out valid datagrams; the kernel caps "
                    + "it at net.core.rmem_max (logged once); 0 keeps the system default");

    /**
     * Don't-fragment on channel sockets (and the shared port's): copies leave with DF set, never
     * fragmented here; opt-in, as a copy larger than the path's MTU is then lost instead of
     * fragmented.
     */
    public static final Setting<Boolean> UDP_DONT_FRAGMENT = add(new Setting<>("udp-dont-fragment",
            ValueType.BOOLEAN, "BOOLEAN", "false", "false", Check.any(),
            "Send every copy with don't-fragment set (IP_PMTUDISC_PROBE; Linux x86-64): none is fragmented here, "
                    + "the kernel skips its per-destination IP ID hash, a copy larger than the interface's MTU is "
                    + "refused (sendErrors) and one larger than a narrower hop is lost there: pair it with "
                    + "--max-datagram 1472 (1452 on IPv6); false (the default) lets the kernel fragment"));

    /**
     * Whether the poll-loop engine sends a run of same-size copies to one peer as one segmented
     * message (UDP GSO) where the kernel can; on by default, off to rule it out.
     */
    public static final Setting<Boolean> UDP_GSO = add(new Setting<>("udp-gso",
            ValueType.BOOLEAN, "BOOLEAN", "true", "true", Check.any(),
            "With --udp-engine poll-loop on Linux x86-64: send a run of same-size copies (each at most 1,452 bytes) "
                    + "to one peer as one message the kernel cuts into those datagrams (UDP generic segmentation "
                    + "offload, Linux 4.18+), sparing the per-datagram send path; the peer receives the same "
                    + "datagrams, each binding's in the order they came. A run the kernel refuses is sent again one "
                    + "copy per message, and that peer's runs are kept below the refused size; false sends every "
                    + "copy as a message of its own"));

    /**
     * How the UDP sockets are read, a channel's own or the shared port's: a virtual thread each, or
     * one selector thread per pool.
     */
    public static final Setting<UdpEngine> UDP_ENGINE = add(new Setting<>("udp-engine",
            new ValueType<>(UdpEngine.class, UdpEngine::parse, UdpEngine::optionValue, false), "ENGINE",
            "virtual-threads", "virtual-threads", Check.any(),
            "How UDP sockets are read: 'virtual-threads' (a thread per socket, blocking receive) or 'poll-loop' "
                    + "(opt-in: one platform thread per pool selecting over its sockets: its channels' own, or "
                    + "its socket of the shared --udp-port)"));

    /**
     * With the poll-loop engine: a loop that waited for less than this share of the last 10 ms
     * polls without sleeping for up to the next 10 ms; 0, the default, never polls (on a virtual
     * machine it switched on below saturation too, and made the tail there worse). At most 50, so
     * that only traffic worth half a loop's capacity can keep it polling.
     */
    public static final Setting<Integer> POLL_LOOP_BUSY_POLL = integer("poll-loop-busy-poll", "PERCENT", "0",
            Check.between(0, 50),
            "With --udp-engine poll-loop: a loop that waited for less than this share of the last 10 ms polls "
                    + "for up to the next 10 ms instead of sleeping (empty polls cost at most this share of its "
                    + "core); 0 (the default) never polls: on a virtual machine it switched on below saturation too "
                    + "and made the tail there worse; at most 50");

    /** Control connections at once; more are answered {@code limit} and closed. */
    public static final Setting<Integer> MAX_SESSIONS = integer("max-sessions", "N", "10000", Check.atLeast(1),
            "Most control connections at once; more get a 'limit' error and are closed");

    /** Control connections from one IPv4 address or IPv6 /64 at once; 0 for no limit. */
    public static final Setting<Integer> MAX_SESSIONS_PER_ADDRESS = integer("max-sessions-per-address", "N", "64",
            Check.atLeast(0),
            "Most control connections from one IPv4 address, or one IPv6 /64, at once; more get a 'limit' error "
                    + "and are closed; 0 for no limit");

    /** Channels at once, server-wide. */
    public static final Setting<Integer> MAX_CHANNELS = integer("max-channels", "N", "10000", Check.atLeast(1),
            "Most channels at once, server-wide");

    /** Channels one session may own at once. */
    public static final Setting<Integer> MAX_CHANNELS_PER_SESSION = integer("max-channels-per-session", "N", "16",
            Check.atLeast(1),
            "Most channels one control connection may own");

    /** Channels one session may be a member of at once. */
    public static final Setting<Integer> MAX_JOINS_PER_SESSION = integer("max-joins-per-session", "N", "64",
            Check.atLeast(1),
            "Most channels one control connection may be a member of at once; more joins are answered 'limit'");

    /** A session that owns and joins nothing is closed after this long without a request; 0 never. */
    public static final Setting<Duration> IDLE_TIMEOUT = duration("idle-timeout", "60s", Check.notNegative(),
            "Close a control connection that owns and joins no channel and sends no request for this long; "
                    + "0s never");

    /** TCP keepalive idle time of control connections, so a client that vanished is noticed; 0 off. */
    public static final Setting<Duration> TCP_KEEPALIVE = duration("tcp-keepalive", "60s", Check.notNegative(),
            "TCP keepalive on control connections: probe after this long idle, every 10 s, give up after 6 "
                    + "unanswered probes; 0s turns it off");

    /** A session's sustained request rate; the burst is twice this. */
    public static final Setting<Integer> REQUEST_RATE = integer("request-rate", "N", "100", Check.atLeast(1),
            "Requests per second per control connection, burst twice that; more are answered 'limit'");

    /** The first line must arrive, and any started line must end, within this. */
    public static final Setting<Duration> LINE_TIMEOUT = duration("line-timeout", "10s", Check.positive(),
            "Close a connection whose first line, or any started line, takes longer");

    /** A session whose client does not take our output for this long is closed. */
    public static final Setting<Duration> WRITE_TIMEOUT = duration("write-timeout", "10s", Check.positive(),
            "Close a connection that does not take our output for this long");

    /** A peer's datagram rate limit (burst: one second's worth). */
    public static final Setting<Integer> PEER_RATE_PPS = integer("peer-rate-pps", "N", "500", Check.atLeast(1),
            "Datagrams per second one peer may send; excess is dropped");

    /** A peer's byte rate limit (burst: one second's worth); at least {@link #MAX_DATAGRAM}. */
    public static final Setting<Integer> PEER_RATE_BYTES = integer("peer-rate-bytes", "BYTES", "1000000",
            Check.atLeast(1),
            "Bytes per second one peer may send, at least --max-datagram; excess is dropped");

    /** When set, {@code hello} must authenticate with it before any other op. */
    public static final Setting<String> SECRET = secret("secret",
            "Require 'hello' to authenticate with this secret, or with an HMAC credential derived from it");

    /** When set, a {@code hello} carrying it as {@code admin} unlocks the admin ops. */
    public static final Setting<String> ADMIN_SECRET = secret("admin-secret",
            "Unlock the admin ops (channels, peers, kick, close, drain) for sessions whose 'hello' carries it "
                    + "as 'admin'; without it they are refused");

    /** Address of the metrics port: loopback unless the operator opens it on purpose. */
    public static final Setting<InetAddress> METRICS_BIND = add(new Setting<>("metrics-bind", ValueType.ADDRESS,
            "ADDRESS", "127.0.0.1", "127.0.0.1", Check.any(),
            "Address for the metrics port; it has no authentication, so only bind it where your monitoring is"));

    /** HTTP port for {@code /metrics}, {@code /healthz} and {@code /readyz}; 0 picks one, -1 turns it off. */
    public static final Setting<Integer> METRICS_PORT = integer("metrics-port", "PORT", "9700",
            Check.between(-1, 65_535, "is not a port (0-65535, or -1 for none)"),
            "HTTP port for /metrics (Prometheus), /healthz and /readyz; 0 picks a free port, -1 turns it off");

    /** How long a drain (admin {@code drain}, SIGTERM) waits for channels to empty; 0 stops at once. */
    public static final Setting<Duration> DRAIN_TIMEOUT = duration("drain-timeout", "30s", Check.notNegative(),
            "On SIGTERM or the admin 'drain' op: stop taking new sessions and channels, then exit when channels "
                    + "are empty or after this long; 0s exits at once");

    /** How often one INFO line sums up the counters. */
    public static final Setting<Duration> SUMMARY_INTERVAL = duration("summary-interval", "60s", Check.positive(),
            "How often one log line sums up the counters");

    /**
     * Commands the directory's and each pool's queue hold; when one is full a request is answered
     * {@code limit}. The ceiling bounds the array a queue allocates up front.
     */
    public static final Setting<Integer> POOL_QUEUE_CAPACITY = integer("pool-queue-capacity", "N", "16384",
            Check.between(16, 1 << 20),
            "Commands the channel directory's and each pool's queue hold; when full, requests are answered 'limit'");

    /**
     * Bytes of replies and events one session may have waiting for its client (see the outbox
     * policy in docs/architecture.md). A reply larger than this still goes out, alone.
     */
    public static final Setting<Integer> SESSION_OUTBOUND_BYTES = integer("session-outbound-bytes", "BYTES",
            "262144", Check.between(4096, 64 << 20),
            "Bytes of replies and events one control connection may have waiting: replies then wait, churn "
                    + "events are dropped past half");

    /** PEM certificate chain of the control port; with {@link #TLS_KEY}, the control port speaks TLS only. */
    public static final Setting<Path> TLS_CERT = file("tls-cert",
            "PEM certificate chain for the control port; with --tls-key, the control port speaks TLS only "
                    + "(reloaded for new connections when the files change)");

    /** PEM (PKCS#8) private key of {@link #TLS_CERT}. */
    public static final Setting<Path> TLS_KEY = file("tls-key",
            "PEM (PKCS#8) private key of --tls-cert");

    /**
     * The Redis URI of the cluster this node joins; none for a single node. Its type is
     * {@link ValueType#SECRET} because the URI may carry Redis's password: it never reaches a log
     * whole (the cluster logs it with the password hidden).
     */
    public static final Setting<String> CLUSTER = add(new Setting<>("cluster", ValueType.SECRET, "URI", null, "none",
            new Check<>(RedisAddress::isValid, "is not a Redis URI such as redis://HOST:PORT[/DB], "
                    + "redis://[USER]:PASSWORD@HOST:PORT or rediss://... for TLS"),
            "Join the cluster whose directory is this Redis: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], or "
                    + "rediss:// for TLS; without it, a single node"));

    /** This node's id in the cluster; none: {@code HOSTNAME-CONTROLPORT}. */
    public static final Setting<String> NODE_ID = add(new Setting<>("node-id", ValueType.TEXT, "ID", null,
            "HOSTNAME-CONTROLPORT", new Check<>(id -> id.matches("[A-Za-z0-9._:-]{1,64}"),
            "is not 1-64 letters, digits, '.', '_', ':' or '-'"),
            "This node's id in the cluster, unique there"));

    /** The host clients reach this node's control and UDP ports at; none: the {@link #BIND} address. */
    public static final Setting<String> ADVERTISE = add(new Setting<>("advertise", ValueType.TEXT, "HOST", null,
            "the --bind address", new Check<>(host -> !host.isEmpty() && host.length() <= 253 && !host.contains(" "),
            "is not a host name or address"),
            "The host clients reach this node's control and UDP ports at, as 'moved' and 'nodes' name it; needed "
                    + "with --cluster when --bind is a wildcard"));

    /** A cluster node not heard from for this long is dead, and so are its channels; nodes beat every second. */
    public static final Setting<Duration> NODE_TTL = duration("node-ttl", "5s",
            new Check<>(ttl -> ttl.compareTo(Duration.ofSeconds(2)) >= 0 && ttl.compareTo(Duration.ofHours(1)) <= 0,
                    "is not from 2s to 1h (nodes beat once a second)"),
            "A cluster node not heard from for this long is dead, and so are its channels");

    /**
     * How log lines are written: text for people, or one JSON object per line for a log pipeline.
     * {@code ServerMain} applies it, as it holds for the whole process (an embedded server logs as
     * its host program does).
     */
    public static final Setting<LogFormat> LOG_FORMAT = add(new Setting<>("log-format", ValueType.LOG_FORMAT,
            "FORMAT", "text", "text", Check.any(),
            "Log lines as 'text', or as 'json' (one object per line, for a log pipeline)"));

    /** Every setting, in the order {@code --help} lists them. */
    public static final List<Setting<?>> ALL = List.copyOf(declared);

    /**
     * The settings a reload (SIGHUP, the admin {@code reload} op) changes at once: limits and rates,
     * which every use reads as they are now, and the secrets, which {@code hello} checks. A lowered
     * limit refuses new work and drops nothing that exists (a channel past a lowered
     * {@code --max-peers} keeps its members); new peer rates reach live peers at their next
     * datagram. Every other setting shapes sockets, threads or timers made at start, so a reload
     * reports its change as needing a restart and leaves it alone.
     */
    public static final Set<Setting<?>> LIVE = Set.of(PEER_RATE_PPS, PEER_RATE_BYTES, REQUEST_RATE, MAX_SESSIONS,
            MAX_SESSIONS_PER_ADDRESS, MAX_CHANNELS, MAX_CHANNELS_PER_SESSION, MAX_JOINS_PER_SESSION, MAX_PEERS,
            SECRET, ADMIN_SECRET, DRAIN_TIMEOUT);

    private static final Map<String, Setting<?>> BY_NAME =
            ALL.stream().collect(Collectors.toUnmodifiableMap(Setting::name, Function.identity()));

    private Settings() {
    }

    /** The setting whose option is {@code --name}, if any. */
    public static Optional<Setting<?>> named(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    private static <T> Setting<T> add(Setting<T> setting) {
        declared.add(setting);
        return setting;
    }

    private static Setting<Integer> integer(String name, String paramLabel, String defaultText, Check<Integer> check,
                                            String help) {
        return add(new Setting<>(name, ValueType.INTEGER, paramLabel, defaultText, defaultText, check, help));
    }

    private static Setting<Duration> duration(String name, String defaultText, Check<Duration> check, String help) {
        return add(new Setting<>(name, ValueType.DURATION, "DURATION", defaultText, defaultText, check, help));
    }

    private static Setting<Path> file(String name, String help) {
        return add(new Setting<>(name, ValueType.PATH, "FILE", null, "none", Check.any(), help));
    }

    private static Setting<String> secret(String name, String help) {
        return add(new Setting<>(name, ValueType.SECRET, "SECRET", null, "none", Check.notEmpty(), help));
    }
}
