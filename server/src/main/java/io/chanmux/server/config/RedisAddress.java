package io.chanmux.server.config;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where the cluster's Redis is, as {@code --cluster} gives it:
 * {@code redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]}, or {@code rediss://…} for TLS (verified
 * against the JVM's trust store). The port defaults to 6379 and the database to 0. Immutable.
 *
 * @param tls      whether to speak TLS ({@code rediss})
 * @param host     the host name or address (an IPv6 literal without brackets)
 * @param port     the TCP port
 * @param user     the ACL user, or null for the default user
 * @param password the password, or null for none
 * @param database the database number
 */
public record RedisAddress(boolean tls, String host, int port, String user, String password, int database) {
    /** Redis's own default port. */
    public static final int DEFAULT_PORT = 6379;

    /**
     * Parses a Redis URI.
     *
     * @throws IllegalArgumentException saying what is wrong, without repeating the password
     */
    public static RedisAddress parse(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URI such as redis://127.0.0.1:6379 (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new IllegalArgumentException("the scheme must be redis:// or rediss:// (TLS), not " + scheme);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host; expected redis://HOST:PORT");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("query parameters and fragments are not supported");
        }
        String user = null;
        String password = null;
        String userInfo = uri.getUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("give the password as redis://:PASSWORD@HOST or "
                        + "redis://USER:PASSWORD@HOST");
            }
            user = colon == 0 ? null : userInfo.substring(0, colon);
            password = userInfo.substring(colon + 1);
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        int database = 0;
        if (!path.isEmpty() && !path.equals("/")) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                database = -1;
            }
            if (database < 0) {
                throw new IllegalArgumentException("the path must be a database number such as /0, not " + path);
            }
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new RedisAddress("rediss".equals(scheme), host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(),
                user, password, database);
    }

    /** Whether {@code text} parses as a Redis URI. */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The URI with the password shown as {@code ***}. */
    @Override
    public String toString() {
        String credentials = password == null ? "" : (user == null ? "" : user) + ":***@";
        String printedHost = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return (tls ? "rediss" : "redis") + "://" + credentials + printedHost + ":" + port + "/" + database;
    }
}
