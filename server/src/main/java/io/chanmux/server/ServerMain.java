package io.chanmux.server;

import io.chanmux.server.base.NanoClock;
import io.chanmux.server.config.ConfigReading;
import io.chanmux.server.config.ConfigSources;
import io.chanmux.server.config.LiveConfig;
import io.chanmux.server.config.ServerConfig;
import io.chanmux.server.config.Setting;
import io.chanmux.server.config.Settings;
import io.chanmux.server.log.LogOutput;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import sun.misc.Signal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The {@code java -jar} entry point: parses the command line into a {@link ServerConfig}, sizes the
 * virtual-thread scheduler to the pool count, starts the server and waits; SIGTERM (or Ctrl-C)
 * closes it. {@link #run} returns the exit status, so tests can call it without exiting.
 *
 * <p>The options are not annotated fields: {@link #commandLine} builds one option per {@link
 * Settings} constant, so a new setting needs no line here.
 */
public final class ServerMain implements Callable<Integer> {
    private static final String SCHEDULER_PARALLELISM = "jdk.virtualThreadScheduler.parallelism";
    private static final String DESCRIPTION = "UDP channel relay: peers join a channel over TCP and every "
            + "datagram one sends to the channel's UDP port is forwarded to all the others.";

    private final CommandSpec spec;
    /** The command line and environment this process started with, to read the settings anew on SIGHUP. */
    private final String[] args;
    private final Map<String, String> environment;

    private ServerMain(String[] args, Map<String, String> environment) {
        this.args = args.clone();
        this.environment = environment;
        spec = CommandSpec.wrapWithoutInspection(this)
                .name("chanmux-server")
                .version("chanmux-server " + io.chanmux.server.base.Version.VERSION)
                .mixinStandardHelpOptions(true);
        spec.usageMessage().description(DESCRIPTION).sortOptions(false).autoWidth(true);
        spec.addOption(OptionSpec.builder(ConfigSources.CONFIG_OPTION).paramLabel("FILE").type(String.class)
                .description("JSON file of settings named like the options, e.g. {\"peer-timeout\": \"30s\"}. "
                        + "Flags win over environment variables (CHANMUX_PEER_TIMEOUT), which win over the file.")
                .build());
        for (Setting<?> setting : Settings.ALL) {
            spec.addOption(OptionSpec.builder(setting.option()).paramLabel(setting.paramLabel()).type(String.class)
                    .defaultValue(setting.defaultText()).description(usage(setting)).build());
        }
    }

    /**
     * The help line: the setting's help and its default. {@code ${DEFAULT-VALUE}} shows what the
     * environment or file supplies, except for a secret, whose value must not be printed.
     */
    private static String usage(Setting<?> setting) {
        String shown;
        if (setting.secret()) {
            shown = setting.defaultLabel();
        } else if (setting.defaultLabel().equals(setting.defaultText())) {
            shown = "${DEFAULT-VALUE}";
        } else {
            shown = setting.defaultLabel() + "; here ${DEFAULT-VALUE}";
        }
        return setting.help() + " (default: " + shown + ").";
    }

    /** Runs the server until it is stopped; exits with the status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses {@code args} and runs the server; returns the exit status (2 for bad options). */
    public static int run(String[] args) {
        return run(args, System.getenv());
    }

    static int run(String[] args, Map<String, String> environment) {
        CommandLine cmd;
        try {
            cmd = commandLine(args, environment);
        } catch (IllegalArgumentException e) {
            System.err.println("chanmux-server: " + e.getMessage());
            return 2;
        }
        return cmd.setExecutionExceptionHandler((e, failed, parsed) -> {
            if (e instanceof IllegalArgumentException) {
                failed.getErr().println("chanmux-server: " + e.getMessage());
                return 2;
            }
            throw e;
        }).execute(args);
    }

    /**
     * The command line with its environment and config-file sources attached.
     *
     * @throws IllegalArgumentException when the config file cannot be read or names an unknown setting
     */
    static CommandLine commandLine(String[] args, Map<String, String> environment) {
        return new CommandLine(new ServerMain(args, environment).spec)
                .setDefaultValueProvider(ConfigSources.from(args, environment));
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config = toConfig();
        if (System.getProperty(SCHEDULER_PARALLELISM) == null) {
            // Read once, when the first virtual thread starts; nothing before this line starts one.
            System.setProperty(SCHEDULER_PARALLELISM, String.valueOf(config.get(Settings.POOLS)));
        }
        LogOutput.use(config.get(Settings.LOG_FORMAT));
        LiveConfig live = new LiveConfig(config, this::readConfigAgain);
        // Before the start: without a handler, the JVM exits on SIGHUP (a reload right after a start).
        reloadOnHangup(live);
        ChanmuxServer server = ChanmuxServer.start(live, NanoClock.SYSTEM);
        Thread hook = new Thread(server::drainAndClose, "chanmux-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        server.awaitTermination();
        return server.failedUnexpectedly() ? 1 : 0;
    }

    /**
     * The settings as the command line, the environment (as this process got it) and the config
     * file give them now: the command line parsed again, so flags still win over the file.
     *
     * @throws IllegalArgumentException when the file cannot be read or a value is bad
     */
    private ConfigReading readConfigAgain() {
        CommandLine again = commandLine(args, environment);
        try {
            again.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        ServerMain parsed = (ServerMain) again.getCommandSpec().userObject();
        ServerConfig config = parsed.toConfig();
        ConfigSources sources = (ConfigSources) again.getDefaultValueProvider();
        List<Setting<?>> overridden = new ArrayList<>();
        for (Setting<?> setting : Settings.ALL) {
            String inFile = sources.fileText(setting);
            if (inFile != null && !fileValueInForce(setting, inFile, config)) {
                overridden.add(setting);
            }
        }
        return new ConfigReading(config, overridden);
    }

    /** Whether the file's {@code text} for {@code setting} is the value {@code config} holds (a flag or the environment may have won). */
    private static boolean fileValueInForce(Setting<?> setting, String text, ServerConfig config) {
        try {
            return setting.parse(text).equals(config.get(setting));
        } catch (IllegalArgumentException e) {
            return false; // a bad value in the file that a flag or the environment replaced
        }
    }

    /**
     * SIGHUP reloads the settings; a config that does not parse is logged and changes nothing.
     * The JDK runs each signal's handler on a thread of its own; {@link LiveConfig#reload} takes
     * them one at a time.
     */
    private static void reloadOnHangup(LiveConfig live) {
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                try {
                    live.reload("SIGHUP");
                } catch (IllegalArgumentException e) {
                    // LiveConfig logged it.
                } catch (RuntimeException e) {
                    LoggerFactory.getLogger(ServerMain.class).atError().addKeyValue("event", "config_reload_failed")
                            .setCause(e).log("config reload (SIGHUP) failed; nothing changed");
                }
            });
        } catch (IllegalArgumentException e) {
            // No SIGHUP on this platform, or the JVM was started with -Xrs.
            LoggerFactory.getLogger(ServerMain.class).warn("SIGHUP cannot reload here: {}", e.getMessage());
        }
    }

    /** Whether the user set {@code setting} (a flag, the environment or the config file). */
    private boolean given(Setting<?> setting) {
        OptionSpec option = spec.findOption(setting.option());
        return spec.commandLine().getParseResult().hasMatchedOption(option)
                || ((ConfigSources) spec.defaultValueProvider()).text(setting) != null;
    }

    /**
     * The config from the parsed options: each option's text (a flag, or what {@link ConfigSources}
     * or the default supplied) read by its setting.
     *
     * @throws IllegalArgumentException naming the option of a bad value
     */
    ServerConfig toConfig() {
        if (given(Settings.UDP_PORT) && given(Settings.UDP_PORTS)) {
            throw new IllegalArgumentException(Settings.UDP_PORT + " and " + Settings.UDP_PORTS + " exclude each other: "
                    + "give one port for every channel, or a range with a port per channel");
        }
        ServerConfig.Builder builder = ServerConfig.builder();
        for (Setting<?> setting : Settings.ALL) {
            String text = spec.findOption(setting.option()).getValue();
            if (text != null) {
                builder.setText(setting, text);
            }
        }
        return builder.build();
    }
}
