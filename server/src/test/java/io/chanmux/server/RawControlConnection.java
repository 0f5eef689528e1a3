package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A control connection that writes raw bytes, for feeding the server malformed input. */
final class RawControlConnection implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final Socket socket;
    private final OutputStream out;
    private final BufferedReader in;

    RawControlConnection(InetSocketAddress address) throws IOException {
        this(new Socket(address.getAddress(), address.getPort()));
    }

    /** Lines over a socket that is already connected: TLS, say. */
    RawControlConnection(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        out = socket.getOutputStream();
        in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    Socket socket() {
        return socket;
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    void sendLine(String line) throws IOException {
        send((line + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The next line the server sent, parsed; null when the server closed the connection. */
    JsonNode readMessage() throws IOException {
        String line = readLine();
        return line == null ? null : JSON.readTree(line);
    }

    /** The next line the server sent, as sent (without its newline); null when the server closed the connection. */
    String readLine() throws IOException {
        return in.readLine();
    }

    /** Parses a line {@link #readLine} returned. */
    static JsonNode parse(String line) throws IOException {
        return JSON.readTree(line);
    }

    /** Sends one line and reads the next message. */
    JsonNode request(String line) throws IOException {
        sendLine(line);
        return readMessage();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
