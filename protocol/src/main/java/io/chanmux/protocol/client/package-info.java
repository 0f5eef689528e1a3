/**
 * The Java client library: {@link io.chanmux.protocol.client.ChanmuxClient} for the control
 * connection and {@link io.chanmux.protocol.client.PeerHandle} for a joined peer's UDP socket. Used
 * by the tests, the load test and applications that embed chanmux.
 */
package io.chanmux.protocol.client;
