package io.chanmux.cli;

import org.awaitility.core.ConditionTimeoutException;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * One {@code chanmux} command running in-process on a virtual thread, as a terminal would run it:
 * typed input, captured stdout and stderr, and its exit status when it ends.
 */
final class CliRun {
    static final Duration PATIENCE = Duration.ofSeconds(5);
    private static final Duration POLL = Duration.ofMillis(10);

    private final TypedInput input = new TypedInput();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CompletableFuture<Integer> status = new CompletableFuture<>();

    private CliRun(String[] args) {
        PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
        Thread.ofVirtual().name("chanmux " + String.join(" ", args)).start(() -> {
            try {
                status.complete(ChanmuxCli.run(args, input, stdout, stderr));
            } catch (Throwable t) {
                status.completeExceptionally(t);
            }
        });
    }

    /** Starts {@code chanmux args...}. */
    static CliRun start(String... args) {
        return new CliRun(args);
    }

    /** Runs {@code chanmux args...} with empty input and waits for it to end. */
    static CliRun complete(String... args) {
        CliRun run = new CliRun(args);
        run.input.end();
        run.awaitStatus();
        return run;
    }

    /** Everything written to stdout so far. */
    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Everything written to stderr so far. */
    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Types a line on the command's input. */
    void type(String line) {
        input.type(line);
    }

    /** Ends the command's input (Ctrl-D). */
    void endInput() {
        input.end();
    }

    /** Waits until stdout matches {@code regex}; returns the first group. */
    String awaitOut(String regex) {
        return awaitMatch(Pattern.compile(regex), true);
    }

    /** Waits until stderr matches {@code regex}; returns the first group, or the whole match. */
    String awaitErr(String regex) {
        return awaitMatch(Pattern.compile(regex), false);
    }

    /** Whether the command has ended. */
    boolean hasEnded() {
        return status.isDone();
    }

    /** Waits for the exit status. */
    int awaitStatus() {
        try {
            await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(POLL).until(status::isDone);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("the command did not end; " + this, e);
        }
        return status.join();
    }

    private String awaitMatch(Pattern pattern, boolean stdout) {
        Matcher[] found = new Matcher[1];
        try {
            await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(POLL).until(() -> {
                Matcher m = pattern.matcher(stdout ? out() : err());
                if (m.find()) {
                    found[0] = m;
                    return true;
                }
                return false;
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError((stdout ? "stdout" : "stderr") + " never matched " + pattern + "; " + this, e);
        }
        return found[0].groupCount() > 0 ? found[0].group(1) : found[0].group();
    }

    @Override
    public String toString() {
        return "stdout:\n" + out() + "stderr:\n" + err();
    }
}
