package io.chanmux.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The UDP sockets this JVM holds open, read from Linux's {@code /proc}: a socket whose inode is
 * among this process's file descriptors and whose local port is in a range. Other processes on the
 * machine (other test runs) may use the same ports; matching inodes counts only ours.
 */
final class ProcessSockets {
    private ProcessSockets() {
    }

    /** Local ports in {@code [low, high]} of the UDP sockets this process has open, IPv4 and IPv6. */
    static List<Integer> udpPortsInRange(int low, int high) {
        Set<String> inodes = socketInodes();
        List<Integer> ports = new ArrayList<>();
        for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
            for (String[] row : rows(Path.of(table))) {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
                String local = row[1];
                int port = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
                if (port >= low && port <= high && inodes.contains(row[9])) {
                    ports.add(port);
                }
            }
        }
        return ports;
    }

    /**
     * Ports in {@code [low, high]} of the UDP sockets this process has open now and did not have in
     * {@code before}: what a test left open, whatever earlier tests in the same JVM left behind.
     */
    static List<Integer> udpPortsOpenedSince(List<Integer> before, int low, int high) {
        List<Integer> opened = new ArrayList<>(udpPortsInRange(low, high));
        opened.removeAll(before);
        return opened;
    }

    private static Set<String> socketInodes() {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor was closed while we listed them
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return inodes;
    }

    private static List<String[]> rows(Path table) {
        try {
            if (!Files.exists(table)) {
                return List.of();
            }
            return Files.readAllLines(table).stream().skip(1).map(line -> line.trim().split("\\s+")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
