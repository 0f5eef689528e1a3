package io.chanmux.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chanmux.protocol.client.ClientTls;
import io.chanmux.protocol.control.ControlCodec;
import io.chanmux.protocol.control.LineReader;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A control connection for the one-shot commands ({@code list}, {@code stats}, {@code ping},
 * {@code admin}): one request at a time, each reply returned raw — the exact line and its JSON —
 * whether it is a success or an error. Events are skipped.
 *
 * <p>The client library's {@code ChanmuxClient} is not used here because its error replies keep
 * only codes it knows, and {@code admin} exists to reach operations (and codes) newer than it.
 *
 * <p>In a cluster it follows {@code moved} replies: it opens a connection to the node the reply
 * names, says the same {@code hello} there, and asks again (a {@code create} with the node's id);
 * that connection stays open until this one closes, since a channel created there lives with it.
 *
 * <p>Used by one thread.
 */
final class ControlExchange implements AutoCloseable {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);
    /** The most {@code moved} replies one request follows. */
    static final int MAX_MOVES = 3;

    private final Socket socket;
    private final ClientTls tls;
    private final OutputStream out;
    private final LineReader lines;
    private long nextId = 1;
    private ObjectNode hello;
    private ControlExchange movedTo;

    private ControlExchange(Socket socket, ClientTls tls) throws IOException {
        this.socket = socket;
        this.tls = tls;
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) REPLY_TIMEOUT.toMillis());
        this.out = socket.getOutputStream();
        this.lines = new LineReader(socket.getInputStream(), ControlCodec.MAX_LINE_BYTES);
    }

    /**
     * Connects to {@code server}, over TLS when {@code tls} is given.
     *
     * @throws ServerUnreachableException when the host does not resolve, or the connection or its
     *                                    TLS handshake fails
     */
    static ControlExchange open(ServerAddress server, ClientTls tls) throws ServerUnreachableException {
        InetSocketAddress address = server.resolve();
        Socket socket = new Socket();
        try {
            socket.connect(address, (int) CONNECT_TIMEOUT.toMillis());
        } catch (IOException e) {
            closeQuietly(socket);
            throw new ServerUnreachableException(server, e);
        }
        try {
            return new ControlExchange(tls == null ? socket
                    : tls.handshake(socket, server.host(), server.port(), CONNECT_TIMEOUT), tls);
        } catch (IOException e) {
            closeQuietly(socket);
            throw tls == null ? new ServerUnreachableException(server, e)
                    : ServerUnreachableException.tlsFailed(server, e);
        }
    }

    /**
     * Sends a request and returns its reply if it is a success.
     *
     * @throws ErrorReplyException when the server answers with an error reply
     * @throws IOException         when the connection fails or no reply comes in time
     */
    Reply request(String op, ObjectNode arguments) throws IOException {
        Reply reply = call(op, arguments);
        if (!reply.ok()) {
            throw new ErrorReplyException(reply);
        }
        return reply;
    }

    /**
     * Sends a request and returns its reply, success or error, following {@code moved} replies to
     * the node they name.
     */
    Reply call(String op, ObjectNode arguments) throws IOException {
        Reply reply = exchange(op, arguments);
        if (op.equals("hello") && reply.ok()) {
            hello = arguments;
        }
        for (int moves = 0; moves < MAX_MOVES && reply.isMoved(); moves++) {
            ServerAddress node;
            try {
                node = ServerAddress.parse(reply.json().path("control").asText());
            } catch (IllegalArgumentException e) {
                throw new IOException("the server sent this request to a node at '"
                        + reply.json().path("control").asText() + "', which is not HOST:PORT");
            }
            ControlExchange next = open(node, tls);
            if (movedTo != null) {
                movedTo.close();
            }
            movedTo = next;
            if (hello != null) {
                Reply greeted = next.exchange("hello", hello);
                if (!greeted.ok()) {
                    return greeted;
                }
            }
            ObjectNode again = arguments;
            if (op.equals("create")) {
                again = (arguments == null ? ControlCodec.object() : arguments.deepCopy())
                        .put("node", reply.json().path("node").asText());
            }
            reply = next.exchange(op, again);
        }
        return reply;
    }

    /** One request and its reply on this connection. */
    private Reply exchange(String op, ObjectNode arguments) throws IOException {
        long id = nextId++;
        out.write(ControlCodec.encodeRequest(id, op, arguments));
        out.flush();
        while (true) {
            byte[] line;
            try {
                line = lines.readLine();
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("no reply to '" + op + "' within " + REPLY_TIMEOUT.toSeconds() + " s");
            }
            if (line == null) {
                throw new IOException("the server closed the connection before replying to '" + op + "'");
            }
            if (ClientTls.isTlsRecord(line)) {
                throw new IOException("the server's control port speaks TLS: add --tls, --tls-ca FILE or "
                        + "--tls-insecure");
            }
            ObjectNode message = ControlCodec.decodeMessage(line);
            // Events may arrive between replies; a reply to an earlier, abandoned id is stale.
            if (!message.has("event") && message.path("id").asLong(-1) == id) {
                return new Reply(message, new String(line, StandardCharsets.UTF_8));
            }
        }
    }

    @Override
    public void close() {
        if (movedTo != null) {
            movedTo.close();
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing is left to flush or tell the server.
        }
    }

    /**
     * One reply.
     *
     * @param json the decoded reply
     * @param line the reply exactly as the server sent it, without the newline
     */
    record Reply(ObjectNode json, String line) {
        /** Whether the reply is a success ({@code "ok": true}). */
        boolean ok() {
            return json.path("ok").asBoolean(false);
        }

        /** Whether the reply sends the request to another node of the cluster. */
        boolean isMoved() {
            return !ok() && "moved".equals(json.path("error").asText()) && json.path("control").isTextual();
        }
    }
}
