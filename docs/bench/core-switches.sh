#!/bin/bash
# Who runs on the relay's core below saturation. Runs the C reference (ref-simple) and one chanmux jar
# (poll-loop engine) in turn, ROUNDS times, at a fixed rate, and records every context switch on cpu0
# (perf's sched:sched_switch tracepoint, cpu0 only) for 3 s of the 8 s window. Relay on cpu0,
# udpload and perf on cpu1 (perf takes a little from udpload, so the p50 and p99 printed are a
# little higher than in a run without it); 4 s warm-up, as run-relative.sh. One benchmark script
# of this folder at a time.
# Usage: BENCH=<path to shared/bench> [RATE=72000] [CH=100 PPC=2] [ROUNDS=1] bash core-switches.sh <jar>
# RATE counts datagrams sent, as alternating.sh's. Needs perf (Debian: linux-perf) and root. Prints,
# per run, p50/p99 and, for the ten tasks that ran longest on cpu0 (the relay's thread, the idle
# task swapper/0, kernel threads, other processes; threads of one name are added together): how
# many times each ran, for how long in all, its longest stretch and how many stretches were over
# 0.5 ms; then how often and for how long at most the relay was taken off the core while it could
# still run (preempted), and perf's warning when it lost events (stretches across a loss merge).
set -u
jar=$(realpath -e "${1:?usage: BENCH=<shared/bench> bash core-switches.sh <chanmux jar>}") || exit 1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/bench-lib.sh"
bench_start core-switches.sh perf
make -s refrelay udpload || exit 1

one() { # name, thread that relays, proto args, relay command...
  local name=$1 relayer=$2 proto=$3; shift 3
  if ! bench_relay_start $work/relay-$name.out "$@"; then
    echo "== $name: the relay did not start: $(tail -1 $work/relay-$name.out)"; return
  fi
  taskset -c 1 ./udpload $proto --channels "${CH:-100}" --ppc "${PPC:-2}" --size 64 --rate "${RATE:-72000}" \
      $fixed_rate_window --server-pid $pid >$work/load-$name.txt 2>&1 &
  local load=$! traced=0
  sleep 7  # udpload's joins and warm-up take 5-6 s: this lands in its window
  taskset -c 1 perf record -m 512 -e sched:sched_switch -C 0 -o $work/switches-$name.data -- sleep 3 \
      >/dev/null 2>$work/perf-$name.txt && traced=1
  wait $load || echo "== $name: udpload failed: $(tail -1 $work/load-$name.txt)"
  bench_relay_stop
  echo "== $name: $(grep -o 'p50_us=[^ ]*\|p99_us=[^ ]*\|relay_us_per_dgram=[^ ]*' $work/load-$name.txt | tr '\n' ' ')"
  if [ $traced = 0 ]; then echo "   perf recorded nothing: $(tail -1 $work/perf-$name.txt)"; return; fi
  perf script -F time,trace -i $work/switches-$name.data 2>$work/script-$name.txt >$work/switches-$name.txt \
      || { echo "   perf script failed: $(tail -1 $work/script-$name.txt)"; return; }
  grep -i 'lost' $work/perf-$name.txt $work/script-$name.txt | sed 's/^[^:]*:/   perf: /'
  awk -v relayer="$relayer" '
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
    END { if (!NR) { print "0\t   no context switch on cpu0 in the trace"; exit }
          for (k in runs) printf "%.1f\t   %-18s ran %6d times, %8.1f ms in all, longest %7.0f us, %4d over 0.5 ms\n",
            total[k], k, runs[k], total[k] / 1e3, longest[k], over[k]
          printf "-1\t   %s preempted %d times, the longest for %.0f us\n", relayer, preemptions, worst }' \
    $work/switches-$name.txt | sort -t"$(printf '\t')" -k1,1 -rn | cut -f2- | awk 'NR <= 10 || /preempted/'
}
for i in $(seq "${ROUNDS:-1}"); do
  one "ref-$i" refrelay "" ./refrelay --mode simple --channels "${CH:-100}"
  one "chanmux-$i" pool0-poll "--proto chanmux --ctrl-port 7700" \
      "$JAVA" --enable-preview $relay_jvm_opts -jar "$jar" $common --udp-engine poll-loop
done
