package io.chanmux.server.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
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
    /** The largest config file read: a reload must not stall or fill the heap on a wrong path. */
    static final long MAX_FILE_BYTES = 1 << 20;

    private final Map<String, String> environment;
    private final JsonNode file;

    private ConfigSources(Map<String, String> environment, JsonNode file) {
        this.environment = environment;
        this.file = file;
    }

    /**
     * Reads the config file named by {@code --config} in {@code args} (or {@code CHANMUX_CONFIG}).
     *
     * @throws IllegalArgumentException when the file is not a regular file of at most {@link
     *                                  #MAX_FILE_BYTES}, cannot be read, is not a JSON object, or has a
     *                                  key that names no setting (a typo must not fall back to a default)
     */
    public static ConfigSources from(String[] args, Map<String, String> environment) {
        String path = configPath(args, environment);
        if (path == null) {
            return new ConfigSources(environment, null);
        }
        JsonNode tree;
        try {
            Path file = Path.of(path);
            if (!Files.isRegularFile(file) || Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException(CONFIG_OPTION + ": " + path + " is not a regular file of at most "
                        + MAX_FILE_BYTES + " bytes");
            }
            tree = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (JsonProcessingException e) {
            // Not e.getMessage(): it quotes the text it choked on, which may be a secret.
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException(CONFIG_OPTION + ": " + path + " is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
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
        return fromEnvironment != null ? fromEnvironment : fileText(setting);
    }

    /** The text the config file gives for {@code setting}, or null. */
    public String fileText(Setting<?> setting) {
        JsonNode fromFile = file == null ? null : file.get(setting.name());
        if (fromFile == null || fromFile.isNull()) {
            return null;
        }
        return fromFile.isTextual() ? fromFile.textValue() : fromFile.toString();
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
