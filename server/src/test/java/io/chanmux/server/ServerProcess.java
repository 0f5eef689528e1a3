package io.chanmux.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server as a process of its own ({@link ServerMain} on the tests' class path, at INFO), for
 * what only a process has: its log on standard error, read line by line as it comes, and signals.
 * Closing it sends SIGTERM and waits for the process to end.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on control /?127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ServerProcess(Process process) {
        this.process = process;
        this.reader = Thread.ofVirtual().start(this::readLines);
    }

    /** Starts a server on 127.0.0.1 with control port 0, no metrics port and one pool, plus {@code options}. */
    static ServerProcess start(String... options) throws IOException {
        return start(List.of(), options);
    }

    /** {@link #start(String...)} in a JVM given {@code jvmOptions} too (and not the tests' own). */
    static ServerProcess start(List<String> jvmOptions, String... options) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--enable-preview", "-Dchanmux.log.level=info"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ServerMain.class.getName(),
                "--bind", "127.0.0.1", "--control-port", "0", "--metrics-port", "-1", "--pools", "1",
                "--drain-timeout", "0s"));
        command.addAll(List.of(options));
        return new ServerProcess(new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
    }

    /** The lines logged so far. */
    List<String> lines() {
        return lines;
    }

    /** The control address, once the start-up line has named it. */
    InetSocketAddress control() {
        int port = await().atMost(Duration.ofSeconds(20)).until(this::controlPort, p -> p > 0);
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** Sends the process {@code signal} ({@code HUP}) with kill(1). */
    void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal);
    }

    /** SIGTERM, then waits for the process and for the last line of its log. */
    @Override
    public void close() throws InterruptedException {
        process.toHandle().destroy(); // SIGTERM; unlike Process.destroy it leaves standard error open to read
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the server did not stop on SIGTERM");
        reader.join();
    }

    private int controlPort() {
        return lines.stream().map(LISTENING::matcher).filter(Matcher::find)
                .mapToInt(m -> Integer.parseInt(m.group(1))).findFirst().orElse(0);
    }

    private void readLines() {
        try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = err.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
