package io.chanmux.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdminArgumentsTest {

    @Test
    void shouldParseValuesAsJsonWhenTheyAreJsonAndAsStringsOtherwise() {
        String request = AdminCommand.parseArguments(List.of("maxPeers=5", "force=true", "none=null",
                "ids=[1,2]", "filter={\"a\":1}", "channel=6ff760bd247d1700", "name=two words", "num=12abc",
                "quoted=\"7\"", "empty=")).toString();

        assertEquals("{\"maxPeers\":5,\"force\":true,\"none\":null,\"ids\":[1,2],\"filter\":{\"a\":1},"
                + "\"channel\":\"6ff760bd247d1700\",\"name\":\"two words\",\"num\":\"12abc\",\"quoted\":\"7\","
                + "\"empty\":\"\"}", request);
    }

    @Test
    void shouldRejectWordsThatAreNotKeyValuePairsOrThatSetIdOrOp() {
        assertThrows(IllegalArgumentException.class, () -> AdminCommand.parseArguments(List.of("novalue")));
        assertThrows(IllegalArgumentException.class, () -> AdminCommand.parseArguments(List.of("=5")));
        assertThrows(IllegalArgumentException.class, () -> AdminCommand.parseArguments(List.of("id=5")));
        assertThrows(IllegalArgumentException.class, () -> AdminCommand.parseArguments(List.of("op=x")));
        assertThrows(IllegalArgumentException.class, () -> AdminCommand.parseArguments(List.of("a=1", "a=2")));
    }
}
