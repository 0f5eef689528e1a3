package io.chanmux.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.chanmux.protocol.control.ControlCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chanmux admin OP [key=value ...] [--secret S]}: sends any operation with the given
 * arguments — after a {@code hello} that carries {@code auth} when a secret is given (the global
 * {@code --secret}, accepted after the sub-command too) — and prints the raw JSON reply. A generic
 * hook for operations this CLI has no sub-command for.
 */
@Command(name = "admin", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = {"Send any request (e.g. an admin op) and print the raw JSON reply.",
                "The reply is printed on error too, and the status is then 1.",
                "Each VALUE is JSON when it parses as JSON (5, true, null, [1,2], {\"a\":1}), else a string.",
                "Example: chanmux admin create name=lobby maxPeers=8"})
final class AdminCommand implements Callable<Integer> {
    private static final ObjectMapper VALUES = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    @ParentCommand
    ChanmuxCli cli;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OP", description = "The operation, e.g. stats or an admin op.")
    String op;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "The request's arguments.")
    List<String> arguments = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        ObjectNode request;
        try {
            request = parseArguments(arguments);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try (ControlExchange exchange = cli.exchange()) {
            ControlExchange.Reply reply = exchange.call(op, request);
            cli.out().println(reply.line());
            cli.out().flush();
            if (!reply.ok()) {
                throw new ErrorReplyException(reply);
            }
            return ChanmuxCli.OK;
        }
    }

    /**
     * Builds the request's fields from {@code key=value} words.
     *
     * @throws IllegalArgumentException for a word without {@code =}, an empty or repeated key, or
     *                                  {@code id} or {@code op}, which the CLI sets itself
     */
    static ObjectNode parseArguments(List<String> words) {
        ObjectNode fields = ControlCodec.object();
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected KEY=VALUE, got '" + word + "'");
            }
            String key = word.substring(0, eq);
            if (key.equals("id") || key.equals("op")) {
                throw new IllegalArgumentException("'" + key + "' is set by chanmux itself; "
                        + "give the op as the first word");
            }
            if (fields.has(key)) {
                throw new IllegalArgumentException("'" + key + "' is given twice");
            }
            fields.set(key, parseValue(word.substring(eq + 1)));
        }
        return fields;
    }

    /** The value as JSON when it is a complete JSON value, else as a string. */
    static JsonNode parseValue(String text) {
        if (text.isBlank()) {
            return TextNode.valueOf(text);
        }
        try {
            JsonNode value = VALUES.readTree(text);
            return value == null || value.isMissingNode() ? TextNode.valueOf(text) : value;
        } catch (JsonProcessingException e) {
            return TextNode.valueOf(text);
        }
    }
}
