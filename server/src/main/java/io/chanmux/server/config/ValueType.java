package io.chanmux.server.config;

import io.chanmux.server.log.LogFormat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How one kind of setting is read from text (a flag, an environment variable, a JSON value, a
 * default) and written back for {@code toString}. Parse errors are {@link IllegalArgumentException}s
 * whose message quotes the text; {@link Setting#parse} puts the option's name in front.
 *
 * @param javaType the type of the values, so {@link ServerConfig#get} can return them typed
 * @param parser   text to value; throws {@link IllegalArgumentException} when the text is not one
 * @param printer  value to text that {@code parser} reads back (secrets excepted)
 * @param secret   whether values are secrets, shown only as {@code set} or {@code none}
 * @param <T>      the type of the values
 */
public record ValueType<T>(Class<T> javaType, Function<String, T> parser, Function<T, String> printer,
                           boolean secret) {

    /** A whole number such as {@code 1500}. */
    public static final ValueType<Integer> INTEGER =
            new ValueType<>(Integer.class, ValueType::parseInteger, String::valueOf, false);

    /** {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}, or ISO-8601 such as {@code PT30S}. */
    public static final ValueType<Duration> DURATION =
            new ValueType<>(Duration.class, ValueType::parseDuration, ValueType::printDuration, false);

    /** An address of this host, a literal ({@code 0.0.0.0}, {@code ::1}) or a name. */
    public static final ValueType<InetAddress> ADDRESS =
            new ValueType<>(InetAddress.class, ValueType::parseAddress, InetAddress::getHostAddress, false);

    /** {@code true} or {@code false}, in any case. */
    public static final ValueType<Boolean> BOOLEAN =
            new ValueType<>(Boolean.class, ValueType::parseBoolean, String::valueOf, false);

    /** {@code LOW-HIGH}, such as {@code 40000-40999}. */
    public static final ValueType<PortRange> PORT_RANGE =
            new ValueType<>(PortRange.class, ValueType::parsePortRange, PortRange::toString, false);

    /** A file's path, as given (relative paths are the server's working directory's). */
    public static final ValueType<Path> PATH = new ValueType<>(Path.class, ValueType::parsePath, Path::toString, false);

    /** Plain text, as given (a name). */
    public static final ValueType<String> TEXT = new ValueType<>(String.class, String::trim, text -> text, false);

    /** {@code text} or {@code json}, in any case. */
    public static final ValueType<LogFormat> LOG_FORMAT =
            new ValueType<>(LogFormat.class, LogFormat::parse, LogFormat::optionValue, false);

    /** Text that must never reach a log: shown as {@code set}. */
    public static final ValueType<String> SECRET = new ValueType<>(String.class, text -> text, text -> "set", true);

    private static final Pattern DURATION_TEXT = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern PORT_RANGE_TEXT = Pattern.compile("(\\d{1,5})-(\\d{1,5})");

    /** The value {@code text} stands for. */
    public T parse(String text) {
        return parser.apply(text);
    }

    /** {@code value} as text; a secret as {@code set}. */
    public String print(T value) {
        return printer.apply(value);
    }

    private static int parseInteger(String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a whole number");
        }
    }

    private static Boolean parseBoolean(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("'" + text + "' is neither true nor false");
        };
    }

    private static Duration parseDuration(String text) {
        try {
            Matcher m = DURATION_TEXT.matcher(text.trim().toLowerCase(Locale.ROOT));
            if (!m.matches()) {
                return Duration.parse(text.trim());
            }
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        } catch (RuntimeException e) {
            // Not a duration at all, or too many digits for one (the number or the Duration overflows).
            throw new IllegalArgumentException("'" + text + "' is not a duration such as 30s, 500ms or 2m");
        }
    }

    /** The shortest exact form {@link #parseDuration} reads: {@code 30s} rather than {@code PT30S}. */
    private static String printDuration(Duration value) {
        if (value.isNegative() || value.getNano() % 1_000_000 != 0) {
            return value.toString();
        }
        long millis = value.toMillis();
        if (millis == 0) {
            return "0s";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static Path parsePath(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("'" + text + "' is not a file name");
        }
        try {
            return Path.of(text.trim());
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("'" + text + "' is not a file name: " + e.getReason());
        }
    }

    private static InetAddress parseAddress(String text) {
        if (text.isBlank()) {
            // getByName("") would quietly answer the loopback address.
            throw new IllegalArgumentException("'" + text + "' is not an address");
        }
        try {
            return InetAddress.getByName(text.trim());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "' is not an address of this host");
        }
    }

    private static PortRange parsePortRange(String text) {
        Matcher m = PORT_RANGE_TEXT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a range such as 40000-40999");
        }
        return new PortRange(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }
}
