package io.chanmux.loadtest.probe;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RelayStatsSnapshotTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void shouldSubtractCountersButKeepGaugesWhenTakingTheDifference() throws Exception {
        RelayStatsSnapshot before = RelayStatsSnapshot.fromReply(mapper.readTree(
                "{\"id\":3,\"ok\":true,\"datagramsIn\":100,\"forwarded\":300,\"peers\":8,"
                        + "\"dropped\":{\"not_bound\":2,\"total\":2}}"));
        RelayStatsSnapshot after = RelayStatsSnapshot.fromReply(mapper.readTree(
                "{\"id\":4,\"ok\":true,\"datagramsIn\":250,\"forwarded\":750,\"peers\":6,"
                        + "\"dropped\":{\"not_bound\":5,\"total\":5},\"server\":\"chanmux/0.1.0\"}"));

        RelayStatsSnapshot delta = after.since(before);

        assertEquals(150, delta.counter("datagramsIn"));
        assertEquals(450, delta.counter("forwarded"));
        assertEquals(6, delta.counter("peers"), "a gauge keeps its latest value");
        assertEquals(3, delta.droppedTotal());
        assertEquals(0, delta.counter("id"), "the request id is not a counter");
    }
}
