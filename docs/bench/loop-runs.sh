#!/bin/bash
# How long each relay's loop thread stays on its core once woken, over 7 s of udpload's window, at
# a fixed rate. Runs the C reference (ref-simple), the FFM floor (FfmFloorRelay.java) and one
# chanmux jar (poll-loop engine) in turn, ROUNDS times, each with a bpftrace program that follows
# the scheduler's switches: every run of the loop thread (woken to asleep or preempted) goes into
# a histogram, so a loop that stays awake longer per wake-up, which holds back the datagrams that
# arrive meanwhile, shows as a larger share of long runs. It also counts what preempted the loop,
# and how much CPU the relay's other threads took on its core. Relay on cpu0, udpload and bpftrace
# on cpu1; 4 s warm-up, 8 s window, of which the probe records the 7 s from 5 s after it attached.
# bpftrace's own cost (a probe per context switch) is the same for every relay, and makes each p99
# a little higher than without it.
# Usage: BENCH=<path to shared/bench> [RATE=160000] [CH=100 PPC=2] [ROUNDS=1] [SERVER_ARGS=...]
#        bash loop-runs.sh <chanmux jar>
# RATE counts datagrams sent, as alternating.sh's. Needs root and bpftrace (Debian: apt-get install
# bpftrace); mounts tracefs where it is not. Prints, per run: udpload's figures, then the loop's runs:
# how many, and the share at or over 100, 200, 300 and 500 us; its preemptions; the other threads'
# CPU on its core.
set -u
jar=$(realpath -e "${1:?usage: BENCH=<shared/bench> bash loop-runs.sh <chanmux jar>}") || exit 1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/bench-lib.sh"
bench_start_traced loop-runs.sh

cat > "$work/loop-runs.bt" <<'EOF'
// $1: the relay's pid; $2: its loop thread's name. Records from 5 s to 12 s after it attaches,
// inside udpload's window (udpload starts within a second of the attach, then warms up for 4 s).
BEGIN { @start = nsecs; }
tracepoint:sched:sched_switch
{
  $t = nsecs - @start;
  if ($t > 5000000000 && $t < 12000000000 && @in[args->prev_pid]) {
    $us = (nsecs - @in[args->prev_pid]) / 1000;
    if (pid == $1 && args->prev_comm == str($2)) {
      @loop_run_us = lhist($us, 0, 1000, 50);
      // Still runnable as it leaves its core: preempted. The tracepoint reports a preemption
      // inside the kernel as 0x100 ("R+") on recent kernels, one at the return to user space as 0.
      if ((args->prev_state & 0xff) == 0) { @loop_preempted_by[args->next_comm] = count(); }
    } else if (pid == $1) {
      @other_threads_us[args->prev_comm] = sum($us);
    }
  }
  @in[args->next_pid] = nsecs;
}
interval:s:13 { exit(); }
END { clear(@in); clear(@start); }
EOF

one() { # name, loop thread name, proto args, relay command...
  local name=$1 loop=$2 proto=$3; shift 3
  bench_traced_relay "$name" "$work/loop-runs.bt" "$loop" "$@" || return
  bench_traced_load loop-runs.sh "$name" "$proto" 160000
  awk '/^@loop_run_us:/ { f = 1; next } /^@/ { f = 0 }
       f && /^\[/ { lo = substr($1, 2) + 0; n = $3; t += n
                    if (lo >= 100) a += n; if (lo >= 200) b += n; if (lo >= 300) c += n; if (lo >= 500) d += n }
       END { if (t) printf "  loop runs %d: >= 100 us %.2f %%, >= 200 us %.2f %%, >= 300 us %.3f %%, >= 500 us %.3f %%\n",
                           t, 100 * a / t, 100 * b / t, 100 * c / t, 100 * d / t
             else print "  loop runs: none recorded" }' "$work/bt.txt"
  awk -F'[][]' '/^@loop_preempted_by/ { split($3, v, ": "); s = s sprintf(" %s %s,", $2, v[2]) }
       END { print "  preempted by:" (s == "" ? " nothing" : s) }' "$work/bt.txt"
  awk -F'[][]' '/^@other_threads_us/ { split($3, v, ": "); s = s sprintf(" %s %.1f ms,", $2, v[2] / 1000) }
       END { print "  other threads of the relay:" (s == "" ? " none ran" : s) }' "$work/bt.txt"
}

for i in $(seq "${ROUNDS:-1}"); do
  one ref refrelay "" ./refrelay --mode simple --channels "${CH:-100}"
  one ffm_floor java "" "$JAVA" $relay_jvm_opts --enable-native-access=ALL-UNNAMED \
      --add-exports java.base/sun.nio.ch=ALL-UNNAMED -cp "$work/floor" FfmFloorRelay "${CH:-100}" epoll
  one chanmux pool0-poll "--proto chanmux --ctrl-port 7700" "$JAVA" --enable-preview $relay_jvm_opts \
      -jar "$jar" $common --udp-engine poll-loop ${SERVER_ARGS:-}
done
