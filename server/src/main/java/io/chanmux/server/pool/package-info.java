/**
 * Channel lifecycle and membership. The {@link io.chanmux.server.pool.ChannelDirectory}'s thread
 * owns creating and forgetting channels (limits, ports, ids, placement on the least-loaded pool,
 * counters of deleted channels); each {@link io.chanmux.server.pool.ChannelPool}'s thread owns its
 * channels' members and keepalive evictions. Each changes its state only in its own command loop,
 * fed through a bounded queue of records ({@link io.chanmux.server.pool.DirectoryCommand}, {@link
 * io.chanmux.server.pool.PoolCommand}), and answers requests through the {@link
 * io.chanmux.server.pool.Answer} they carry. The directory hands out a port per channel or the
 * shared port ({@link io.chanmux.server.pool.ChannelPorts}); bindings belong to the socket threads
 * (package {@code channel}). Other threads read what the owners publish.
 */
package io.chanmux.server.pool;
