package io.chanmux.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The HTTP endpoint operators scrape: {@code /metrics} (Prometheus text format, from the
 * Prometheus Java client's handler) and {@code /healthz} (200 {@code ok} while serving, 503
 * {@code draining} during a drain). Runs on the JDK's HTTP server with a virtual thread per
 * request; {@link #close} stops it.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private final HttpServer http;

    private MetricsEndpoint(HttpServer http) {
        this.http = http;
    }

    /** Binds {@code address:port} (0 picks a free port) and starts serving. */
    public static MetricsEndpoint start(InetAddress address, int port, PrometheusRegistry registry,
                                        BooleanSupplier draining) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(address, port), 64);
        http.createContext("/metrics", new MetricsHandler(registry));
        http.createContext("/healthz", exchange -> health(exchange, draining.getAsBoolean()));
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.start();
        return new MetricsEndpoint(http);
    }

    /** The bound address, with the real port. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    @Override
    public void close() {
        http.stop(0);
    }

    private static void health(HttpExchange exchange, boolean draining) throws IOException {
        byte[] body = (draining ? "draining\n" : "ok\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(draining ? 503 : 200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
