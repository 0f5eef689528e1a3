/**
 * Observability: the server's counters exported as Prometheus metrics over HTTP, with a liveness
 * ({@code /healthz}) and a readiness ({@code /readyz}) probe. Metrics are read at scrape time from
 * the counters the server already keeps; nothing here runs on the datagram path.
 */
package io.chanmux.server.metrics;
