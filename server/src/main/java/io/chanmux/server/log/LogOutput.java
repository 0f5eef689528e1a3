package io.chanmux.server.log;

import java.io.PrintStream;

/**
 * Where log lines go (standard error) and in which {@link LogFormat}. The format is process-wide:
 * {@code ServerMain} sets it once from {@code --log-format}, before the server starts; until then,
 * and in a server embedded in another program, it is {@link LogFormat#TEXT}.
 */
public final class LogOutput {
    private static volatile LogFormat format = LogFormat.TEXT;

    private LogOutput() {
    }

    /** Writes every line from now on in {@code format}. */
    public static void use(LogFormat format) {
        LogOutput.format = format;
    }

    /** The format lines are written in. */
    public static LogFormat format() {
        return format;
    }

    /**
     * Renders {@code event} and writes it with one call, so that lines of concurrent events never
     * interleave (a {@link PrintStream} locks each call). Any thread.
     */
    static void write(LogEvent event) {
        String line = format.render(event);
        PrintStream err = System.err;
        err.print(line);
        err.flush();
    }
}
