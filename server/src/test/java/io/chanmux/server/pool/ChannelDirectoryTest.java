package io.chanmux.server.pool;

import io.chanmux.protocol.control.ErrorCode;
import io.chanmux.protocol.control.RequestException;
import io.chanmux.protocol.control.ServerEvent;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The directory's owner logic (limits, ports, placement, retirement) driven directly, with no threads. */
class ChannelDirectoryTest {
    private ChannelDirectory directory;
    private EphemeralPorts ports;
    private final Owner alice = new Owner("alice");
    private final Owner bob = new Owner("bob");

    @AfterEach
    void tearDown() {
        directory.channels().forEach(ChannelDirectory::closeQuietly);
    }

    @Test
    void shouldPlaceEachNewChannelOnTheLeastLoadedPool() throws IOException {
        start(b -> b.set(Settings.POOLS, 3), 100);
        for (int i = 0; i < 7; i++) {
            create(alice);
        }
        assertArrayEquals(new int[] {3, 2, 2}, directory.poolLoads());

        Channel first = directory.channels().stream().filter(c -> c.pool().index() == 1).findFirst().orElseThrow();
        end(first);
        assertArrayEquals(new int[] {3, 1, 2}, directory.poolLoads());
        assertEquals(1, create(alice).pool().index(), "a freed pool is filled first");
    }

    @Test
    void shouldRefuseWithLimitWhenTheServerOrTheOwnerHasItsMaximumOfChannels() throws IOException {
        start(b -> b.set(Settings.MAX_CHANNELS, 3).set(Settings.MAX_CHANNELS_PER_SESSION, 2), 100);
        create(alice);
        create(alice);
        assertEquals(ErrorCode.LIMIT, refusal(alice).code(), "per-session limit");
        create(bob);
        assertEquals(ErrorCode.LIMIT, refusal(bob).code(), "server-wide limit");

        end(directory.channels().stream().filter(c -> c.owner() == alice).findFirst().orElseThrow());
        assertNotNull(create(alice), "an ended channel gives its owner's slot back");
    }

    @Test
    void shouldRefuseWithNoPortsWhenEveryPortIsTakenAndReuseAFreedOne() throws IOException {
        start(b -> b, 2);
        Channel first = create(alice);
        create(alice);
        RequestException refused = refusal(bob);
        assertEquals(ErrorCode.NO_PORTS, refused.code());
        assertTrue(refused.getMessage().contains("2 test ports"), refused.getMessage());

        end(first);
        assertEquals(1, directory.portsInUse());
        assertNotNull(create(bob));
    }

    @Test
    void shouldCountARetiredChannelsCountersExactlyOnce() throws IOException {
        start(b -> b, 100);
        Channel channel = create(alice);
        channel.relay().counters().add(0, RelayCounter.DATAGRAMS_IN, 5); // as its thread would have
        assertEquals(5, directory.counterTotals()[RelayCounter.DATAGRAMS_IN.ordinal()]);

        end(channel);

        assertNull(directory.find(channel.id()));
        assertEquals(5, directory.counterTotals()[RelayCounter.DATAGRAMS_IN.ordinal()]);
        end(channel);
        assertEquals(0, directory.portsInUse(), "a second end notice changes nothing");
    }

    private void start(UnaryOperator<ServerConfig.Builder> settings, int portCapacity) throws IOException {
        ServerConfig config = settings.apply(ServerConfig.builder().set(Settings.BIND, InetAddress.getLoopbackAddress())
                .set(Settings.POOLS, 1)).build();
        ports = new EphemeralPorts(portCapacity);
        directory = new ChannelDirectory(LiveConfig.fixed(config), () -> 0L, ports);
    }

    private Channel create(Owner owner) {
        Result result = request(owner);
        assertNull(result.refusal, () -> "refused: " + result.refusal.getMessage());
        return directory.find(result.created.channel());
    }

    private RequestException refusal(Owner owner) {
        Result result = request(owner);
        assertNotNull(result.refusal);
        return result.refusal;
    }

    private Result request(Owner owner) {
        Result result = new Result();
        assertTrue(directory.requestCreate(owner, null, 4, null, result));
        directory.applyPending();
        for (ChannelPool pool : directory.pools()) {
            pool.startChannelsWith(channel -> { });
            pool.applyPending();
        }
        return result;
    }

    /** What the channel's thread does as its last act, applied at once. */
    private void end(Channel channel) {
        ChannelDirectory.closeQuietly(channel);
        directory.apply(new DirectoryCommand.ChannelEnded(channel));
    }

    private static final class Result implements Answer<ChannelCreated> {
        ChannelCreated created;
        RequestException refusal;

        @Override
        public void ok(ChannelCreated result) {
            created = result;
        }

        @Override
        public void refuse(RequestException e) {
            refusal = e;
        }
    }

    private record Owner(String id) implements SessionHandle {
        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void tell(ServerEvent event, boolean essential) {
        }

        @Override
        public void holdingsChanged(int channelsDelta, int membershipsDelta) {
        }
    }
}
