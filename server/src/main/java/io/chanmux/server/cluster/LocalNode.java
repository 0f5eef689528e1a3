package io.chanmux.server.cluster;

import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.pool.ChannelDirectory;

import java.lang.management.ManagementFactory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * This node as the cluster sees it: its id and advertised addresses (fixed at start), and its load
 * (read from the directory's published counts). {@link #beat} and {@link #sample} take a new
 * {@link NodeRecord} and are serialized by a lock (the cluster thread beats once a second; a single
 * node samples when asked for {@code nodes}); {@link #now} is lock-free for any thread.
 */
public final class LocalNode {
    private static final long SAMPLE_INTERVAL_NS = 1_000_000_000L;

    private final String id;
    private final String control;
    private final String udpHost;
    /** {@code --max-channels} as it is now (a reload may change it); each beat advertises it. */
    private final IntSupplier maxChannels;
    private final ChannelDirectory directory;
    private final BooleanSupplier draining;
    private final com.sun.management.OperatingSystemMXBean os;
    // Guarded by this:
    private long lastDatagrams;
    private long lastSampleNs;
    private long beats;
    /** The last beat's rates, for {@link #now}. */
    private volatile NodeRecord last;

    private LocalNode(String id, String control, String udpHost, IntSupplier maxChannels, ChannelDirectory directory,
                      BooleanSupplier draining, long nowNs) {
        this.id = id;
        this.control = control;
        this.udpHost = udpHost;
        this.maxChannels = maxChannels;
        this.directory = directory;
        this.draining = draining;
        this.os = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean bean
                ? bean : null;
        this.lastDatagrams = directory.counterTotals()[RelayCounter.DATAGRAMS_IN.ordinal()];
        this.lastSampleNs = nowNs;
        this.last = new NodeRecord(id, control, udpHost, 0, 0, maxChannels.getAsInt(), 0, -1, false, 0);
    }

    /**
     * This node, named by {@code --node-id} (else {@code HOSTNAME-PORT}) and reached at
     * {@code --advertise} (else the bind address) on its bound control port.
     */
    public static LocalNode of(LiveConfig live, InetSocketAddress controlAddress, ChannelDirectory directory,
                               BooleanSupplier draining, long nowNs) {
        ServerConfig config = live.current();
        int port = controlAddress.getPort();
        String id = config.get(Settings.NODE_ID) != null ? config.get(Settings.NODE_ID) : derivedId(port);
        String host = config.get(Settings.ADVERTISE) != null ? config.get(Settings.ADVERTISE)
                : config.get(Settings.BIND).getHostAddress();
        return new LocalNode(id, hostPort(host, port), host, () -> live.current().get(Settings.MAX_CHANNELS), directory,
                draining, nowNs);
    }

    /** {@code HOSTNAME-PORT}, cut to 64 characters of the allowed set. */
    static String derivedId(int port) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "node";
        }
        String suffix = "-" + port;
        String clean = host.replaceAll("[^A-Za-z0-9.-]", "-");
        return clean.substring(0, Math.min(clean.length(), 64 - suffix.length())) + suffix;
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    static String hostPort(String host, int port) {
        boolean v6 = host.indexOf(':') >= 0;
        if (!v6) {
            try {
                v6 = InetAddress.ofLiteral(host) instanceof Inet6Address;
            } catch (IllegalArgumentException notALiteral) {
                // a host name
            }
        }
        return (v6 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The node's id. */
    public String id() {
        return id;
    }

    /** Its advertised control address, {@code host:port}. */
    public String control() {
        return control;
    }

    /** Whether the node is draining. */
    boolean isDraining() {
        return draining.getAsBoolean();
    }

    /** A new heartbeat: counts now, rates since the previous beat. The cluster thread, once a second. */
    synchronized NodeRecord beat(long nowNs) {
        long datagrams = directory.counterTotals()[RelayCounter.DATAGRAMS_IN.ordinal()];
        long elapsedNs = Math.max(1, nowNs - lastSampleNs);
        long perSecond = Math.round((datagrams - lastDatagrams) * 1e9 / elapsedNs);
        lastDatagrams = datagrams;
        lastSampleNs = nowNs;
        double cpu = os == null ? -1 : os.getProcessCpuLoad();
        NodeRecord record = new NodeRecord(id, control, udpHost, directory.channels().size(), directory.peerCount(),
                maxChannels.getAsInt(), perSecond, cpu < 0 ? -1 : cpu, isDraining(), ++beats);
        last = record;
        return record;
    }

    /** A beat if the last one is a second old or more, else {@link #now}. Any thread (a single node's {@code nodes}). */
    synchronized NodeRecord sample(long nowNs) {
        return nowNs - lastSampleNs >= SAMPLE_INTERVAL_NS ? beat(nowNs) : now();
    }

    /** The node now: exact channel count and draining flag, the last beat's rates. Any thread. */
    NodeRecord now() {
        NodeRecord rates = last;
        return new NodeRecord(id, control, udpHost, directory.channels().size(), rates.peers(), maxChannels.getAsInt(),
                rates.datagramsPerSecond(), rates.cpu(), isDraining(), rates.beat());
    }
}
