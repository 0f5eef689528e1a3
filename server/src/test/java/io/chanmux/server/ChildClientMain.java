package io.chanmux.server;

import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.protocol.client.PeerHandle;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A client in a process of its own, for fault tests: creates a channel, joins the channel named on
 * the command line, prints {@code channel port peer} and then blocks until it is killed.
 */
public final class ChildClientMain {
    private ChildClientMain() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        ChanmuxClient client = ChanmuxClient.connect(server);
        client.hello("child");
        ChannelInfo own = client.create(CreateOptions.named("child"));
        PeerHandle peer = client.join(args[2]);
        peer.bind(Duration.ofSeconds(5));
        System.out.println(own.channel() + " " + own.port() + " " + Integer.toUnsignedString(peer.peer()));
        System.out.flush();
        System.in.read(); // never returns before the parent kills us
    }
}
