/**
 * Channel pools: each pool's thread owns its channels' members and bindings and changes them only
 * in its command loop, fed through a bounded queue of {@link io.chanmux.server.pool.PoolCommand}s.
 * The {@link io.chanmux.server.pool.ChannelDirectory} places new channels on the least-loaded pool
 * and hands out ports and ids.
 */
package io.chanmux.server.pool;
