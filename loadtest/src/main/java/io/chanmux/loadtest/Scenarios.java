package io.chanmux.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The named presets bundled with the load test as the resource {@code /scenarios.json}: an object
 * whose keys are scenario names and whose values hold any of {@code description},
 * {@code channels}, {@code peersPerChannel}, {@code sendersPerChannel}, {@code ratePerSender},
 * {@code payload}, {@code duration} and {@code warmup}. An unknown key is an error, so a typo
 * in the file cannot silently fall back to a default.
 *
 * <p>Immutable once loaded; thread-safe.
 */
public final class Scenarios {
    /** The bundled resource. */
    public static final String RESOURCE = "/scenarios.json";

    private static final Set<String> KEYS = Set.of("description", "channels", "peersPerChannel", "sendersPerChannel",
            "ratePerSender", "payload", "duration", "warmup");

    private final Map<String, Scenario> byName;

    private Scenarios(Map<String, Scenario> byName) {
        this.byName = byName;
    }

    /** Loads the bundled presets. */
    public static Scenarios bundled() {
        try (InputStream in = Scenarios.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + RESOURCE + " is missing from the build");
            }
            return parse(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /** Reads presets from a parsed scenarios document. */
    static Scenarios parse(JsonNode root) {
        if (!root.isObject()) {
            throw new IllegalArgumentException(RESOURCE + ": the top level must be an object of scenarios");
        }
        Map<String, Scenario> byName = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            String name = entry.getKey();
            JsonNode s = entry.getValue();
            for (Map.Entry<String, JsonNode> field : s.properties()) {
                if (!KEYS.contains(field.getKey())) {
                    throw new IllegalArgumentException(RESOURCE + ": scenario '" + name + "' has unknown key '"
                            + field.getKey() + "' (known: " + KEYS + ")");
                }
            }
            byName.put(name, new Scenario(name, s.path("description").asText(""), integer(s, "channels"),
                    integer(s, "peersPerChannel"), integer(s, "sendersPerChannel"),
                    s.has("ratePerSender") ? s.get("ratePerSender").asDouble() : null, integer(s, "payload"),
                    text(s, "duration"), text(s, "warmup")));
        }
        return new Scenarios(Map.copyOf(byName));
    }

    /** The preset with this name. */
    public Optional<Scenario> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Every preset. */
    public Collection<Scenario> all() {
        return byName.values().stream().sorted((a, b) -> a.name().compareTo(b.name())).toList();
    }

    private static Integer integer(JsonNode scenario, String key) {
        return scenario.has(key) ? scenario.get(key).asInt() : null;
    }

    private static String text(JsonNode scenario, String key) {
        return scenario.has(key) ? scenario.get(key).asText() : null;
    }
}
