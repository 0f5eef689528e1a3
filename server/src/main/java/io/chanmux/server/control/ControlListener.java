package io.chanmux.server.control;

import io.chanmux.server.ServerConfig;
import io.chanmux.server.pool.ChannelDirectory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.StructuredTaskScope;
import java.util.concurrent.StructuredTaskScope.Joiner;

/**
 * The control port's accept loop. Each accepted connection becomes a {@link ControlSession} on its
 * own virtual thread, forked in this listener's scope, so the listener owns every session's
 * lifetime.
 *
 * <p>{@link #run} is the listener thread. It ends when the server socket is closed or the thread is
 * interrupted; it then closes every session's connection and waits for the sessions to finish.
 */
public final class ControlListener {
    private static final Logger log = LoggerFactory.getLogger(ControlListener.class);

    private final ServerSocketChannel server;
    private final ServerConfig config;
    private final ChannelDirectory directory;
    private final Set<ControlSession> sessions = ConcurrentHashMap.newKeySet();

    public ControlListener(ServerSocketChannel server, ServerConfig config, ChannelDirectory directory) {
        this.server = server;
        this.config = config;
        this.directory = directory;
    }

    /** Sessions whose connection is open. */
    public int sessionCount() {
        return sessions.size();
    }

    ServerConfig config() {
        return config;
    }

    ChannelDirectory directory() {
        return directory;
    }

    void sessionEnded(ControlSession session) {
        sessions.remove(session);
    }

    /** The listener thread: accepts until the server socket closes. */
    public void run() {
        var threads = Thread.ofVirtual().name("session-", 0).factory();
        try (var scope = StructuredTaskScope.open(Joiner.awaitAll(),
                cfg -> cfg.withName("control-sessions").withThreadFactory(threads))) {
            try {
                acceptUntilClosed(scope);
            } finally {
                sessions.forEach(ControlSession::closeConnection);
            }
            scope.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptUntilClosed(StructuredTaskScope<Object, Void> scope) {
        while (true) {
            SocketChannel connection;
            try {
                connection = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // Typically EMFILE: out of descriptors. Back off briefly instead of spinning.
                log.warn("accept failed: {}", e.toString());
                if (!pause()) {
                    return;
                }
                continue;
            }
            ControlSession session = new ControlSession(connection, this);
            sessions.add(session);
            scope.fork(session::run);
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(50);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
