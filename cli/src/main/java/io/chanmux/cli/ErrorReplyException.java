package io.chanmux.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;

/**
 * The server answered a request with an error reply. Keeps the error code as the server wrote it:
 * the client library maps codes it does not know to {@code internal}, and {@code admin} must show
 * new ones as they are.
 */
final class ErrorReplyException extends IOException {
    private final String code;
    private final String serverMessage;

    ErrorReplyException(ControlExchange.Reply reply) {
        this(reply.json());
    }

    private ErrorReplyException(ObjectNode json) {
        super(json.path("error").asText("unknown") + ": " + json.path("message").asText(""));
        this.code = json.path("error").asText("unknown");
        this.serverMessage = json.path("message").asText("");
    }

    /** The {@code error} field, e.g. {@code unknown_op}. */
    String code() {
        return code;
    }

    /** The {@code message} field. */
    String serverMessage() {
        return serverMessage;
    }
}
