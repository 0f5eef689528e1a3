package io.chanmux.protocol.wire;

import java.util.HexFormat;

/** Lowercase hex text for ids and tokens, as the control protocol writes them. Stateless. */
public final class Hex {
    private static final HexFormat LOWER = HexFormat.of();

    private Hex() {
    }

    /** Encodes bytes as lowercase hex. */
    public static String encode(byte[] bytes) {
        return LOWER.formatHex(bytes);
    }

    /**
     * Decodes exactly {@code length} bytes of lowercase hex.
     *
     * @throws IllegalArgumentException if the text has another length or a character that is not
     *                                  lowercase hex
     */
    public static byte[] decode(String text, int length) {
        if (!isLowerHex(text, length * 2)) {
            throw new IllegalArgumentException("expected " + length * 2 + " lowercase hex characters");
        }
        return LOWER.parseHex(text);
    }

    /** Whether {@code text} is exactly {@code chars} lowercase hex characters. */
    public static boolean isLowerHex(String text, int chars) {
        if (text == null || text.length() != chars) {
            return false;
        }
        for (int i = 0; i < chars; i++) {
            char c = text.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
