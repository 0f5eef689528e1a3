/**
 * The UDP data plane's datagram format (header, types, binding handshake, token and cookie comparison). Stateless and
 * allocation-free, shared by the server's channel threads and the client library.
 */
package io.chanmux.protocol.wire;
