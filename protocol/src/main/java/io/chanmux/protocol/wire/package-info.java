/**
 * The UDP data plane's datagram format (header, types, token comparison). Stateless and
 * allocation-free, shared by the server's channel threads and the client library.
 */
package io.chanmux.protocol.wire;
