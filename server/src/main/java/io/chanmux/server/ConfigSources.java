package io.chanmux.server;

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
import java.util.Set;

/**
 * Where option values come from when the command line does not give them: first the environment
 * ({@code CHANMUX_PEER_TIMEOUT} for {@code --peer-timeout}), then the JSON config file
 * ({@code {"peer-timeout": "30s"}}), then the option's built-in default. So flags win over the
 * environment, and the environment over the file. Immutable once built.
 */
final class ConfigSources implements CommandLine.IDefaultValueProvider {
    /** The option that names the config file; it can also come from {@code CHANMUX_CONFIG}. */
    static final String CONFIG_OPTION = "--config";

    private final Map<String, String> environment;
    private final JsonNode file;

    private ConfigSources(Map<String, String> environment, JsonNode file) {
        this.environment = environment;
        this.file = file;
    }

    /**
     * Reads the config file named by {@code --config} in {@code args} (or {@code CHANMUX_CONFIG}).
     *
     * @throws IllegalArgumentException when the file cannot be read or is not a JSON object
     */
    static ConfigSources from(String[] args, Map<String, String> environment) {
        String path = configPath(args, environment);
        if (path == null) {
            return new ConfigSources(environment, null);
        }
        try {
            JsonNode tree = new ObjectMapper().readTree(Files.readAllBytes(Path.of(path)));
            if (tree == null || !tree.isObject()) {
                throw new IllegalArgumentException("--config: " + path + " is not a JSON object");
            }
            return new ConfigSources(environment, tree);
        } catch (IOException e) {
            throw new IllegalArgumentException("--config: cannot read " + path + ": " + e.getMessage());
        }
    }

    /** The environment variable for an option: {@code --peer-timeout} → {@code CHANMUX_PEER_TIMEOUT}. */
    static String environmentName(String option) {
        return "CHANMUX_" + option.replaceFirst("^--", "").replace('-', '_').toUpperCase(Locale.ROOT);
    }

    @Override
    public String defaultValue(ArgSpec argSpec) {
        if (!(argSpec instanceof OptionSpec option)) {
            return null;
        }
        String name = option.longestName();
        String fromEnvironment = environment.get(environmentName(name));
        if (fromEnvironment != null) {
            return fromEnvironment;
        }
        JsonNode fromFile = file == null ? null : file.get(name.replaceFirst("^--", ""));
        if (fromFile != null && !fromFile.isNull()) {
            return fromFile.isTextual() ? fromFile.textValue() : fromFile.toString();
        }
        return null;
    }

    /** Keys of the config file that name no option, so a typo is an error instead of a silent default. */
    List<String> unknownFileKeys(Set<String> optionNames) {
        List<String> unknown = new ArrayList<>();
        if (file != null) {
            for (Iterator<String> keys = file.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                if (!optionNames.contains("--" + key) || ("--" + key).equals(CONFIG_OPTION)) {
                    unknown.add(key);
                }
            }
        }
        return unknown;
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
