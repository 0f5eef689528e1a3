package io.chanmux.server.log;

import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;

import java.time.Instant;
import java.util.List;

/**
 * One event to write: what a {@link LogFormat} renders.
 *
 * @param time    when it was logged
 * @param level   its level
 * @param logger  the full logger name (a class name)
 * @param message the message with its arguments filled in, not yet escaped
 * @param context what the event is about ({@code session}, {@code channel}, {@code reason}, …): the
 *                SLF4J key-value pairs given with {@code log.atInfo().addKeyValue(…)}, then the MDC's
 * @param error   the exception logged with it, or null
 */
public record LogEvent(Instant time, Level level, String logger, String message, List<KeyValuePair> context,
                       Throwable error) {
    public LogEvent {
        context = List.copyOf(context);
    }
}
