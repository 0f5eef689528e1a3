package io.chanmux.loadtest.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Reads a process's CPU time and resident memory from Linux's {@code /proc}, and this process's
 * open-files limit. Every read returns empty when the figure is unavailable (no pid given, the
 * process is gone, or not Linux); the load test then reports "n/a" instead of failing.
 *
 * <p>Stateless apart from the pid: thread-safe.
 */
public final class ServerProbe {
    /**
     * Linux's {@code USER_HZ}, the unit of the CPU times in {@code /proc/PID/stat}. It is 100 on
     * every mainstream architecture, and Java offers no {@code sysconf(_SC_CLK_TCK)}.
     */
    public static final long CLOCK_TICKS_PER_SECOND = 100;

    private final long pid;

    private ServerProbe(long pid) {
        this.pid = pid;
    }

    /** A probe of process {@code pid}; a negative pid probes nothing. */
    public static ServerProbe of(long pid) {
        return new ServerProbe(pid);
    }

    /** A probe of this JVM's own process. */
    public static ServerProbe self() {
        return new ServerProbe(ProcessHandle.current().pid());
    }

    /** The probed pid, or a negative number when none. */
    public long pid() {
        return pid;
    }

    /** Whether there is a process to probe. */
    public boolean isKnown() {
        return pid > 0;
    }

    /** User plus system CPU time so far, in clock ticks ({@link #CLOCK_TICKS_PER_SECOND}). */
    public OptionalLong cpuTicks() {
        String stat = read("stat");
        return stat == null ? OptionalLong.empty() : parseCpuTicks(stat);
    }

    /** Resident memory ({@code VmRSS}) in bytes. */
    public OptionalLong residentBytes() {
        String status = read("status");
        return status == null ? OptionalLong.empty() : parseResidentBytes(status);
    }

    /** CPU use between two tick readings {@code elapsedNs} apart, in percent of one core. */
    public static double cpuPercent(long ticksBefore, long ticksAfter, long elapsedNs) {
        if (elapsedNs <= 0) {
            return 0;
        }
        double cpuSeconds = (double) (ticksAfter - ticksBefore) / CLOCK_TICKS_PER_SECOND;
        return 100.0 * cpuSeconds / (elapsedNs / 1e9);
    }

    /**
     * Fields 14 and 15 (utime, stime) of {@code /proc/PID/stat}. The second field, the command
     * name, may hold spaces and parentheses, so counting starts after the last ')'.
     */
    static OptionalLong parseCpuTicks(String stat) {
        int end = stat.lastIndexOf(')');
        if (end < 0) {
            return OptionalLong.empty();
        }
        String[] fields = stat.substring(end + 1).trim().split("\\s+");
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        if (fields.length < 13) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The {@code VmRSS:   123456 kB} line of {@code /proc/PID/status}, in bytes. */
    static OptionalLong parseResidentBytes(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("VmRSS:")) {
                String[] parts = line.substring(6).trim().split("\\s+");
                try {
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /**
     * This process's open-files limit from {@code /proc/self/limits} (the soft limit is the one
     * enforced; the JVM may already have raised it to the hard limit at startup).
     *
     * @return the limits, or null when they cannot be read
     */
    public static OpenFilesLimit openFilesLimit() {
        try {
            return parseOpenFilesLimit(Files.readString(Path.of("/proc/self/limits")));
        } catch (IOException e) {
            return null;
        }
    }

    /** Parses the "Max open files  SOFT  HARD  files" line; "unlimited" becomes {@link Long#MAX_VALUE}. */
    static OpenFilesLimit parseOpenFilesLimit(String limits) {
        for (String line : limits.split("\n")) {
            if (line.startsWith("Max open files")) {
                String[] parts = line.substring("Max open files".length()).trim().split("\\s+");
                if (parts.length >= 2) {
                    return new OpenFilesLimit(parseLimit(parts[0]), parseLimit(parts[1]));
                }
            }
        }
        return null;
    }

    /** File descriptors this process has open now, or -1 when unknown. */
    public static long openFileCount() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    /**
     * The host's UDP counters from {@code /proc/net/snmp} ({@code InDatagrams}, {@code RcvbufErrors},
     * {@code SndbufErrors}, ...). They count every socket of this network namespace, so over a
     * load test on loopback they tell how many datagrams the kernel dropped because some socket's
     * buffer was full: loss that neither the server's counters nor the peers can see.
     *
     * @return counters by name, or an empty map when unavailable
     */
    public static Map<String, Long> hostUdpCounters() {
        try {
            return parseUdpCounters(Files.readString(Path.of("/proc/net/snmp")));
        } catch (IOException e) {
            return Map.of();
        }
    }

    /** The two {@code Udp:} lines (names, then values) of {@code /proc/net/snmp}. */
    static Map<String, Long> parseUdpCounters(String snmp) {
        String[] names = null;
        for (String line : snmp.split("\n")) {
            if (!line.startsWith("Udp:")) {
                continue;
            }
            String[] fields = line.substring(4).trim().split("\\s+");
            if (names == null) {
                names = fields;
                continue;
            }
            Map<String, Long> counters = new LinkedHashMap<>();
            for (int i = 0; i < Math.min(names.length, fields.length); i++) {
                try {
                    counters.put(names[i], Long.parseLong(fields[i]));
                } catch (NumberFormatException e) {
                    // a field we cannot read is left out
                }
            }
            return counters;
        }
        return Map.of();
    }

    private static long parseLimit(String text) {
        return text.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(text);
    }

    private String read(String file) {
        if (pid <= 0) {
            return null;
        }
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), file));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The open-files limit of a process.
     *
     * @param soft the enforced limit
     * @param hard the most the soft limit may be raised to without privileges
     */
    public record OpenFilesLimit(long soft, long hard) {
    }
}
