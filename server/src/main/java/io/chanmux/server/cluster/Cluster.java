package io.chanmux.server.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlRequest;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.server.pool.Answer;
import io.chanmux.server.pool.ChannelCreated;

/**
 * What a control session asks of the cluster: where a new channel goes, what to answer for a
 * channel this node does not hold, and who the nodes are. {@link SingleNode} answers as a server
 * without {@code --cluster} always did; {@link RedisCluster} answers from Redis.
 *
 * <p>Called by sessions' reader threads (and {@link #publishing}'s answer by pool threads);
 * implementations are thread-safe and never block for long (Redis lookups are bounded).
 */
public interface Cluster {
    /**
     * Decides where {@code request} creates its channel: returns when here, throws a {@code moved}
     * refusal naming the node when elsewhere.
     */
    void place(ControlRequest.Create request) throws RequestException;

    /**
     * The refusal for a request about {@code channel}, which this node does not hold: {@code moved}
     * to its node, {@code not_found}, or {@code unavailable} when the directory cannot be asked.
     * May wait for Redis, at most a couple of seconds.
     */
    RequestException notHere(String channel) throws InterruptedException;

    /**
     * Wraps a {@code create}'s answer so that its success reaches the client only once the new
     * channel is in the cluster's directory: a client that creates and then asks another node
     * about the channel always finds it.
     */
    Answer<ChannelCreated> publishing(Answer<ChannelCreated> answer);

    /** The {@code nodes} reply's fields. */
    ObjectNode nodes();

    /** The node started draining: tell the other nodes now rather than at the next beat. */
    void drainStarted();
}
