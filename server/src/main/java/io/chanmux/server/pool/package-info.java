/**
 * Channel pools: each pool's thread owns its channels' members (and its index of their peers by
 * id) and changes them only in its command loop, fed through a bounded queue of {@link
 * io.chanmux.server.pool.PoolCommand}s. The {@link io.chanmux.server.pool.ChannelDirectory} places
 * new channels on the least-loaded pool and hands out ports: a socket of its own per channel
 * ({@link io.chanmux.server.pool.PortAllocator}) or the one port every channel shares ({@link
 * io.chanmux.server.pool.SharedPort}).
 */
package io.chanmux.server.pool;
