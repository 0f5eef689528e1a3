package io.chanmux.server.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.ControlRequest;
import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.server.base.NanoClock;
import io.chanmux.server.pool.Answer;
import io.chanmux.server.pool.ChannelCreated;

/**
 * A server without {@code --cluster}: every channel is created here, a channel that is not here
 * does not exist, and {@code nodes} lists this node alone. Stateless apart from the node's load
 * samples; thread-safe.
 */
public final class SingleNode implements Cluster {
    private final LocalNode local;
    private final NanoClock clock;

    public SingleNode(LocalNode local, NanoClock clock) {
        this.local = local;
        this.clock = clock;
    }

    @Override
    public void place(ControlRequest.Create request) {
        // always here
    }

    @Override
    public RequestException notHere(String channel) {
        return new RequestException(ErrorCode.NOT_FOUND, "no channel " + channel);
    }

    @Override
    public Answer<ChannelCreated> publishing(Answer<ChannelCreated> answer) {
        return answer;
    }

    @Override
    public ObjectNode nodes() {
        ObjectNode result = ControlCodec.object().put("cluster", false);
        result.putArray("nodes").add(local.sample(clock.nanoTime()).toJson().put("self", true));
        return result;
    }

    @Override
    public void drainStarted() {
        // nobody else to tell
    }
}
