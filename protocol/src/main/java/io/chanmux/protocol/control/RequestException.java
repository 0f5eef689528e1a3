package io.chanmux.protocol.control;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A request the server answers with an error reply instead of a result. Carries the error code, a
 * message for humans, and the request's {@code id} (null when the request had none or it could not
 * be read) so the reply can echo it.
 */
public final class RequestException extends Exception {
    private final ErrorCode code;
    private final transient JsonNode id;

    public RequestException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public RequestException(ErrorCode code, String message, JsonNode id) {
        super(message, null, false, false);
        this.code = code;
        this.id = id;
    }

    /** The error code for the reply. */
    public ErrorCode code() {
        return code;
    }

    /** The request id to echo, or null. */
    public JsonNode id() {
        return id;
    }

    /** The same error, tagged with the request id to echo. */
    public RequestException withId(JsonNode requestId) {
        return new RequestException(code, getMessage(), requestId);
    }
}
