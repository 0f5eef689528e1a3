package io.chanmux.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.chanmux.protocol.client.ChannelInfo;
import io.chanmux.protocol.client.CreateOptions;
import io.chanmux.protocol.client.PeerHandle;
import io.chanmux.protocol.wire.Datagram;
import io.chanmux.server.channel.RelayCounter;
import io.chanmux.server.config.Settings;
import io.chanmux.server.control.SessionCloseReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded fuzzing on real sockets: tens of thousands of hostile datagrams and control lines, each of
 * which the server must drop, or answer with a small error, while valid traffic beside them loses
 * nothing. The seeds are fixed, so a failure replays exactly.
 *
 * <h2>The hostile suite and its inputs per CI run</h2>
 *
 * Every hostile input the build feeds the server or its codecs, counted from the loops and jqwik
 * {@code tries} in the sources (a jqwik property runs exactly its tries: no filters, no exhaustive
 * generation):
 *
 * <table>
 *   <caption>hostile inputs by test class</caption>
 *   <tr><th>class</th><th>inputs</th><th>what</th></tr>
 *   <tr><td>{@code HostileInputFuzzTest} (this)</td><td>60,020</td><td>50,000 datagrams from 8 sockets; 10,000 control lines over one connection; 20 oversize lines</td></tr>
 *   <tr><td>{@code ControlCodecTest} (protocol)</td><td>20,003</td><td>random bytes into the request decoder; numbers no BigDecimal holds</td></tr>
 *   <tr><td>{@code DatagramParserProperties}</td><td>20,000</td><td>2 × 10,000 tries: random datagrams, mutated DATA</td></tr>
 *   <tr><td>{@code ControlDecoderProperties} (protocol)</td><td>15,000</td><td>5,000 + 5,000 + 3,000 + 2,000 tries: random lines, mutated requests, bad argument values, line framing</td></tr>
 *   <tr><td>{@code DataPlaneHardeningTest}</td><td>3,220</td><td>3,000 stranger datagrams; 200 + 20 over a peer's packet and byte rates</td></tr>
 *   <tr><td>{@code ReturnRoutableBindTest}</td><td>233</td><td>spoofed-source BINDs (the amplification finding), bad and replayed CONFIRMs, a 200-BIND flood from 40 ports, 15 BINDs at one address, DATA before binding and from an old address</td></tr>
 *   <tr><td>{@code ControlHardeningTest}</td><td>≥ 240</td><td>200 unread {@code list}s, 30 requests over the rate, a slowloris, a silent connection, bad credentials, channel limits</td></tr>
 *   <tr><td>{@code ControlProtocolTest}</td><td>19</td><td>17 malformed or mistyped requests, a line that is not UTF-8, an oversize line</td></tr>
 *   <tr><td>{@code HostileDatagramTest}</td><td>8</td><td>one datagram per drop reason, each beside valid traffic</td></tr>
 *   <tr><td><b>total</b></td><td><b>≥ 118,743</b></td><td></td></tr>
 * </table>
 *
 * {@link SecurityFindingsTest} replays each finding of the security review on top of these (a BIND
 * flood of more than 10,000 datagrams from 128 ports, 2,400 unread {@code list}s, up to 160,000
 * pipelined join/leave requests of churn, 198,000 pipelined requests that fill outboxes), not counted above.
 */
@Timeout(120)
class HostileInputFuzzTest {
    private static final long DATAGRAM_SEED = 0x5EED_DA7AL;
    private static final long LINE_SEED = 0x5EED_11E5L;
    private static final int HOSTILE_DATAGRAMS = 50_000;
    /** One valid DATA from alice to bob after every this many hostile datagrams. */
    private static final int HOSTILE_PER_VALID = 20;
    private static final int HOSTILE_SOCKETS = 8;
    /** Datagrams sent before waiting for the relay to have read them all: well within a socket's receive buffer. */
    private static final int BATCH = 64;
    private static final int MAX_DATAGRAM = 1500;
    private static final int HOSTILE_LINES = 10_000;
    private static final int LINES_PER_CHECK = 500;
    private static final int OVERSIZE_LINES = 20;
    /** The longest fuzzed line that is not meant to be oversize: under the 64 KiB limit with room to spare. */
    private static final int MAX_FUZZ_LINE_BYTES = 60_000;
    /**
     * The most an error reply may exceed its request by: the code and a message. Anything the
     * server echoes (an id, an unknown op's name) came from the request, so a reply never grows
     * with what an attacker sends.
     */
    private static final int ERROR_OVERHEAD_BYTES = 400;
    private static final Set<String> ERROR_CODES = Set.of("bad_request", "unknown_op", "not_found", "forbidden");

