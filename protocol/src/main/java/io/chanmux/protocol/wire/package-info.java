/**
 * The UDP data plane's datagram format (header, types, binding handshake, token and cookie comparison). Stateless and
 * allocation-free, shared by the server's channel threads and the client library. {@link
 * io.chanmux.protocol.wire.HostPort} writes the addresses datagrams come from and go to as text.
 */
package io.chanmux.protocol.wire;
