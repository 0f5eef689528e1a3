package io.chanmux.cli;

import picocli.CommandLine;

import java.net.InetSocketAddress;

/**
 * The server's control address as the user wrote it: {@code host:port}, or {@code [v6-address]:port}.
 * Kept unresolved until a command connects, so a bad host name is a connection failure (status 3)
 * and a malformed value a usage error (status 2).
 *
 * @param host a host name or IP address literal, without brackets
 * @param port the control port, 1–65535
 */
record ServerAddress(String host, int port) {

    ServerAddress {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the host is empty");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("the port must be 1-65535, was " + port);
        }
    }

    /** Parses {@code host:port} or {@code [v6-address]:port}. */
    static ServerAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected HOST:PORT, e.g. 127.0.0.1:7700, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected HOST:PORT, e.g. 127.0.0.1:7700, got '" + text + "'");
        }
        return new ServerAddress(host, port);
    }

    /**
     * Resolves the host.
     *
     * @throws ServerUnreachableException when the host name does not resolve
     */
    InetSocketAddress resolve() throws ServerUnreachableException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new ServerUnreachableException(this, "unknown host '" + host + "'");
        }
        return address;
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** picocli converter for {@code --server}; its exception becomes a usage error. */
    static final class Converter implements CommandLine.ITypeConverter<ServerAddress> {
        @Override
        public ServerAddress convert(String value) {
            try {
                return parse(value.trim());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
