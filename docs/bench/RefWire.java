/**
 * What the benchmark controls beside it ({@link JdkFloorRelay}, {@link FfmFloorRelay}) share with
 * the C reference relay: its wire format (../shared/bench/refproto.h: JOIN 0x01, DATA 0x02, LEAVE
 * 0x03, JOIN_ACK 0x81, each control message the type and an 8-byte peer id) and the constants of its
 * simple mode (refrelay.c: ports from 40000, 64 datagrams per ready socket per turn, 9,216-byte
 * datagrams at most, a stop after 900 s). Not part of chanmux.
 */
final class RefWire {
    static final int PORT_BASE = 40000;
    static final int BATCH_PER_SOCKET = 64;
    static final byte JOIN = 0x01;
    static final byte DATA = 0x02;
    static final byte LEAVE = 0x03;
    static final byte JOIN_ACK = (byte) 0x81;
    static final int CONTROL_BYTES = 9;
    static final int MAX_DATAGRAM = 9216;
    static final long MAX_SECONDS = 900;

    private RefWire() {
    }
}