    /**
     * Check 6 of the review: random types, lengths 0 to 1,600, random peer ids, members' ids with
     * random tokens, BINDs and CONFIRMs with bad cookies, PINGs of the wrong length, from 8 sockets.
     * The only answer any of them may draw is a 21-byte CHALLENGE to a 21-byte BIND that carried a
     * valid token, and every datagram is counted exactly once, while each of alice's DATA reaches
     * bob exactly once.
     */
    @Test
    void shouldAnswerOnlyWithChallengesNoLargerThanTheirBindsWhileAValidStreamLosesNothing() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.MAX_DATAGRAM, MAX_DATAGRAM)
                .set(Settings.PEER_RATE_PPS, 1_000_000).set(Settings.PEER_RATE_BYTES, 1_000_000_000))) {
            ChannelInfo channel = relay.client("owner").create();
            TestPeer alice = relay.client("alice").join(channel.channel());
            TestPeer bob = relay.client("bob").join(channel.channel());
            // Every datagram is counted here: no keepalive PINGs of their own.
            alice.handle().stopKeepalive();
            bob.handle().stopKeepalive();
            // A PONG comes back after everything its peer sent before it (one socket, read in
            // order): no retried BIND or CONFIRM of the joins is still on its way to the relay.
            alice.handle().ping(Duration.ofSeconds(5));
            bob.handle().ping(Duration.ofSeconds(5));
            // Mallory holds a real token, never binds, and sends from everywhere.
            PeerHandle mallory = relay.client("mallory").control().join(channel.channel());
            InetSocketAddress relayPort = alice.handle().relayAddress();
            DatagramChannel bobSocket = nonBlocking(bob.handle().datagramChannel());
            DatagramChannel aliceSocket = nonBlocking(alice.handle().datagramChannel());
            List<DatagramChannel> hostile = new ArrayList<>();
            for (int i = 0; i < HOSTILE_SOCKETS; i++) {
                hostile.add(nonBlocking(DatagramChannel.open()
                        .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))));
            }
            DatagramFuzzer fuzzer = new DatagramFuzzer(new Random(DATAGRAM_SEED),
                    new int[] {alice.id(), bob.id(), mallory.peer()}, mallory.peer(), mallory.token());
            long[] baseline = settledTotals(relay);
            long[] bytesSent = new long[HOSTILE_SOCKETS];
            long[] challengeable = new long[HOSTILE_SOCKETS];
            List<List<byte[]>> answers = new ArrayList<>();
            for (int i = 0; i < HOSTILE_SOCKETS; i++) {
                answers.add(new ArrayList<>());
            }
            List<byte[]> toBob = new ArrayList<>();
            ByteBuffer datagram = ByteBuffer.allocate(1601);
            int valid = 0;
            long sent = 0;

            for (int i = 0; i < HOSTILE_DATAGRAMS; i++) {
                int s = i % HOSTILE_SOCKETS;
                boolean mayDrawChallenge = fuzzer.next(datagram.clear());
                bytesSent[s] += datagram.remaining();
                challengeable[s] += mayDrawChallenge ? 1 : 0;
                assertEquals(datagram.remaining(), hostile.get(s).send(datagram, relayPort));
                sent++;
                if (i % HOSTILE_PER_VALID == 0) {
                    alice.handle().send(("valid-" + valid++).getBytes(StandardCharsets.UTF_8));
                    sent++;
                }
                if (sent % BATCH == 0 || i == HOSTILE_DATAGRAMS - 1) {
                    long expected = sent;
                    awaitFast(() -> delta(relay, baseline, RelayCounter.DATAGRAMS_IN) >= expected);
                    for (int k = 0; k < HOSTILE_SOCKETS; k++) {
                        answers.get(k).addAll(drain(hostile.get(k)));
                    }
                    toBob.addAll(drain(bobSocket));
                }
            }
            int validSent = valid;
            awaitFast(() -> delta(relay, baseline, RelayCounter.FORWARDED) == validSent
                    && drops(relay, baseline) + delta(relay, baseline, RelayCounter.CHALLENGES) == HOSTILE_DATAGRAMS);
            for (int k = 0; k < HOSTILE_SOCKETS; k++) {
                answers.get(k).addAll(drain(hostile.get(k)));
            }
            toBob.addAll(drain(bobSocket));

            assertEquals(sent, delta(relay, baseline, RelayCounter.DATAGRAMS_IN), "the kernel dropped datagrams");
            long challenges = 0;
            for (int k = 0; k < HOSTILE_SOCKETS; k++) {
                long bytesBack = 0;
                for (byte[] answer : answers.get(k)) {
                    assertEquals(Datagram.CHALLENGE, answer[0], "a hostile socket got something other than a CHALLENGE");
                    assertEquals(Datagram.CHALLENGE_BYTES, answer.length);
                    assertTrue(answer.length <= Datagram.BIND_BYTES, "a reply larger than the BIND it answers");
                    assertEquals(mallory.peer(), TestPeer.senderOf(answer));
                    bytesBack += answer.length;
                }
                assertTrue(answers.get(k).size() <= challengeable[k], "socket " + k + " got " + answers.get(k).size()
                        + " CHALLENGEs for " + challengeable[k] + " BINDs that could draw one");
                assertTrue(bytesBack <= bytesSent[k]);
                challenges += answers.get(k).size();
                hostile.get(k).close();
            }
            assertEquals(delta(relay, baseline, RelayCounter.CHALLENGES), challenges);
            assertEquals(0, delta(relay, baseline, RelayCounter.BIND_OK), "BIND_OKs after the baseline");
            assertEquals(0, delta(relay, baseline, RelayCounter.PONGS), "PONGs after the baseline");
            assertNull(relay.server().directory().find(channel.channel()).relay().peers().find(mallory.peer()).address(),
                    "mallory was bound");

            assertEquals(validSent, toBob.size(), "bob lost or gained datagrams");
            for (int n = 0; n < validSent; n++) {
                ByteBuffer expected = Datagram.encodeData(ByteBuffer.allocate(64), alice.id(),
                        ByteBuffer.wrap(("valid-" + n).getBytes(StandardCharsets.UTF_8)));
                assertArrayEquals(Arrays.copyOf(expected.array(), expected.limit()), toBob.get(n), "datagram " + n);
            }
            assertEquals(List.of(), drain(aliceSocket), "something came back to alice");
        }
    }

    /**
     * Hostile control lines over one real connection: malformed JSON, deep nesting, huge numbers,
     * unknown ops, wrong types, values out of range, raw and escaped control characters, invalid
     * UTF-8, duplicate keys, trailing tokens. Each gets exactly one error reply, no larger than the
     * line plus {@link #ERROR_OVERHEAD_BYTES}, and a ping after every hundred still works.
     */
    @Test
    void shouldAnswerEveryHostileControlLineWithOneSmallErrorAndStayUsable() throws Exception {
        try (TestRelay relay = TestRelay.start(b -> b.set(Settings.REQUEST_RATE, 10_000_000));
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), relay.control().getPort())) {
            String keyed = relay.client("owner").control().create(new CreateOptions("keyed", 0, "k3y")).channel();
            ControlLineFuzzer fuzzer = new ControlLineFuzzer(new Random(LINE_SEED), keyed);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());

            for (int sent = 0; sent < HOSTILE_LINES; sent += LINES_PER_CHECK) {
                List<byte[]> lines = new ArrayList<>();
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 0; i < LINES_PER_CHECK; i++) {
                    byte[] line = fuzzer.next();
                    lines.add(line);
                    batch.write(line);
                    batch.write('\n');
                }
                batch.write(("{\"id\":" + sent + ",\"op\":\"ping\"}\n").getBytes(StandardCharsets.UTF_8));
                byte[] bytes = batch.toByteArray();
                // Written beside the reading: a batch may outgrow what the sockets buffer.
                Thread writer = Thread.ofVirtual().start(() -> sendQuietly(out, bytes));

                for (byte[] line : lines) {
                    byte[] reply = readLine(in);
                    JsonNode message = RawControlConnection.parse(new String(reply, StandardCharsets.UTF_8));
                    String shown = new String(line, 0, Math.min(line.length, 200), StandardCharsets.ISO_8859_1);
                    assertFalse(message.path("ok").asBoolean(true), "accepted: " + shown);
                    assertTrue(ERROR_CODES.contains(message.path("error").asText()), message + " for " + shown);
                    assertTrue(reply.length <= line.length + ERROR_OVERHEAD_BYTES,
                            reply.length + "-byte reply to a " + line.length + "-byte line: " + shown);
                }
                writer.join();
                JsonNode ping = RawControlConnection.parse(new String(readLine(in), StandardCharsets.UTF_8));
                assertEquals(sent, ping.path("id").asInt(), "the connection lost its place");
                assertTrue(ping.path("ok").asBoolean());
            }
            assertEquals(0, relay.server().listener().closedBy(SessionCloseReason.LINE_TOO_LONG));
        }
    }

    /**
     * Oversize lines of every shape (plain bytes, deep nesting, a huge number, a huge string):
     * each is answered {@code limit} and closes only its own connection.
     */
    @Test
    void shouldAnswerLimitAndCloseOnlyItsConnectionForEachOversizeLine() throws Exception {
        try (TestRelay relay = TestRelay.start();
             RawControlConnection bystander = new RawControlConnection(relay.control())) {
            Random random = new Random(LINE_SEED);
            for (int i = 0; i < OVERSIZE_LINES; i++) {
                int length = 64 * 1024 + 1 + random.nextInt(4096);
                String line = switch (i % 4) {
                    case 0 -> "x".repeat(length);
                    case 1 -> "[".repeat(length);
                    case 2 -> "{\"id\":" + "9".repeat(length) + ",\"op\":\"ping\"}";
                    default -> "{\"id\":1,\"op\":\"create\",\"name\":\"" + "\\u0001".repeat(length / 6 + 1) + "\"}";
                };
                try (RawControlConnection offender = new RawControlConnection(relay.control())) {
                    offender.sendLine(line);
                    assertEquals("limit", offender.readMessage().path("error").asText());
                    assertNull(offender.readLine(), "the connection stayed open");
                }
                assertTrue(bystander.request("{\"id\":" + i + ",\"op\":\"ping\"}").path("ok").asBoolean());
            }
            assertEquals(OVERSIZE_LINES, relay.server().listener().closedBy(
                    SessionCloseReason.LINE_TOO_LONG));
        }
    }

    // ---- generators ---------------------------------------------------------------------------

    /** Hostile datagrams, from a seeded random source. */
    private static final class DatagramFuzzer {
        private static final byte[] TYPES = {Datagram.BIND, Datagram.DATA, Datagram.PING, Datagram.CONFIRM};
        private final Random random;
        private final int[] members;
        private final int holder;
        private final byte[] holderToken;

        DatagramFuzzer(Random random, int[] members, int holder, byte[] holderToken) {
            this.random = random;
            this.members = members;
            this.holder = holder;
            this.holderToken = holderToken;
        }

        /** Writes the next datagram into {@code out} and flips it; true if it is a BIND that may draw a CHALLENGE. */
        boolean next(ByteBuffer out) {
            int member = members[random.nextInt(members.length)];
            boolean bindWithToken = false;
            switch (random.nextInt(10)) {
                case 0, 1 -> out.put(bytes(random.nextInt(1601))); // any type, any length
                case 2 -> out.put((byte) random.nextInt(256)).putInt(random.nextInt()).put(bytes(random.nextInt(200)));
                case 3 -> Datagram.putHeader(out, TYPES[random.nextInt(TYPES.length)], unknownPeer())
                        .put(bytes(random.nextInt(40)));
                case 4 -> out.put(Datagram.BIND).putInt(member).put(bytes(Datagram.TOKEN_BYTES)); // a wrong token
                case 5 -> out.put(Datagram.CONFIRM).putInt(member).put(bytes(2 * Datagram.TOKEN_BYTES));
                case 6 -> out.put(Datagram.CONFIRM).putInt(holder).put(holderToken).put(bytes(Datagram.COOKIE_BYTES));
                case 7 -> {
                    Datagram.encodeBind(out, holder, holderToken).position(Datagram.BIND_BYTES);
                    bindWithToken = true;
                }
                case 8 -> out.put(Datagram.PING).putInt(member).put(bytes(pingBodyOfAnyLength()));
                default -> {
                    if (random.nextBoolean()) {
                        out.put(Datagram.DATA).putInt(member).put(bytes(random.nextInt(MAX_DATAGRAM)));
                    } else {
                        // The right token at the wrong length.
                        out.put(Datagram.BIND).putInt(holder).put(holderToken).put(bytes(1 + random.nextInt(8)));
                    }
                }
            }
            out.flip();
            return bindWithToken;
        }

        private int unknownPeer() {
            while (true) {
                int peer = random.nextInt();
                if (Arrays.stream(members).noneMatch(m -> m == peer)) {
                    return peer;
                }
            }
        }

        private int pingBodyOfAnyLength() {
            return random.nextInt(4) == 0 ? Datagram.PING_BODY_BYTES : random.nextInt(40);
        }

        private byte[] bytes(int length) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            return bytes;
        }
    }

    /** Hostile control lines (without their newline), each invalid by construction, from a seeded random source. */
    private static final class ControlLineFuzzer {
        private static final String[] TEMPLATES = {
            "{\"id\":7,\"op\":\"x-teleport\",\"channel\":\"9f2c61d0a4b3e871\",\"to\":[1,2,{\"a\":null}]}",
            "{\"id\":\"s-1\",\"op\":\"x-fly\",\"name\":\"room\",\"maxPeers\":8,\"key\":\"k\"}",
            "{\"op\":\"x-nope\",\"id\":12345678901234567890,\"deep\":{\"a\":{\"b\":[true,false,null]}}}",
        };
        private static final String[] OPS = {"hello", "create", "join", "leave", "delete", "list", "stats", "ping",
            "channels", "peers", "kick", "close", "drain"};
        private static final String[] WRONG_VALUES = {"[]", "{}", "true", "[\"a\"]", "{\"x\":1}", "1.5", "-1", "\"\"",
            "\"x\"", "1e999999", "99999999999999999999999999", "-0.0", "[[[[]]]]"};
        private static final String[] NOT_IDS = {"[]", "{}", "true", "false", "null", "[\"a\"]", "{\"x\":1}", "[[[[]]]]"};
        private static final String[] FIELDS = {"client", "auth", "user", "admin", "name", "maxPeers", "key",
            "channel", "limit", "after", "peer"};
        private final Random random;
        private final String keyedChannel;

        ControlLineFuzzer(Random random, String keyedChannel) {
            this.random = random;
            this.keyedChannel = keyedChannel;
        }

        byte[] next() {
            return switch (random.nextInt(12)) {
                case 0 -> randomBytes();
                case 1 -> truncated();
                case 2 -> mutated();
                case 3 -> deeplyNested();
                case 4 -> hugeNumber();
                case 5 -> utf8("{\"id\":" + random.nextInt(1000) + ",\"op\":\"x-" + randomText(1 + random.nextInt(60)) + "\"}");
                case 6 -> wrongType();
                case 7 -> controlCharacters();
                case 8 -> invalidUtf8();
                case 9 -> utf8(random.nextBoolean() ? "{\"id\":1,\"op\":\"ping\",\"op\":\"stats\"}"
                        : "{\"id\":1,\"op\":\"ping\"} " + WRONG_VALUES[random.nextInt(WRONG_VALUES.length)]);
                case 10 -> utf8(WRONG_VALUES[random.nextInt(WRONG_VALUES.length)]); // not an object
                default -> refusedOnPurpose();
            };
        }

        /** Requests whose values are well formed but refused: unknown channels, a missing key, admin ops, ranges. */
        private byte[] refusedOnPurpose() {
            return utf8(switch (random.nextInt(5)) {
                case 0 -> "{\"op\":\"join\",\"channel\":\"" + hex(16) + "\"}";
                case 1 -> "{\"op\":\"join\",\"channel\":\"" + keyedChannel + "\",\"key\":\"" + randomText(8) + "\"}";
                case 2 -> "{\"op\":\"" + new String[] {"channels", "kick", "close", "drain", "peers"}[random.nextInt(5)] + "\"}";
                case 3 -> "{\"op\":\"list\",\"limit\":" + (random.nextBoolean() ? 0 : 201 + random.nextInt(100_000)) + "}";
                default -> "{\"op\":\"create\",\"maxPeers\":" + (random.nextBoolean() ? -random.nextInt(1000) : 257 + random.nextInt(10_000)) + "}";
            });
        }

        private byte[] randomBytes() {
            byte[] line = new byte[1 + random.nextInt(300)];
            random.nextBytes(line);
            for (int i = 0; i < line.length; i++) {
                if (line[i] == '\n') {
                    line[i] = '{';
                }
            }
            // Not blank (the server ignores blank lines), and not "{" ... that could close into an object.
            line[0] = (byte) ('!' + random.nextInt(10));
            return line;
        }

        private byte[] truncated() {
            byte[] whole = utf8(TEMPLATES[random.nextInt(TEMPLATES.length)]);
            return Arrays.copyOf(whole, 1 + random.nextInt(whole.length - 1));
        }

        /** A request with an unknown op and one byte changed: whatever it becomes, it is no valid request. */
        private byte[] mutated() {
            byte[] line = utf8(TEMPLATES[random.nextInt(TEMPLATES.length)]);
            byte replacement = (byte) random.nextInt(256);
            line[random.nextInt(line.length)] = replacement == '\n' ? (byte) '\r' : replacement;
            return line;
        }

        private byte[] deeplyNested() {
            String open = random.nextBoolean() ? "[" : "{\"a\":";
            String close = open.equals("[") ? "]" : "}";
            // Past the parser's nesting limit (1,000), within the line limit.
            int depth = 1_001 + random.nextInt(fuzzLineBytes() / (open.length() + close.length()) - 1_001);
            boolean balanced = random.nextBoolean();
            return utf8("{\"id\":1,\"op\":\"ping\",\"x\":" + open.repeat(depth) + "0"
                    + (balanced ? close.repeat(depth) : "") + "}");
        }

        private byte[] hugeNumber() {
            // Past the parser's number length limit (1,000 digits), within the line limit.
            String digits = "9".repeat(1_001 + random.nextInt(fuzzLineBytes() / 3 - 1_001));
            String exponent = String.valueOf(10_000_000_000L + random.nextLong(Long.MAX_VALUE - 10_000_000_000L));
            return utf8(switch (random.nextInt(4)) {
                case 0 -> "{\"id\":" + digits + ",\"op\":\"ping\"}";
                case 1 -> "{\"id\":1,\"op\":\"create\",\"maxPeers\":" + digits + "}";
                // An exponent no BigDecimal holds, even in a field the server ignores.
                case 2 -> "{\"id\":1,\"op\":\"ping\",\"x\":" + (random.nextBoolean() ? "-" : "") + "1e"
                        + (random.nextBoolean() ? "-" : "") + exponent + "}";
                default -> "{\"id\":1,\"op\":\"kick\",\"channel\":\"x\",\"peer\":-" + digits + "." + digits + "e" + digits + "}";
            });
        }

        private byte[] wrongType() {
            String value = WRONG_VALUES[random.nextInt(WRONG_VALUES.length)];
            if (random.nextInt(4) == 0) {
                String id = NOT_IDS[random.nextInt(NOT_IDS.length)]; // an id is a number or a string
                return utf8("{\"id\":" + id + ",\"op\":\"ping\"}");
            }
            if (random.nextInt(3) == 0) {
                return utf8("{\"id\":1,\"op\":" + value + "}");
            }
            String op = OPS[random.nextInt(OPS.length)];
            String field = FIELDS[random.nextInt(FIELDS.length)];
            String wrong = switch (field) {
                case "maxPeers", "limit", "peer" -> "\"" + randomText(5) + "\"";
                default -> value.startsWith("\"") ? "[" + value + "]" : value;
            };
            // The field twice: its second, mistyped copy is a duplicate key if the first is fine.
            return utf8("{\"id\":1,\"op\":\"" + op + "\",\"" + field + "\":" + wrong + ",\"" + field + "\":" + wrong + "}");
        }

        private byte[] controlCharacters() {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 1 + random.nextInt(64); i++) {
                text.append((char) random.nextInt(0x20));
            }
            String raw = text.toString().replace('\n', '\u0001');
            if (random.nextBoolean()) {
                return utf8("{\"id\":1,\"op\":\"join\",\"channel\":\"" + raw + "\"}"); // unescaped: malformed
            }
            StringBuilder escaped = new StringBuilder();
            for (char c : raw.toCharArray()) {
                escaped.append(String.format("\\u%04x", (int) c));
            }
            return utf8("{\"id\":1,\"op\":\"join\",\"channel\":\"" + escaped + "\"}"); // escaped: no such channel
        }

        private byte[] invalidUtf8() {
            byte[] prefix = utf8("{\"id\":1,\"op\":\"ping\",\"x\":\"");
            byte[] line = Arrays.copyOf(prefix, prefix.length + 4 + random.nextInt(40));
            for (int i = prefix.length; i < line.length - 2; i++) {
                line[i] = (byte) (0x80 + random.nextInt(0x80)); // continuation and lead bytes out of place
            }
            line[prefix.length] = (byte) (0x80 + random.nextInt(0x40)); // a continuation byte with no lead
            line[line.length - 2] = '"';
            line[line.length - 1] = '}';
            return line;
        }

        /** How long a long line may be: mostly a few kilobytes, one in 16 up to the line limit. */
        private int fuzzLineBytes() {
            return random.nextInt(16) == 0 ? MAX_FUZZ_LINE_BYTES : 8_000;
        }

        private String randomText(int length) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < length; i++) {
                int c = random.nextInt(3) == 0 ? 0x80 + random.nextInt(0x2000) : 'a' + random.nextInt(26);
                text.append(c == '"' || c == '\\' ? 'q' : (char) c);
            }
            return text.toString();
        }

        private String hex(int length) {
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < length; i++) {
                hex.append(Character.forDigit(random.nextInt(16), 16));
            }
            return hex.toString();
        }

        private static byte[] utf8(String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Waits with a 1 ms poll, in this thread: the fuzz loops wait hundreds of times. */
    private static void awaitFast(BooleanSupplier condition) {
        await().pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
                .atMost(Duration.ofSeconds(10)).until(condition::getAsBoolean);
    }

    /**
     * The relay's counters once every datagram it has read has its answer (or failed send) or drop
     * counted: a reply's counter moves just after its send, so a client can hold its BIND_OK or PONG
     * before the counter does. Only for a channel that has relayed no DATA yet: each forwarded copy
     * is counted apart.
     */
    private static long[] settledTotals(TestRelay relay) {
        long[][] totals = new long[1][];
        awaitFast(() -> {
            long[] now = relay.server().directory().counterTotals();
            totals[0] = now;
            long answered = now[RelayCounter.CHALLENGES.ordinal()] + now[RelayCounter.BIND_OK.ordinal()]
                    + now[RelayCounter.PONGS.ordinal()] + now[RelayCounter.SEND_ERRORS.ordinal()]
                    + RelayCounter.totalDrops(now);
            return now[RelayCounter.DATAGRAMS_IN.ordinal()] == answered;
        });
        return totals[0];
    }

    private static long delta(TestRelay relay, long[] baseline, RelayCounter counter) {
        return relay.counter(counter) - baseline[counter.ordinal()];
    }

    private static long drops(TestRelay relay, long[] baseline) {
        long[] now = relay.server().directory().counterTotals();
        return RelayCounter.totalDrops(now) - RelayCounter.totalDrops(baseline);
    }

    private static DatagramChannel nonBlocking(DatagramChannel socket) throws IOException {
        socket.configureBlocking(false);
        return socket;
    }

    /** Every datagram waiting on a non-blocking socket. */
    private static List<byte[]> drain(DatagramChannel socket) throws IOException {
        List<byte[]> datagrams = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.allocate(2048);
        while (socket.receive(buffer.clear()) != null) {
            datagrams.add(Arrays.copyOf(buffer.array(), buffer.position()));
        }
        return datagrams;
    }

    private static void sendQuietly(OutputStream out, byte[] bytes) {
        try {
            out.write(bytes);
        } catch (IOException e) {
            // the reading side reports what went wrong
        }
    }

    /** One line the server sent, as bytes without its newline; fails if the server closed. */
    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new AssertionError("the server closed the connection");
            }
            line.write(b);
        }
        return line.toByteArray();
    }
}
