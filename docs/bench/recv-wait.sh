#!/bin/bash
# How long each datagram took to reach the relay's loop, from udpload's own send timestamp to the
# relay's receive call returning it, at a fixed rate: where the tail of udpload's latency is made.
# Runs the C reference (ref-simple), the FFM floor (FfmFloorRelay.java) and one chanmux jar
# (poll-loop engine) in turn, ROUNDS times, each with a bpftrace program on the relay's recvfrom
# and recvmmsg calls: for every DATA datagram returned, it reads udpload's CLOCK_MONOTONIC send
# timestamp from the datagram in the relay's own buffer and puts the time since into a histogram.
# udpload timestamps a datagram just before its sendto, and on loopback that call queues it in the
# relay's socket, so the figure is the datagram's time in the relay's socket: while the relay
# slept, waited for its core, or worked on earlier datagrams. It also counts the loop's sleeps of
# 500 us or more: at these rates a datagram is due every few tens of us, so in each nothing woke
# the loop for that long (udpload paused, or a wake-up came late).
# Relay on cpu0, udpload and bpftrace on cpu1; 4 s warm-up, 8 s window, of which the probe records
# the 7 s from 5 s after it attached. The probe runs in the relay's thread, once per receive call:
# about once per datagram for the reference and the floor, less often for chanmux (recvmmsg).
# Usage: BENCH=<path to shared/bench> [RATE=60000] [CH=100 PPC=2] [ROUNDS=1] [SERVER_ARGS=...]
#        bash recv-wait.sh <chanmux jar>
# RATE counts datagrams sent, as alternating.sh's. Needs root and bpftrace (Debian: apt-get install
# bpftrace); mounts tracefs where it is not. Linux x86-64 (the mmsghdr layout below is its).
# Prints, per run: udpload's figures; how many datagrams the relay received in the 7 s and the
# share that waited 100, 200, 500 us and 1 ms or more; the loop's long sleeps.
set -u
jar=$(realpath -e "${1:?usage: BENCH=<shared/bench> bash recv-wait.sh <chanmux jar>}") || exit 1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/bench-lib.sh"
bench_start_traced recv-wait.sh

# Where udpload's send timestamp sits in a DATA datagram: its body (../shared/bench/proto.h, struct
# ul_body: magic, sender, seq, then ts_ns at 16) follows the wire's header, 1 byte on the
# reference's wire (0x02) and 5 on chanmux's (0x02, then the peer id).
ref_stamp=$((1 + 16))
chanmux_stamp=$((5 + 16))

cat > "$work/recv-wait.bt" <<'EOF_BT'
// $1: the relay's pid; $2: where udpload's send timestamp sits in a DATA datagram (first byte 2),
// 16 bytes after its body's magic. Records from 5 s to 12 s after it attaches, inside udpload's
// window. A datagram counts only with the magic in place and a timestamp not later than now.
BEGIN { @start = nsecs; }
tracepoint:syscalls:sys_enter_recvfrom / pid == $1 / { @buf[tid] = (uint64)args->ubuf; @loop = tid; }
tracepoint:syscalls:sys_exit_recvfrom / pid == $1 && @buf[tid] != 0 /
{
  $r = args->ret;
  $t = nsecs - @start;
  $b = @buf[tid];
  delete(@buf[tid]);
  if ($t > 5000000000 && $t < 12000000000 && $r >= $2 + 8 && *(uint8 *)uptr($b) == 2
      && *(uint32 *)uptr($b + $2 - 16) == 0x314c4455) {
    $now = nsecs;
    $sent = *(uint64 *)uptr($b + $2);
    if ($sent != 0 && $sent <= $now) { @recv_wait_us = lhist(($now - $sent) / 1000, 0, 2000, 50); }
  }
}
tracepoint:syscalls:sys_enter_recvmmsg / pid == $1 / { @vec[tid] = (uint64)args->mmsg; @loop = tid; }
tracepoint:syscalls:sys_exit_recvmmsg / pid == $1 && @vec[tid] != 0 /
{
  $n = args->ret;
  $t = nsecs - @start;
  $v = @vec[tid];
  delete(@vec[tid]);
  if ($t > 5000000000 && $t < 12000000000 && $n > 0) {
    $now = nsecs;
    $i = 0;
    // struct mmsghdr is 64 bytes: msg_iov at 16, msg_len at 56; each message has one iovec. 32 is
    // chanmux's batch (RecvmmsgVector.CAPACITY); datagrams of a larger batch are counted as missed.
    if ($n > 32) { @missed = sum($n - 32); }
    unroll(32) {
      if ($i < $n) {
        $m = $v + (uint64)$i * 64;
        $len = *(uint32 *)uptr($m + 56);
        $base = *(uint64 *)uptr(*(uint64 *)uptr($m + 16));
        if ($len >= (uint32)($2 + 8) && *(uint8 *)uptr($base) == 2
            && *(uint32 *)uptr($base + $2 - 16) == 0x314c4455) {
          $sent = *(uint64 *)uptr($base + $2);
          if ($sent != 0 && $sent <= $now) { @recv_wait_us = lhist(($now - $sent) / 1000, 0, 2000, 50); }
        }
      }
      $i++;
    }
  }
}
tracepoint:sched:sched_switch / args->prev_pid == @loop && (args->prev_state & 0xff) != 0 / { @slept = nsecs; }
tracepoint:sched:sched_wakeup / args->pid == @loop && @slept != 0 /
{
  $t = nsecs - @start;
  if ($t > 5000000000 && $t < 12000000000 && nsecs - @slept >= 500000) { @long_sleeps = count(); }
  @slept = 0;
}
interval:s:13 { exit(); }
END { clear(@buf); clear(@vec); clear(@start); clear(@loop); clear(@slept); }
EOF_BT

one() { # name, timestamp offset, proto args, relay command...
  local name=$1 stamp=$2 proto=$3; shift 3
  bench_traced_relay "$name" "$work/recv-wait.bt" "$stamp" "$@" || return
  bench_traced_load recv-wait.sh "$name" "$proto" 60000
  awk '/^@recv_wait_us:/ { f = 1; next } /^@/ { f = 0 }
       f && /^\[/ { lo = substr($1, 2) + 0; n = $3; t += n
                    if (lo >= 100) a += n; if (lo >= 200) b += n; if (lo >= 500) c += n; if (lo >= 1000) d += n }
       /^@long_sleeps:/ { p = $2 }
       /^@missed:/ { m = $2 }
       END { if (t) printf "  received %d: waited >= 100 us %.3f %%, >= 200 us %.3f %%, >= 500 us %.3f %%, >= 1 ms %.3f %%; loop asleep >= 500 us %d times\n",
                           t, 100 * a / t, 100 * b / t, 100 * c / t, 100 * d / t, p
             else print "  received: none recorded"
             if (m) printf "  %d datagrams came in receive calls of more than 32 and were not looked at\n", m }' "$work/bt.txt"
}

for i in $(seq "${ROUNDS:-1}"); do
  one ref "$ref_stamp" "" ./refrelay --mode simple --channels "${CH:-100}"
  one ffm_floor "$ref_stamp" "" "$JAVA" $relay_jvm_opts --enable-native-access=ALL-UNNAMED \
      --add-exports java.base/sun.nio.ch=ALL-UNNAMED -cp "$work/floor" FfmFloorRelay "${CH:-100}" epoll
  one chanmux "$chanmux_stamp" "--proto chanmux --ctrl-port 7700" "$JAVA" --enable-preview $relay_jvm_opts \
      -jar "$jar" $common --udp-engine poll-loop ${SERVER_ARGS:-}
done
