package io.chanmux.server.cluster;

import io.chanmux.server.pool.Answer;
import io.chanmux.server.pool.ChannelCreated;

import java.util.concurrent.CompletableFuture;

/**
 * What other threads ask of the cluster thread, through its bounded queue; it applies them in
 * {@link RedisCluster#run}, lookups in batches of one Redis round trip.
 */
sealed interface ClusterCommand {

    /** Which node holds {@code channel}: completes {@code owner} with its id, null when none does. */
    record Locate(String channel, CompletableFuture<String> owner) implements ClusterCommand {
    }

    /** Put a channel just created here into the directory, then pass the success on to {@code answer}. */
    record Publish(ChannelCreated created, Answer<ChannelCreated> answer) implements ClusterCommand {
    }

    /** Beat now (the node started draining, and the others should know at once). */
    record Beat() implements ClusterCommand {
    }
}
