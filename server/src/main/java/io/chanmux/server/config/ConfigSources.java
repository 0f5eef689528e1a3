package io.chanmux.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a setting's value comes from when the command line does not give it: first the environment
 * ({@code CHANMUX_PEER_TIMEOUT} for {@code --peer-timeout}), then the JSON config file
 * ({@code {"peer-timeout": "30s"}}), then the setting's default. So flags win over the
 * environment, and the environment over the file. Serves every {@link Setting} of {@link Settings}
 * by its name, and picocli as the default-value provider of the options of the same names.
 * Immutable once built.
 */
public final class ConfigSources implements CommandLine.IDefaultValueProvider {
    /** The option that names the config file; it can also come from {@code CHANMUX_CONFIG}. */
    public static final String CONFIG_OPTION = "--config";

    private final Map<String, String> environment;
    private final JsonNode file;

    private ConfigSources(Map<String, String> environment, JsonNode file) {
        this.environment = environment;
        this.file = file;
    }

    /**
     * Reads the config file named by {@code --config} in {@code args} (or {@code CHANMUX_CONFIG}).
     *
     * @throws IllegalArgumentException when the file cannot be read, is not a JSON object, or has a
     *                                  key that names no setting (a typo must not fall back to a default)
     */
    public static ConfigSources from(String[] args, Map<String, String> environment) {
        String path = configPath(args, environment);
        if (path == null) {
            return new ConfigSources(environment, null);
        }
        JsonNode tree;
        try {
            tree = new ObjectMapper().readTree(Files.readAllBytes(Path.of(path)));
        } catch (IOException e) {
            throw new IllegalArgumentException(CONFIG_OPTION + ": cannot read " + path + ": " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException(CONFIG_OPTION + ": " + path + " is not a JSON object");
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> keys = tree.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (Settings.named(key).isEmpty()) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(CONFIG_OPTION + ": unknown settings " + unknown + " in " + path);
        }
        return new ConfigSources(environment, tree);
    }

    /** The environment variable for an option: {@code --peer-timeout} → {@code CHANMUX_PEER_TIMEOUT}. */
    static String environmentName(String option) {
        return "CHANMUX_" + option.replaceFirst("^--", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    /** The text the environment, or else the file, gives for {@code setting}; null when neither does. */
    public String text(Setting<?> setting) {
        String fromEnvironment = environment.get(environmentName(setting.option()));
        if (fromEnvironment != null) {
            return fromEnvironment;
        }
        JsonNode fromFile = file == null ? null : file.get(setting.name());
        if (fromFile != null && !fromFile.isNull()) {
            return fromFile.isTextual() ? fromFile.textValue() : fromFile.toString();
        }
        return null;
    }

    /** {@link #text} for the setting an option stands for; null for any other option. */
    @Override
    public String defaultValue(ArgSpec argSpec) {
        if (!(argSpec instanceof OptionSpec option)) {
            return null;
        }
        return Settings.named(option.longestName().replaceFirst("^--", "")).map(this::text).orElse(null);
    }

    private static String configPath(String[] args, Map<String, String> environment) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(CONFIG_OPTION) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(CONFIG_OPTION + "=")) {
                return args[i].substring(CONFIG_OPTION.length() + 1);
            }
        }
        return environment.get(environmentName(CONFIG_OPTION));
    }
}
