package io.chanmux.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.server.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The read-only ops ({@code list}; {@code stats} and the admin views are in ControlProtocolTest and OperationsTest). */
@Timeout(60)
class ReadOnlyOpsTest {

    @Test
    void shouldPageListsSoEveryReplyFitsInALine() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.MAX_CHANNELS_PER_SESSION, 500).set(Settings.REQUEST_RATE, 10_000))) {
            TestClient owner = relay.client("owner");
            for (int i = 0; i < 450; i++) {
                owner.control().create(CreateOptions.named("n".repeat(64)));
            }

            ObjectNode first = owner.control().call("list", null);
            assertEquals(200, first.path("channels").size());
            assertNotNull(first.get("next"));
            assertEquals(450, owner.control().list().size());
            assertEquals(450, owner.control().list().stream().map(ChannelInfo::channel).distinct().count());
        }
    }

    @Test
    void shouldListChannelsWithTheirPeerCounts() throws Exception {
        try (TestRelay relay = TestRelay.start()) {
            TestClient owner = relay.client("owner");
            ChannelInfo channel = owner.control().create(new CreateOptions("lobby", 8, null));
            relay.client("a").join(channel.channel());

            var listed = owner.control().list();
            assertEquals(1, listed.size());
            assertEquals(new ChannelInfo(channel.channel(), "lobby", channel.port(), 1, 8), listed.getFirst());
        }
    }
}
