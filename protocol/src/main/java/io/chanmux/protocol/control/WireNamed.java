package io.chanmux.protocol.control;

/** An enum constant with the lowercase name it has on the wire. */
public interface WireNamed {
    /** The name on the wire. */
    String wireName();

    /** The constant of {@code values} with this wire name, or null when there is none. */
    static <E extends Enum<E> & WireNamed> E find(E[] values, String wireName) {
        for (E value : values) {
            if (value.wireName().equals(wireName)) {
                return value;
            }
        }
        return null;
    }
}
