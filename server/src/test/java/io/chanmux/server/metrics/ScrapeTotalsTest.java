package io.chanmux.server.metrics;

import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Settings;
import io.chanmux.server.pool.ChannelDirectory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertSame;

/** One walk over the channels serves every metric of a scrape. */
class ScrapeTotalsTest {

    @Test
    void shouldWalkTheChannelsOncePerScrapeAndAgainForTheNext() throws IOException {
        ChannelDirectory directory = new ChannelDirectory(LiveConfig.fixed(ServerConfig.builder()
                .set(Settings.BIND, InetAddress.getLoopbackAddress()).set(Settings.POOLS, 1).build()), System::nanoTime);
        ScrapeTotals totals = new ScrapeTotals(directory);

        long[] first = totals.get();
        assertSame(first, totals.get(), "a second metric of the same scrape walked the channels again");
        await().until(() -> totals.get() != first);
    }
}
