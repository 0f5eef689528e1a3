package io.chanmux.server.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
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
 * The HTTP endpoint operators scrape and probe:
 * <ul>
 *   <li>{@code /metrics}: the Prometheus text format, from the Prometheus Java client's handler;</li>
 *   <li>{@code /healthz}: liveness, 200 {@code ok} while the server runs, a drain included, so a
 *       liveness probe never restarts a server that is draining on purpose;</li>
 *   <li>{@code /readyz}: readiness, 200 {@code ready} while the server takes new sessions, 503
 *       {@code draining} from the moment a drain starts, so a load balancer stops sending clients.</li>
 * </ul>
 * Runs on the JDK's HTTP server with a virtual thread per request; {@link #close} stops it, after
 * which both probes fail to connect.
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
        MetricsHandler metrics = new MetricsHandler(registry);
        http.createContext("/metrics", exact("/metrics", metrics));
        http.createContext("/healthz", exact("/healthz", exchange -> answer(exchange, 200, "ok\n")));
        http.createContext("/readyz", exact("/readyz", exchange -> {
            if (draining.getAsBoolean()) {
                answer(exchange, 503, "draining\n");
            } else {
                answer(exchange, 200, "ready\n");
            }
        }));
        http.createContext("/", exchange -> answer(exchange, 404, "not found\n"));
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

    /**
     * Serves {@code path} itself with GET or HEAD only: the JDK server matches contexts by prefix,
     * and nothing else here is meant to answer.
     */
    private static HttpHandler exact(String path, HttpHandler handler) {
        return exchange -> {
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals(path)) {
                answer(exchange, 404, "not found\n");
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                answer(exchange, 405, "method not allowed\n");
            } else {
                handler.handle(exchange);
            }
        };
    }

    private static void answer(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
