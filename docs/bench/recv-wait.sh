#!/bin/bash
# How long each datagram took to reach the relay's loop, from udpload's own send timestamp to the
# relay's receive call returning it, at a fixed rate: where the tail of udpload's latency is made.
# Runs the C reference (ref-simple), the FFM floor (FfmFloorRelay.java) and one chanmux jar
# (poll-loop engine) in turn, ROUNDS times, each with a bpftrace program on the relay's recvfrom
# and recvmmsg calls: for every DATA datagram returned, it reads udpload's CLOCK_MONOTONIC send
# timestamp from the datagram in the relay's own buffer and puts the time since into a histogram.
# udpload timestamps a datagram just before its sendto, and on loopback that call queues it in the
# relay's socket, so the figure is the datagram's wait in the relay's socket plus the relay's wake-up.
# It also counts the loop's sleeps of 500 us or more: at these rates a datagram is due every few
# tens of us, so in each nothing woke the loop for that long (udpload paused, or a wake-up came late).
# Relay on cpu0, udpload and bpftrace on cpu1; 4 s warm-up, 8 s window, of which the probe records
# the 7 s from 5 s after it attached. The probe's cost is the same for every relay.
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
bench_start recv-wait.sh bpftrace
bench_tracepoints recv-wait.sh
make -s refrelay udpload || exit 1
"$JDK/bin/javac" -Xlint:-restricted --add-exports java.base/sun.nio.ch=ALL-UNNAMED -d "$work/floor" \
    "$here/FfmFloorRelay.java" "$here/RefWire.java" || exit 1

# Where udpload's send timestamp sits in a DATA datagram: its body (../shared/bench/proto.h, struct
# ul_body: magic, sender, seq, then ts_ns at 16) follows the wire's header, 1 byte on the
# reference's wire (0x02) and 5 on chanmux's (0x02, then the peer id).
ref_stamp=$((1 + 16))
chanmux_stamp=$((5 + 16))

cat > "$work/recv-wait.bt" <<'EOF_BT'
// $1: the relay's pid; $2: where udpload's send timestamp sits in a DATA datagram (first byte 2).
// Records from 5 s to 12 s after it attaches, inside udpload's window.
BEGIN { @start = nsecs; }
tracepoint:syscalls:sys_enter_recvfrom / pid == $1 / { @buf[tid] = (uint64)args->ubuf; @loop = tid; }
tracepoint:syscalls:sys_exit_recvfrom / pid == $1 && @buf[tid] != 0 /
{
  $r = args->ret;
  $t = nsecs - @start;
  $b = @buf[tid];
  delete(@buf[tid]);
  if ($t > 5000000000 && $t < 12000000000 && $r >= $2 + 8 && *(uint8 *)uptr($b) == 2) {
    @recv_wait_us = lhist((nsecs - *(uint64 *)uptr($b + $2)) / 1000, 0, 2000, 50);
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
    // struct mmsghdr is 64 bytes: msg_iov at 16, msg_len at 56; each message has one iovec.
    unroll(32) {
      if ($i < $n) {
        $m = $v + (uint64)$i * 64;
        $len = *(uint32 *)uptr($m + 56);
        $base = *(uint64 *)uptr(*(uint64 *)uptr($m + 16));
        if ($len >= (uint32)($2 + 8) && *(uint8 *)uptr($base) == 2) {
          @recv_wait_us = lhist(($now - *(uint64 *)uptr($base + $2)) / 1000, 0, 2000, 50);
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
  if ! bench_relay_start "$work/relay.out" "$@"; then
    echo "$name: the relay did not start: $(tail -1 "$work/relay.out")"; return
  fi
  taskset -c 1 bpftrace "$work/recv-wait.bt" "$pid" "$stamp" >"$work/bt.txt" 2>&1 &
  local tracer=$!
  for _ in $(seq 100); do grep -q '^Attaching' "$work/bt.txt" && break; sleep 0.1; done
  if ! grep -q '^Attaching' "$work/bt.txt" || ! kill -0 "$tracer" 2>/dev/null; then
    echo "$name: bpftrace did not attach: $(grep ERROR "$work/bt.txt" | tail -1)"; bench_relay_stop; return
  fi
  taskset -c 1 ./udpload $proto --channels "${CH:-100}" --ppc "${PPC:-2}" --size 64 --rate "${RATE:-60000}" \
      $fixed_rate_window --server-pid "$pid" >"$work/load.txt" 2>&1 \
      || echo "recv-wait.sh: $name: udpload ended with status $?" >&2
  wait "$tracer"
  bench_relay_stop
  echo "$name $(bench_figures "$work/load.txt")"
  awk '/^@recv_wait_us:/ { f = 1; next } /^@/ { f = 0 }
       f && /^\[/ { lo = substr($1, 2) + 0; n = $3; t += n
                    if (lo >= 100) a += n; if (lo >= 200) b += n; if (lo >= 500) c += n; if (lo >= 1000) d += n }
       /^@long_sleeps:/ { p = $2 }
       END { if (t) printf "  received %d: waited >= 100 us %.3f %%, >= 200 us %.3f %%, >= 500 us %.3f %%, >= 1 ms %.3f %%; loop asleep >= 500 us %d times\n",
                           t, 100 * a / t, 100 * b / t, 100 * c / t, 100 * d / t, p
             else print "  received: none recorded" }' "$work/bt.txt"
}

for i in $(seq "${ROUNDS:-1}"); do
  one ref "$ref_stamp" "" ./refrelay --mode simple --channels "${CH:-100}"
  one ffm_floor "$ref_stamp" "" "$JAVA" $relay_jvm_opts --enable-native-access=ALL-UNNAMED \
      --add-exports java.base/sun.nio.ch=ALL-UNNAMED -cp "$work/floor" FfmFloorRelay "${CH:-100}" epoll
  one chanmux "$chanmux_stamp" "--proto chanmux --ctrl-port 7700" "$JAVA" --enable-preview $relay_jvm_opts \
      -jar "$jar" $common --udp-engine poll-loop ${SERVER_ARGS:-}
done
