package io.chanmux.server.cluster;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code redis-server} for one test: its own free port on loopback, no persistence (so a
 * restart starts empty), killed with SIGKILL when the test is done. {@code bin/chanmux-test}
 * installs Redis when it is missing; only when that failed (it then sets
 * {@value #MISSING_VARIABLE}) are the tests that need it skipped, otherwise a missing
 * {@code redis-server} fails them with the way to install it.
 */
public final class RedisServer implements AutoCloseable {
    /** Set by bin/chanmux-test when it could not install redis-server: the tests that need it are skipped. */
    public static final String MISSING_VARIABLE = "CHANMUX_REDIS_MISSING";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    private final Path binary;
    private final int port;
    private Process process;

    private RedisServer(Path binary, int port) {
        this.binary = binary;
        this.port = port;
    }

    /** Starts a Redis on a free port and waits until it answers PING. */
    public static RedisServer start() {
        RedisServer redis = new RedisServer(findBinary(), freePort());
        redis.launch();
        return redis;
    }

    /** The {@code --cluster} URI of this Redis. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Its port. */
    public int port() {
        return port;
    }

    /** A new connection to it (the caller closes it). */
    public Jedis connect() {
        return new Jedis("127.0.0.1", port);
    }

    /** SIGKILL: no goodbye to its clients, and (without persistence) every key is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Starts again on the same port, empty, as after a crash or a failover to an empty replica. */
    public void restart() {
        launch();
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void launch() {
        try {
            process = new ProcessBuilder(binary.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        await().atMost(READY_TIMEOUT).ignoreExceptionsInstanceOf(JedisException.class).until(() -> {
            if (!process.isAlive()) {
                Assertions.fail(binary + " --port " + port + " exited with status " + process.exitValue());
            }
            try (Jedis jedis = connect()) {
                return "PONG".equals(jedis.ping());
            }
        });
    }

    private static Path findBinary() {
        for (String dir : List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        for (String fallback : List.of("/usr/bin/redis-server", "/usr/sbin/redis-server", "/usr/local/bin/redis-server")) {
            if (Files.isExecutable(Path.of(fallback))) {
                return Path.of(fallback);
            }
        }
        String how = "redis-server is not installed; bin/chanmux-test installs it (as root: apt-get update && "
                + "apt-get install -y redis-server), or install Redis 6 or newer yourself and put redis-server on PATH";
        if (System.getenv(MISSING_VARIABLE) != null) {
            Assumptions.abort("skipped: " + how);
        }
        return Assertions.fail(how);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
