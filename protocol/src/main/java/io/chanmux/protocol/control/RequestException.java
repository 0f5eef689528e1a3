package io.chanmux.protocol.control;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A request the server answers with an error reply instead of a result. Carries the error code, a
 * message for humans, and the request's {@code id} (null when the request had none or it could not
 * be read) so the reply can echo it. A {@link ErrorCode#MOVED} refusal also carries the
 * {@link Redirect} its reply names.
 */
public final class RequestException extends Exception {
    private final ErrorCode code;
    private final transient JsonNode id;
    private final transient Redirect redirect;

    public RequestException(ErrorCode code, String message) {
        this(code, message, null);
    }

    public RequestException(ErrorCode code, String message, JsonNode id) {
        this(code, message, id, null);
    }

    private RequestException(ErrorCode code, String message, JsonNode id, Redirect redirect) {
        super(message, null, false, false);
        this.code = code;
        this.id = id;
        this.redirect = redirect;
    }

    /** A {@link ErrorCode#MOVED} refusal that sends the client to {@code to}. */
    public static RequestException moved(Redirect to, String message) {
        return new RequestException(ErrorCode.MOVED, message, null, to);
    }

    /** The error code for the reply. */
    public ErrorCode code() {
        return code;
    }

    /** The request id to echo, or null. */
    public JsonNode id() {
        return id;
    }

    /** Where a {@code moved} reply sends the client; null for every other error. */
    public Redirect redirect() {
        return redirect;
    }

    /** The same error, tagged with the request id to echo. */
    public RequestException withId(JsonNode requestId) {
        return new RequestException(code, getMessage(), requestId, redirect);
    }
}
