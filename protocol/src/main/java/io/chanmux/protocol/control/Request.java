package io.chanmux.protocol.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One control request line as JSON, before it is typed by {@link ControlRequest#from}: its optional {@code id} (a number or string node, echoed in the
 * reply), its {@code op}, and typed accessors for its arguments that throw {@link RequestException}
 * with {@link ErrorCode#BAD_REQUEST} and a message naming the field. Unknown fields are ignored.
 *
 * @param id   the id node to echo, or null when the request had none
 * @param op   the operation name
 * @param body the whole request object
 */
public record Request(JsonNode id, String op, ObjectNode body) {

    /** A string argument that must be present, at most {@code maxChars} long. */
    public String requiredString(String field, int maxChars) throws RequestException {
        String value = optionalString(field, maxChars);
        if (value == null) {
            throw bad("missing field '" + field + "'");
        }
        return value;
    }

    /** A string argument, or null when absent or JSON null; at most {@code maxChars} long. */
    public String optionalString(String field, int maxChars) throws RequestException {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw bad("field '" + field + "' must be a string");
        }
        String value = node.textValue();
        if (value.length() > maxChars) {
            throw bad("field '" + field + "' is longer than " + maxChars + " characters");
        }
        return value;
    }

    /** An integer argument in {@code [min, max]}, or {@code fallback} when absent or JSON null. */
    public int optionalInt(String field, int min, int max, int fallback) throws RequestException {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()
                || node.longValue() < min || node.longValue() > max) {
            throw bad("field '" + field + "' must be an integer from " + min + " to " + max);
        }
        return node.intValue();
    }

    /** An integer argument, or null when absent or JSON null (the caller checks its range). */
    public Integer optionalInteger(String field) throws RequestException {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw bad("field '" + field + "' must be an integer");
        }
        return node.intValue();
    }

    /** An integer argument in {@code [min, max]} that must be present (e.g. a u32 peer id). */
    public long requiredLong(String field, long min, long max) throws RequestException {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            throw bad("missing field '" + field + "'");
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            throw bad("field '" + field + "' must be an integer from " + min + " to " + max);
        }
        return node.longValue();
    }

    /** A bad-request error that echoes this request's id. */
    public RequestException bad(String message) {
        return new RequestException(ErrorCode.BAD_REQUEST, message, id);
    }

    /** An error with any code that echoes this request's id. */
    public RequestException error(ErrorCode code, String message) {
        return new RequestException(code, message, id);
    }
}
