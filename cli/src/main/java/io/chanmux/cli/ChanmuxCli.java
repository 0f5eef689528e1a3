package io.chanmux.cli;

import io.chanmux.protocol.control.Op;
import io.chanmux.protocol.client.ChanmuxClient;
import io.chanmux.protocol.client.ChanmuxException;
import io.chanmux.protocol.client.ClientTls;
import io.chanmux.protocol.client.ControlEvent;
import io.chanmux.protocol.control.ControlCodec;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * The {@code chanmux} command: parses the command line, runs one sub-command and maps its failure
 * to an exit status. {@link #run} takes the standard streams and returns the status, so tests drive
 * the whole command in-process; {@link #main} only adds {@code System.exit}.
 *
 * <p>Exit statuses: {@value #OK} success, {@value #SERVER_ERROR} the server answered with an error
 * reply, {@value #USAGE} bad command line, {@value #CONNECTION_FAILED} the server could not be reached
 * or the connection was lost.
 *
 * <p>One instance serves one run, on the caller's thread; the sub-commands reach its streams and the
 * {@code --server} address through {@code @ParentCommand}.
 */
@Command(name = "chanmux", mixinStandardHelpOptions = true, versionProvider = ChanmuxCli.Version.class,
        usageHelpAutoWidth = true,
        description = "Command-line client for a chanmux relay: create a channel, talk through it, inspect the server.",
        subcommands = {CreateCommand.class, JoinCommand.class, SendCommand.class, ListCommand.class,
                StatsCommand.class, NodesCommand.class, AdminCommand.class, PingCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExample (each in its own terminal):%n",
        footer = {"  ./bin/chanmux-server --bind 127.0.0.1",
                "  chanmux create --name lobby     # prints the channel id; keep it running",
                "  chanmux join <id> --send        # type a line here...",
                "  chanmux join <id> --send        # ...and it appears here",
                "",
                "Exit status: 0 ok, 1 the server answered with an error, 2 bad command line,",
                "3 cannot reach the server, or lost the connection."})
public final class ChanmuxCli implements Callable<Integer> {
    /** Exit status: the command succeeded. */
    public static final int OK = 0;
    /** Exit status: the server answered a request with an error reply. */
    public static final int SERVER_ERROR = 1;
    /** Exit status: the command line was invalid. */
    public static final int USAGE = 2;
    /** Exit status: the server could not be reached, or the connection to it failed. */
    public static final int CONNECTION_FAILED = 3;

    /** The name the CLI gives itself in {@code hello}. */
    static final String CLIENT_NAME = "chanmux-cli";

    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    @Spec
    CommandSpec spec;

    @Option(names = "--server", paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
            defaultValue = "${env:CHANMUX_SERVER:-127.0.0.1:7700}", converter = ServerAddress.Converter.class,
            description = "The server's control address (default: $CHANMUX_SERVER, else 127.0.0.1:7700).")
    ServerAddress server;

    @Option(names = "--secret", paramLabel = "S", scope = ScopeType.INHERIT, defaultValue = "${env:CHANMUX_SECRET}",
            description = "The server's --secret, sent as 'auth' in hello (default: $CHANMUX_SECRET). "
                    + "Prefer the variable: command lines are visible to other local users.")
    String secret;

    @Option(names = "--admin-secret", paramLabel = "S", scope = ScopeType.INHERIT,
            defaultValue = "${env:CHANMUX_ADMIN_SECRET}",
            description = "The server's --admin-secret, sent as 'admin' in hello so admin ops (channels, peers, "
                    + "kick, close, drain, reload) are allowed (default: $CHANMUX_ADMIN_SECRET).")
    String adminSecret;

    @Option(names = "--tls", scope = ScopeType.INHERIT,
            description = "Connect with TLS (a server started with --tls-cert), trusting the JVM's default trust "
                    + "store; the certificate must name the --server host.")
    boolean tlsDefault;

    @Option(names = "--tls-ca", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Connect with TLS, trusting the certificates in this PEM file: a private CA, or the server's "
                    + "own self-signed certificate. The certificate must name the --server host.")
    Path tlsCa;

    @Option(names = "--tls-insecure", scope = ScopeType.INHERIT,
            description = "Connect with TLS and trust any certificate (a self-signed test server): encrypted, but "
                    + "anyone on the path can pose as the server.")
    boolean tlsInsecure;

    private ClientTls tls;

    private ChanmuxCli(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /**
     * Runs one command line against the given streams.
     *
     * @return the exit status: {@link #OK}, {@link #SERVER_ERROR}, {@link #USAGE} or {@link #CONNECTION_FAILED}
     */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        ChanmuxCli cli = new ChanmuxCli(in, out, err);
        return new CommandLine(cli)
                .setOut(new PrintWriter(out, true, out.charset()))
                .setErr(new PrintWriter(err, true, err.charset()))
                .setExecutionExceptionHandler(cli::report)
                .execute(args);
    }

    /** Without a sub-command there is nothing to do: show the usage. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err);
        return USAGE;
    }

    InputStream in() {
        return in;
    }

    PrintStream out() {
        return out;
    }

    PrintStream err() {
        return err;
    }

    ServerAddress server() {
        return server;
    }

    /**
     * Opens a control connection that hands pushed events to {@code listener}, and says
     * {@code hello} on it (authenticating when a secret is given).
     *
     * @throws ServerUnreachableException when the connection cannot be opened
     * @throws ChanmuxException           when the server refuses the hello
     */
    ChanmuxClient connect(Consumer<ControlEvent> listener) throws IOException {
        ChanmuxClient client;
        ClientTls secured = tls();
        try {
            client = ChanmuxClient.connect(server.resolve(), secured, listener);
        } catch (ServerUnreachableException e) {
            throw e;
        } catch (SSLException e) {
            throw ServerUnreachableException.tlsFailed(server, e);
        } catch (IOException e) {
            throw new ServerUnreachableException(server, e);
        }
        try {
            client.call(Op.HELLO.wireName(), hello());
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * Opens a connection for one-shot requests and says {@code hello} on it.
     *
     * @throws ServerUnreachableException when the connection cannot be opened
     * @throws ErrorReplyException        when the server refuses the hello
     */
    ControlExchange exchange() throws IOException {
        ControlExchange exchange = ControlExchange.open(server, tls());
        try {
            exchange.request(Op.HELLO.wireName(), hello());
            return exchange;
        } catch (IOException | RuntimeException e) {
            exchange.close();
            throw e;
        }
    }

    /**
     * The TLS the options ask for, or null for plain TCP. Built once per run; {@code --tls-insecure}
     * prints a warning on stderr then.
     *
     * @throws ParameterException for contradicting options or an unreadable {@code --tls-ca} file (status 2)
     */
    private ClientTls tls() throws IOException {
        if (tls != null || !(tlsDefault || tlsCa != null || tlsInsecure)) {
            return tls;
        }
        if (tlsInsecure && tlsCa != null) {
            throw new ParameterException(spec.commandLine(), "give --tls-ca or --tls-insecure, not both");
        }
        if (tlsInsecure) {
            err.println("warning: --tls-insecure: the server's certificate is not checked; anyone on the path "
                    + "can pose as the server");
            tls = ClientTls.insecureTrustAnything();
        } else if (tlsCa != null) {
            try {
                tls = ClientTls.trusting(tlsCa);
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "--tls-ca: " + e.getMessage());
            }
        } else {
            tls = ClientTls.systemTrust();
        }
        return tls;
    }

    /**
     * The arguments of every {@code hello}: this client's name, {@code auth} when a secret is given
     * and {@code admin} when an admin secret is.
     */
    private ObjectNode hello() {
        ObjectNode arguments = ControlCodec.object().put("client", CLIENT_NAME);
        if (secret != null) {
            arguments.put("auth", secret);
        }
        if (adminSecret != null) {
            arguments.put("admin", adminSecret);
        }
        return arguments;
    }

    /** Maps what a sub-command threw to a message on stderr and an exit status. */
    private int report(Exception e, CommandLine command, ParseResult parsed) throws Exception {
        return switch (e) {
            case ErrorReplyException reply -> {
                err.println("error: " + reply.code() + ": " + reply.serverMessage() + authHint(reply.code()));
                yield SERVER_ERROR;
            }
            case ChanmuxException reply -> {
                err.println("error: " + reply.getMessage() + authHint(reply.error().wireName()));
                yield SERVER_ERROR;
            }
            case ServerUnreachableException unreachable -> {
                err.println(unreachable.getMessage());
                yield CONNECTION_FAILED;
            }
            case IOException io -> {
                err.println("error: connection to chanmux at " + server + " failed: " + describe(io));
                yield CONNECTION_FAILED;
            }
            default -> throw e;
        };
    }

    private String authHint(String code) {
        if (!"unauthorized".equals(code)) {
            return "";
        }
        return secret == null ? " (this server needs its secret: set CHANMUX_SECRET or give --secret)"
                : " (check the secret in --secret or CHANMUX_SECRET)";
    }

    /**
     * The message of {@code e} and of its causes, for one line on stderr. A cause whose message is
     * already there (TLS exceptions repeat theirs) is skipped.
     */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(messageOf(e));
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            String message = messageOf(cause);
            if (text.indexOf(message) < 0) {
                text.append(": ").append(message);
            }
        }
        return text.toString();
    }

    private static String messageOf(Throwable e) {
        // Some socket exceptions (PortUnreachableException, ClosedChannelException) have no message.
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** {@code --version}: the version the build wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties properties = new Properties();
            try (InputStream resource = ChanmuxCli.class.getResourceAsStream("/chanmux-cli-version.properties")) {
                if (resource != null) {
                    properties.load(new java.io.InputStreamReader(resource, StandardCharsets.UTF_8));
                }
            }
            return new String[] {"chanmux-cli " + properties.getProperty("version", "unknown")};
        }
    }
}
