package io.chanmux.server.config;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * One server setting, described once; the option, the environment variable, the JSON key, the
 * default, the help line and the check of a value all come from here. Instances are the constants
 * of {@link Settings}, compared by identity, and serve as the keys of {@link ServerConfig}.
 *
 * <p>Immutable, so any thread may use one.
 *
 * @param <T> the type of the setting's values
 */
public final class Setting<T> {
    private final String name;
    private final ValueType<T> type;
    private final String paramLabel;
    private final String defaultText;
    private final String defaultLabel;
    private final T defaultValue;
    private final Check<T> check;
    private final String help;

    /**
     * Describes a setting; {@link Settings} is the only caller, so every setting is one of its
     * constants.
     *
     * @param name         the option without {@code --}: {@code peer-timeout}
     * @param type         how values are read and printed
     * @param paramLabel   what {@code --help} calls the value: {@code DURATION}
     * @param defaultText  the default as {@code type} reads it, or null for a setting that is unset
     *                     unless given (it must then accept no value, like a secret)
     * @param defaultLabel the default as {@code --help} and docs/configuration.md state it, when that
     *                     is a rule rather than {@code defaultText} ({@code cores - 1, at least 1})
     * @param check        the rule one value must meet
     * @param help         one or two sentences for {@code --help}, without the default and the last full stop
     * @throws IllegalArgumentException when the default does not parse or fails the check, so a
     *                                  wrong default stops the server before it reads any option
     */
    Setting(String name, ValueType<T> type, String paramLabel, String defaultText, String defaultLabel,
            Check<T> check, String help) {
        this.name = name;
        this.type = type;
        this.paramLabel = paramLabel;
        this.defaultText = defaultText;
        this.defaultLabel = defaultLabel;
        this.check = check;
        this.help = help;
        this.defaultValue = defaultText == null ? null : parse(defaultText);
        String problem = defaultValue == null ? null : problem(defaultValue);
        if (problem != null) {
            throw new IllegalArgumentException("default of " + problem);
        }
    }

    /** The name of the option without {@code --}, which is also the JSON key: {@code peer-timeout}. */
    public String name() {
        return name;
    }

    /** The command-line option: {@code --peer-timeout}. */
    public String option() {
        return "--" + name;
    }

    /** How values are read and printed. */
    public ValueType<T> type() {
        return type;
    }

    /** What {@code --help} calls the value: {@code DURATION}. */
    public String paramLabel() {
        return paramLabel;
    }

    /** The default as text the type reads, or null when the setting is unset unless given. */
    public String defaultText() {
        return defaultText;
    }

    /** The default as people read it: the text, a rule such as {@code cores - 1, at least 1}, or {@code none}. */
    public String defaultLabel() {
        return defaultLabel;
    }

    /** The parsed default, or null when the setting is unset unless given. */
    public T defaultValue() {
        return defaultValue;
    }

    /** One or two sentences for {@code --help}, without the default and the last full stop. */
    public String help() {
        return help;
    }

    /** Whether values are secrets, never printed. */
    public boolean secret() {
        return type.secret();
    }

    /**
     * The value {@code text} stands for; the range check comes later, in {@link ServerConfig.Builder#build}.
     *
     * @throws IllegalArgumentException naming the option and quoting the text
     */
    public T parse(String text) {
        try {
            return type.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option() + ": " + e.getMessage(), e);
        }
    }

    /** {@code value} as text; a secret as {@code set}, no value as {@code none}. */
    public String print(T value) {
        return value == null ? "none" : type.print(value);
    }

    /** What is wrong with {@code value}, naming the option (and the value unless secret), or null when it is fine. */
    String problem(T value) {
        if (check.accepts().test(value)) {
            return null;
        }
        return option() + ": " + (secret() ? "" : print(value) + " ") + check.failure();
    }

    /** The option, so a setting reads well in messages. */
    @Override
    public String toString() {
        return option();
    }

    /**
     * The rule one value must meet.
     *
     * @param accepts whether a (non-null) value meets it
     * @param failure what a value that does not meet it is, after the value: {@code is below 1}
     * @param <T>     the type of the values
     */
    public record Check<T>(Predicate<T> accepts, String failure) {

        /** Anything the type parses. */
        public static <T> Check<T> any() {
            return new Check<>(value -> true, "");
        }

        /** From {@code min} to {@code max}, inclusive. */
        public static Check<Integer> between(int min, int max) {
            return between(min, max, "is not from " + min + " to " + max);
        }

        /** From {@code min} to {@code max}, inclusive, with a failure message of its own. */
        public static Check<Integer> between(int min, int max, String failure) {
            return new Check<>(value -> value >= min && value <= max, failure);
        }

        /** At least {@code min}. */
        public static Check<Integer> atLeast(int min) {
            return new Check<>(value -> value >= min, "is below " + min);
        }

        /** Longer than zero. */
        public static Check<Duration> positive() {
            return new Check<>(value -> value.isPositive(), "must be a positive duration");
        }

        /** Zero or longer. */
        public static Check<Duration> notNegative() {
            return new Check<>(value -> !value.isNegative(), "must not be negative");
        }

        /** Not the empty text. */
        public static Check<String> notEmpty() {
            return new Check<>(value -> !value.isEmpty(), "must not be empty");
        }

        /** A range within 1-65535 whose low end is not above its high end. */
        public static Check<PortRange> portRange() {
            return new Check<>(r -> r.low() >= 1 && r.high() <= 65_535 && r.low() <= r.high(),
                    "is not a range LOW-HIGH with 1 <= LOW <= HIGH <= 65535");
        }
    }
}
