package io.chanmux.server.log;

import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

import java.io.Serial;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One named logger: hands the events at or above its threshold to its sink ({@link LogOutput}, which
 * writes one line each). Receives both the classic calls ({@code log.info("…", args)}) and the fluent ones
 * ({@code log.atInfo().addKeyValue("session", id).log("…")}), whose key-value pairs become the
 * event's context. Immutable; any thread.
 */
final class LineLogger extends LegacyAbstractLogger implements LoggingEventAware {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int threshold;
    private final transient Consumer<LogEvent> sink;

    LineLogger(String name, int threshold, Consumer<LogEvent> sink) {
        this.name = name;
        this.threshold = threshold;
        this.sink = sink;
    }

    @Override
    public boolean isTraceEnabled() {
        return threshold <= Level.TRACE.toInt();
    }

    @Override
    public boolean isDebugEnabled() {
        return threshold <= Level.DEBUG.toInt();
    }

    @Override
    public boolean isInfoEnabled() {
        return threshold <= Level.INFO.toInt();
    }

    @Override
    public boolean isWarnEnabled() {
        return threshold <= Level.WARN.toInt();
    }

    @Override
    public boolean isErrorEnabled() {
        return threshold <= Level.ERROR.toInt();
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                               Throwable error) {
        write(level, pattern, arguments, error, List.of());
    }

    /** The fluent API's entry; it checked the level already. */
    @Override
    public void log(LoggingEvent event) {
        List<KeyValuePair> pairs = event.getKeyValuePairs();
        write(event.getLevel(), event.getMessage(), event.getArgumentArray(), event.getThrowable(),
                pairs == null ? List.of() : pairs);
    }

    private void write(Level level, String pattern, Object[] arguments, Throwable error, List<KeyValuePair> pairs) {
        // As slf4j does: a last argument that is an exception, and no placeholder's, is the error.
        FormattingTuple message = error == null
                ? MessageFormatter.arrayFormat(pattern, arguments)
                : MessageFormatter.arrayFormat(pattern, arguments, error);
        sink.accept(new LogEvent(Instant.now(), level, name, String.valueOf(message.getMessage()),
                withMdc(pairs), message.getThrowable()));
    }

    /** The event's pairs, then the thread's MDC entries whose keys the event did not give. */
    private static List<KeyValuePair> withMdc(List<KeyValuePair> pairs) {
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        if (mdc == null || mdc.isEmpty()) {
            return pairs;
        }
        List<KeyValuePair> all = new ArrayList<>(pairs);
        mdc.forEach((key, value) -> {
            if (pairs.stream().noneMatch(pair -> pair.key.equals(key))) {
                all.add(new KeyValuePair(key, value));
            }
        });
        return all;
    }
}
