/**
 * Several chanmux nodes as one service, with Redis as the directory: a node registry (every node
 * beats once a second into a key that expires after {@code --node-ttl}) and a channel to node map
 * (one expiring key per channel, refreshed by its node's beat). A channel is relayed by exactly one
 * node; the cluster only decides where a new channel goes and where to send a client that asked
 * the wrong node ({@code moved}).
 *
 * <p>Threads: {@link io.chanmux.server.cluster.RedisCluster#run} is the only thread that talks to
 * Redis; it publishes an immutable {@link io.chanmux.server.cluster.ClusterSnapshot} that control
 * sessions read without locks, and answers their lookups through a bounded queue. Without
 * {@code --cluster}, {@link io.chanmux.server.cluster.SingleNode} stands in and nothing runs.
 * See docs/cluster.md.
 */
package io.chanmux.server.cluster;
