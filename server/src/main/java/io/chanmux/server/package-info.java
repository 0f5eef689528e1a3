/**
 * The chanmux server: {@link io.chanmux.server.ChanmuxServer} (lifecycle and root scope) and {@link
 * io.chanmux.server.ServerMain} (command line). Sub-packages, from the bottom layer up (none depends
 * on one above it): {@code base} and {@code log} (clock, rate limits, ids, constant-time
 * comparison; the log provider), {@code config} (every setting described once), {@code channel}
 * (the datagram path), {@code pool} (channel lifecycle and membership), {@code cluster} (the Redis
 * directory of nodes), {@code control} and {@code control.tls} (the control plane), {@code metrics}.
 */
package io.chanmux.server;
