package io.chanmux.server.base;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The server's version, from the build, as {@code hello} and {@code --version} report it. */
public final class Version {
    /** The version, or {@code dev} when running from unpackaged classes. */
    public static final String VERSION = read();

    private Version() {
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("/chanmux-version.properties")) {
            Properties properties = new Properties();
            if (in != null) {
                properties.load(in);
            }
            return properties.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
