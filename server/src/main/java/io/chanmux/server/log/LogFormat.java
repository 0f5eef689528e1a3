package io.chanmux.server.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import org.slf4j.event.KeyValuePair;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How a {@link LogEvent} becomes a line ({@code --log-format}).
 *
 * <ul>
 *   <li>{@link #TEXT}: {@code 2026-11-25T23:35:38.276Z [INFO] ChanmuxServer - message}, local time,
 *       the short logger name, then the stack trace if any: the lines slf4j-simple printed. The
 *       context is not printed: the message already names what the event is about.</li>
 *   <li>{@link #JSON}: one object per line, {@code {"time":…,"level":…,"logger":…,"message":…}},
 *       time in UTC, the full logger name, then one field per context key ({@code session},
 *       {@code channel}, {@code reason}, …; numbers stay numbers), then {@code error} and
 *       {@code stack_trace} when an exception was logged. Non-ASCII characters are written as
 *       {@code \}{@code uXXXX}, so a line is plain ASCII whatever the stream's encoding.</li>
 * </ul>
 *
 * <p>Neither lets client data break a line: in text every control character of the message and of
 * the exceptions' messages is escaped ({@link #escapeControls}), and JSON escapes them anyway.
 */
public enum LogFormat {
    /** Human-readable lines, the default. */
    TEXT {
        @Override
        String render(LogEvent event) {
            StringBuilder line = new StringBuilder(128)
                    .append(LOCAL_TIME.format(event.time()))
                    .append(" [").append(event.level()).append("] ")
                    .append(shortName(event.logger())).append(" - ")
                    .append(escapeControls(event.message()))
                    .append('\n');
            if (event.error() != null) {
                StringWriter trace = new StringWriter();
                event.error().printStackTrace(new EscapingWriter(trace));
                line.append(trace);
            }
            return line.toString();
        }
    },
    /** One JSON object per line, for log pipelines. */
    JSON {
        @Override
        String render(LogEvent event) {
            StringWriter line = new StringWriter(256);
            try (JsonGenerator json = JSON_FACTORY.createGenerator(line)) {
                json.writeStartObject();
                json.writeStringField("time", UTC_TIME.format(event.time()));
                json.writeStringField("level", event.level().toString());
                json.writeStringField("logger", event.logger());
                json.writeStringField("message", event.message());
                for (KeyValuePair pair : event.context()) {
                    json.writeFieldName(pair.key);
                    switch (pair.value) {
                        case null -> json.writeNull();
                        case Integer n -> json.writeNumber(n);
                        case Long n -> json.writeNumber(n);
                        case Double n -> json.writeNumber(n);
                        case Boolean b -> json.writeBoolean(b);
                        default -> json.writeString(pair.value.toString());
                    }
                }
                if (event.error() != null) {
                    json.writeStringField("error", event.error().toString());
                    StringWriter trace = new StringWriter();
                    event.error().printStackTrace(new PrintWriter(trace));
                    json.writeStringField("stack_trace", trace.toString());
                }
                json.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot happen: writing to a string", e);
            }
            return line.append('\n').toString();
        }
    };

    private static final DateTimeFormatter LOCAL_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter UTC_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX").withZone(ZoneOffset.UTC);
    private static final JsonFactory JSON_FACTORY = JsonFactory.builder()
            .enable(JsonWriteFeature.ESCAPE_NON_ASCII)
            .build();

    /** The event as one line (text: plus its stack trace), ending with a newline. */
    abstract String render(LogEvent event);

    /**
     * The format {@code text} names: {@code text} or {@code json}, in any case.
     *
     * @throws IllegalArgumentException quoting the text, when it names neither
     */
    public static LogFormat parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not text or json");
        }
    }

    /** The option value that names this format. */
    public String optionValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@code text} with every control character (C0, DEL, C1, and the Unicode line and paragraph
     * separators) written as an escape: {@code \n}, {@code \r}, {@code \t}, else {@code \}{@code uXXXX}.
     * A backslash stays as it is. Returns {@code text} itself when there is nothing to escape.
     */
    static String escapeControls(String text) {
        return escape(text, false);
    }

    private static String escape(String text, boolean keepTabs) {
        int first = 0;
        while (first < text.length() && !needsEscape(text.charAt(first), keepTabs)) {
            first++;
        }
        if (first == text.length()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c, keepTabs)) {
                out.append(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    private static boolean needsEscape(char c, boolean keepTabs) {
        return (Character.isISOControl(c) && !(keepTabs && c == '\t')) || c == '\u2028' || c == '\u2029';
    }

    private static String shortName(String logger) {
        return logger.substring(logger.lastIndexOf('.') + 1);
    }

    /**
     * Escapes each line {@link Throwable#printStackTrace(PrintWriter)} prints: it prints every
     * header ({@code Caused by: …}) and frame with one {@code println(Object)}, so escaping each of
     * those keeps the trace's own line breaks and its indenting tabs, and escapes a line break
     * inside an exception's message.
     */
    private static final class EscapingWriter extends PrintWriter {
        EscapingWriter(Writer out) {
            super(out);
        }

        @Override
        public void println(Object line) {
            super.println(escape(String.valueOf(line), true));
        }
    }
}
