package io.chanmux.loadtest.report;

import java.util.Locale;

/** How reports print figures: latencies in milliseconds, counts with separators, sizes in binary units. */
public final class Units {
    private Units() {
    }

    /** Nanoseconds as milliseconds with three decimals, e.g. {@code 0.214 ms}. */
    public static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.3f ms", nanos / 1e6);
    }

    /** A count with thousands separators, e.g. {@code 2,400,000}. */
    public static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** A rate with one decimal and separators, e.g. {@code 40,000.0}. */
    public static String rate(double perSecond) {
        return perSecond < 0 ? "n/a" : String.format(Locale.ROOT, "%,.1f", perSecond);
    }

    /** A percentage with four decimals. */
    public static String percent(double value) {
        return String.format(Locale.ROOT, "%.4f %%", value);
    }

    /** A CPU percentage, or n/a when negative (unknown). */
    public static String cpu(double percent) {
        return percent < 0 ? "n/a" : String.format(Locale.ROOT, "%.0f %%", percent);
    }

    /** Bytes in B, KiB, MiB or GiB; n/a when NaN. */
    public static String bytes(double bytes) {
        if (Double.isNaN(bytes)) {
            return "n/a";
        }
        if (bytes < 0) {
            return "-" + bytes(-bytes);
        }
        if (bytes < 1024) {
            return String.format(Locale.ROOT, "%.0f B", bytes);
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024);
        }
        if (bytes < 1024.0 * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    /** A number without a trailing {@code .0}. */
    public static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%s", value);
    }

    /** Seconds with one decimal. */
    public static String seconds(double seconds) {
        return String.format(Locale.ROOT, "%.1f s", seconds);
    }
}
