package io.chanmux.server.config;

/**
 * An inclusive range of ports, written {@code LOW-HIGH}. Whether it is a usable range (within
 * 1-65535, low not above high) is the owning setting's check, so its message names the setting.
 *
 * @param low  the first port
 * @param high the last port, inclusive
 */
public record PortRange(int low, int high) {

    /** {@code LOW-HIGH}, the form {@link ValueType#PORT_RANGE} reads. */
    @Override
    public String toString() {
        return low + "-" + high;
    }
}
