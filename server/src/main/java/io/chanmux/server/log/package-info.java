/**
 * The server's logging: a small SLF4J 2 provider that writes one line per event to standard error,
 * either as text (the default, as slf4j-simple printed it) or as one JSON object per line for a log
 * pipeline ({@code --log-format json}). Every text line escapes control characters, so client data
 * in a message (a client name with a newline) cannot forge log lines.
 *
 * <p>Threads: any thread logs; a line is rendered on the calling thread and written with one call
 * on the shared stream, so lines never interleave. {@link io.chanmux.server.log.LogOutput#use} is
 * called once, by {@code ServerMain} before the server starts.
 */
package io.chanmux.server.log;
