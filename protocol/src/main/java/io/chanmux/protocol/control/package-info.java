/**
 * The TCP control protocol: newline-delimited JSON requests, replies and events, their error codes,
 * and a bounded line reader. Stateless codecs, safe from any thread; a {@link
 * io.chanmux.protocol.control.LineReader} belongs to one reading thread.
 */
package io.chanmux.protocol.control;
