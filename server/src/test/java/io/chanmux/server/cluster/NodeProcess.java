package io.chanmux.server.cluster;

import io.chanmux.server.ServerMain;
import org.junit.jupiter.api.Assertions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chanmux server in a process of its own, started from the test class path as
 * {@code ServerMain --cluster … --control-port 0}, so a test can SIGKILL it. Its log is kept
 * (for failure messages) and read for the control port it bound.
 */
public final class NodeProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern LISTENING = Pattern.compile("listening on control /?127\\.0\\.0\\.1:(\\d+)");

    private final String id;
    private final Process process;
    private final List<String> log = new ArrayList<>();
    private final CompletableFuture<Integer> controlPort = new CompletableFuture<>();

    private NodeProcess(String id, Process process) {
        this.id = id;
        this.process = process;
        Thread.ofVirtual().name("node-" + id + "-log").start(this::readLog);
    }

    /**
     * Starts node {@code id} of the cluster at {@code redis} with a short node TTL, and waits
     * until it listens. {@code options} are added to the command line.
     */
    public static NodeProcess start(String id, RedisServer redis, Duration nodeTtl, String... options) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-preview", "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dchanmux.log.level=info",
                "-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
                "--bind", "127.0.0.1", "--control-port", "0", "--metrics-port", "-1", "--pools", "1",
                "--udp-ports", "43000-43999", "--cluster", redis.uri(), "--node-id", id,
                "--node-ttl", nodeTtl.toMillis() + "ms"));
        command.addAll(List.of(options));
        NodeProcess node;
        try {
            node = new NodeProcess(id, new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + id, e);
        }
        try {
            node.controlPort.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return node;
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            node.close();
            return Assertions.fail("node " + id + " did not start within " + START_TIMEOUT + ":\n" + node.log(), e);
        }
    }

    /** The node's id. */
    public String id() {
        return id;
    }

    /** The control address it listens on. */
    public InetSocketAddress control() {
        return new InetSocketAddress("127.0.0.1", controlPort.join());
    }

    /** {@code host:port} of its control address, as {@code nodes} and {@code moved} show it. */
    public String controlText() {
        return "127.0.0.1:" + controlPort.join();
    }

    /** SIGKILL: the node stops beating without a word to anyone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Everything the node logged so far. */
    public String log() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readLog() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                synchronized (log) {
                    log.add(line);
                }
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    controlPort.complete(Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            controlPort.completeExceptionally(new IllegalStateException("node " + id + " exited"));
        }
    }
}
