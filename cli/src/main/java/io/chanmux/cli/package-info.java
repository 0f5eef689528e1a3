/**
 * The {@code chanmux} command-line client: {@link io.chanmux.cli.ChanmuxCli} parses the command line
 * and maps failures to exit statuses; one class per sub-command ({@code create}, {@code join},
 * {@code send}, {@code list}, {@code stats}, {@code admin}, {@code ping}) does the work.
 *
 * <p>Threading: a command runs on the caller's thread. {@code create}, {@code join} and {@code send}
 * add virtual threads — the client library's control reader (which prints events), one receiver
 * that owns the peer's UDP socket, and one reader of standard input — and the command thread waits
 * for the first of them to end the session ({@link io.chanmux.cli.SessionEnd}). Output lines are
 * written whole, so lines from different threads never interleave mid-line.
 */
package io.chanmux.cli;
