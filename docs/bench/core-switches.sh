#!/bin/bash
# Who runs on the relay's core below saturation. Runs the C reference (ref-simple) and one chanmux jar
# (poll-loop engine) in turn, ROUNDS times, at a fixed rate, and records every context switch on cpu0
# (perf's sched:sched_switch tracepoint, cpu0 only) for 3 s of the 8 s window. Relay on cpu0,
# udpload and perf on cpu1; 4 s warm-up, as run-relative.sh. One run of this script (or
# alternating.sh, tail-episodes.sh) at a time.
# Usage: BENCH=<path to shared/bench> [RATE=72000] [CH=100 PPC=2] [ROUNDS=1] bash core-switches.sh <jar>
# RATE counts datagrams sent, as alternating.sh's. Needs perf (Debian: linux-perf) and root. Prints,
# per run, p50/p99 and, for each task that ran on cpu0 (the relay's thread, the idle task
# swapper/0, kernel threads, other processes): how many times it ran, for how long in all, its
# longest stretch and how many stretches were over 0.5 ms; then how often and for how long at most
# the relay was taken off the core while it could still run (preempted).
set -u
: "${BENCH:?}"
jar=$(realpath -e "${1:?usage: BENCH=<shared/bench> bash core-switches.sh <chanmux jar>}") || exit 1
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
command -v perf >/dev/null || { echo "core-switches.sh: perf is needed (Debian: apt-get install linux-perf)" >&2; exit 1; }
exec 9>/tmp/chanmux-bench.lock
flock -n 9 || { echo "core-switches.sh: another benchmark holds /tmp/chanmux-bench.lock" >&2; exit 1; }
work=$(mktemp -d /tmp/bench-switches.XXXXXX) || exit 1
pid=
cleanup() { [ -n "$pid" ] && kill $pid 2>/dev/null; wait; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
cp -r "$BENCH"/. $work/ && cd $work && make -s refrelay udpload || exit 1
common="--control-port 7700 --bind 127.0.0.1 --udp-ports 40000-40999 --peer-rate-pps 10000000 --peer-rate-bytes 2000000000 --metrics-port -1 --max-sessions 20000 --max-sessions-per-address 0 --udp-rcvbuf 0"

one() { # name, thread that relays, proto args, relay command...
  local name=$1 relayer=$2 proto=$3; shift 3
  taskset -c 0 "$@" >$work/relay-$name.out 2>&1 & pid=$!
  sleep 1.5
  if ! kill -0 $pid 2>/dev/null; then echo "== $name: the relay did not start: $(tail -1 $work/relay-$name.out)"; pid=; return; fi
  taskset -c 1 ./udpload $proto --channels "${CH:-100}" --ppc "${PPC:-2}" --size 64 --rate "${RATE:-72000}" \
      --inflight 0 --burst 1 --duration 8 --warmup 4 --server-pid $pid >$work/load-$name.txt 2>&1 &
  local load=$!
  sleep 7  # udpload's joins and warm-up take 5-6 s: this lands in its window
  taskset -c 1 perf record -q -e sched:sched_switch -C 0 -o $work/switches-$name.data -- sleep 3 >/dev/null 2>&1
  wait $load
  kill $pid 2>/dev/null; wait $pid 2>/dev/null; pid=
  echo "== $name: $(grep -o 'p50_us=[^ ]*\|p99_us=[^ ]*\|relay_us_per_dgram=[^ ]*' $work/load-$name.txt | tr '\n' ' ')"
  perf script -F time,trace -i $work/switches-$name.data 2>/dev/null | awk -v relayer="$relayer" '
    function field(key, end,   from) { from = index($0, key "=") + length(key) + 1
      return substr($0, from, index($0, end) - from) }
    { t = $1 + 0; prev = field("prev_comm", " prev_pid="); state = field("prev_state", " ==> ")
      nxt = field("next_comm", " next_pid=")
      if (running != "") { d = (t - since) * 1e6; runs[running]++; total[running] += d
        if (d > longest[running]) longest[running] = d; if (d > 500) over[running]++ }
      if (prev == relayer && state ~ /^R/) preempted_at = t
      if (nxt == relayer && preempted_at) { d = (t - preempted_at) * 1e6; preemptions++
        if (d > worst) worst = d; preempted_at = 0 }
      running = nxt; since = t }
    END { for (k in runs) printf "%.1f\t   %-18s ran %6d times, %8.1f ms in all, longest %7.0f us, %4d over 0.5 ms\n",
            total[k], k, runs[k], total[k] / 1e3, longest[k], over[k]
          printf "-1\t   %s preempted %d times, the longest for %.0f us\n", relayer, preemptions, worst }' \
    | sort -t"$(printf '\t')" -k1,1 -rn | cut -f2- | awk 'NR <= 10 || /preempted/'
}
for i in $(seq "${ROUNDS:-1}"); do
  one "ref-$i" refrelay "" ./refrelay --mode simple --channels "${CH:-100}"
  one "chanmux-$i" pool0-poll "--proto chanmux --ctrl-port 7700" \
      "$JAVA" --enable-preview -Xmn32m -XX:AutoBoxCacheMax=65535 -jar "$jar" $common --udp-engine poll-loop
done
