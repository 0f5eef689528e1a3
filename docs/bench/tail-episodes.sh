#!/bin/bash
# The tail below saturation, datagram by datagram. Runs the C reference (ref-simple) and one chanmux
# jar (poll-loop engine) in turn, ROUNDS times, at a fixed rate, with a copy of udpload patched to
# write down every datagram of the window slower than 300 us (udpload-slow-datagrams.patch), while
# the CPU of every relay thread but the one that relays is sampled every 10 ms from /proc.
# Relay on cpu0, udpload and the sampler on cpu1 (the sampler reads one thread of the reference but
# twenty or so of the JVM, so it takes a little more from the generator in chanmux's runs); 4 s
# warm-up, 8 s window, as run-relative.sh. One benchmark script of this folder at a time.
# Usage: BENCH=<path to shared/bench> [RATE=40000] [CH=100 PPC=2] [ROUNDS=1] bash tail-episodes.sh <jar>
# RATE counts datagrams sent, as alternating.sh's. Needs gcc, make, git (to apply the patch) and
# python3 (the sampler). Prints, per run:
#   - p99 and how many datagrams took over 300 us, by latency (0.3-0.5, 0.5-1, 1-2, over 2 ms);
#   - how many of those were sent within 25 ms before or 5 ms after another relay thread ran for
#     0.2 ms or more in a 10 ms sample (JIT compilers, carriers), by thread;
#   - the largest episodes: slow datagrams sent less than 2 ms apart.
set -u
jar=$(realpath -e "${1:?usage: BENCH=<shared/bench> bash tail-episodes.sh <chanmux jar>}") || exit 1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/bench-lib.sh"
bench_start tail-episodes.sh python3 git
git apply "$here/udpload-slow-datagrams.patch" && make -s refrelay udpload || exit 1

cat > $work/sampler.py <<'EOF'
# Every 10 ms: each thread of the relay but the one named on the command line that ran 0.2 ms or
# more since the last sample, as "CLOCK_MONOTONIC-ns thread-name ms".
import os, sys, time
pid, skip, out = sys.argv[1], sys.argv[2], open(sys.argv[3], 'w', buffering=1)
last = {}
while os.path.exists(f'/proc/{pid}'):
    now = time.monotonic_ns()
    for tid in os.listdir(f'/proc/{pid}/task'):
        try:
            with open(f'/proc/{pid}/task/{tid}/comm') as f: name = f.read().strip().replace(' ', '_')
            with open(f'/proc/{pid}/task/{tid}/schedstat') as f: ran = int(f.read().split()[0])
        except (OSError, ValueError):
            continue
        if name != skip and ran - last.get(tid, ran) >= 200_000:
            out.write(f'{now} {name} {(ran - last[tid]) / 1e6:.2f}\n')
        last[tid] = ran
    time.sleep(0.01)
EOF

one() { # name, thread that relays, proto args, relay command...
  local name=$1 relayer=$2 proto=$3; shift 3
  if ! bench_relay_start $work/relay-$name.out "$@"; then
    echo "== $name: the relay did not start: $(tail -1 $work/relay-$name.out)"; return
  fi
  taskset -c 1 python3 $work/sampler.py $pid "$relayer" $work/threads-$name.txt &
  UL_SLOW=$work/slow-$name.txt taskset -c 1 ./udpload $proto --channels "${CH:-100}" --ppc "${PPC:-2}" --size 64 \
      --rate "${RATE:-40000}" $fixed_rate_window --server-pid $pid >$work/load-$name.txt 2>&1
  bench_relay_stop; wait  # and the sampler, which ends with the relay
  echo "== $name: $(grep -o 'p99_us=[^ ]*\|relay_us_per_dgram=[^ ]*' $work/load-$name.txt | tr '\n' ' ')"
  awk -v start="$(awk '/^# window start/ { print $4 }' $work/slow-$name.txt)" '
    FILENAME == ARGV[1] { t = ($1 - start) / 1e6; if (t > -100 && t < 8100) { n++; at[n] = t; who[n] = $2 } next }
    /^# dropped/ { dropped = $3 }
    /^#/ { next }
    { slow++; lat = $2 / 1e6
      band[lat < 0.5 ? "0.3-0.5" : lat < 1 ? "0.5-1" : lat < 2 ? "1-2" : ">2"]++
      sent = $1 / 1e6; near = "none"
      for (i = 1; i <= n; i++) if (sent >= at[i] - 25 && sent <= at[i] + 5) { near = who[i]; break }
      by[near]++ }
    END {
      printf "   over 300 us: %d (ms: 0.3-0.5 %d, 0.5-1 %d, 1-2 %d, >2 %d)%s\n", slow, band["0.3-0.5"], band["0.5-1"], band["1-2"], band[">2"],
             dropped ? sprintf("; %d more not written down (the patch keeps 400,000)", dropped) : ""
      printf "   sent from 25 ms before to 5 ms after another relay thread ran:"; for (k in by) printf " %s %d", k, by[k]; print "" }
  ' $work/threads-$name.txt $work/slow-$name.txt
  grep -v '^#' $work/slow-$name.txt | sort -n | awk '
    { if (NR > 1 && $1 - last > 2000000) { report(); count = 0; worst = 0 }
      if (count == 0) first = $1; count++; last = $1; if ($2 > worst) worst = $2 }
    function report() { printf "%d %.1f %.2f %.2f\n", count, first / 1e6, (last - first) / 1e6, worst / 1e6 }
    END { if (NR) report() }' | sort -rn | head -5 \
    | awk '{ printf "   episode at %7.1f ms: %5d slow datagrams over %6.2f ms, worst %5.2f ms\n", $2, $1, $3, $4 }'
}
for i in $(seq "${ROUNDS:-1}"); do
  one "ref-$i" refrelay "" ./refrelay --mode simple --channels "${CH:-100}"
  one "chanmux-$i" pool0-poll "--proto chanmux --ctrl-port 7700" \
      "$JAVA" --enable-preview $relay_jvm_opts -jar "$jar" $common --udp-engine poll-loop
done
