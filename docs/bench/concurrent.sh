#!/bin/bash
# The C reference (ref-simple) and a chanmux jar (poll-loop engine) relaying at the same time, both
# on cpu0, each driven by its own udpload on cpu1 at RATE datagrams/s, REPS rounds. Taken in the
# same seconds on the same core, the two runs meet the same steal, halts and other tasks: what
# separates their latencies is the relays, not the hour. The price: each relay gets half of a load
# the machine can drive (two generators share cpu1), and the two contend for cpu0.
# Usage: BENCH=<path to shared/bench> RATE=N [REPS=10] [CH=100 PPC=2] [RT_PRIO=N] [SERVER_ARGS=...]
#        bash concurrent.sh JAR
#        ... bash concurrent.sh ref
#   RATE=N     datagrams/s each udpload sends (in fan-out each is delivered PPC-1 times); for the
#              comparison at 40 %, half of run-relative.sh's phase 2 rate; 4 s warm-up, 8 s window.
#   ref        in place of a jar: a second reference beside the first (an A/A run), which shows how
#              far two identical relays' figures differ in the same seconds: this method's own noise.
#   RT_PRIO=N  relays and udploads under chrt -r N, as alternating.sh's.
#   SERVER_ARGS="..."  more chanmux arguments, e.g. --poll-loop-busy-poll 0.
# Prints one line per relay and round, then the median over the rounds of the second relay's ratios
# to the reference's (delivered/s, CPU per delivered datagram, p50, p99), the lowest and highest p99
# ratio, and in how many rounds its p99 was the lower.
set -u
here=$(dirname "$(realpath "$0")")
source "$here/bench-lib.sh"
second=${1:?usage: BENCH=... RATE=N bash concurrent.sh JAR|ref}
[ "$second" = ref ] || second=$(realpath -e "$second") || exit 1
[[ ${RATE:-} =~ ^[1-9][0-9]*$ ]] || { echo "concurrent.sh: RATE must be a fixed rate of 1 or more datagrams/s" >&2; exit 1; }
bench_start concurrent.sh
make -s refrelay udpload || exit 1
rt=()
[ -n "${RT_PRIO:-}" ] && bench_rt concurrent.sh "$RT_PRIO"
shape="--channels ${CH:-100} --ppc ${PPC:-2} --size 64 --rate $RATE --inflight 0 --burst 1 --duration 8 --warmup 4"
# The first reference keeps the usual ports (40000 + channel); the second relay uses others.
if [ "$second" = ref ]; then
  second_name=ref_b second_proto="--port-base 42000"
  second_cmd=(./refrelay --mode simple --channels "${CH:-100}" --port-base 42000)
else
  second_name=main second_proto="--proto chanmux --ctrl-port 7700"
  second_cmd=("$JAVA" --enable-preview -Xmn32m -XX:AutoBoxCacheMax=65535 -jar "$second"
              ${common/40000-40999/42000-42999} --udp-engine poll-loop ${SERVER_ARGS:-})
fi
load() { # name, pid, udpload's protocol arguments: one udpload in the background, bounded
  timeout -k 5 60 taskset -c 1 "${rt[@]}" ./udpload $3 $shape --server-pid "$2" >"$work/$1.txt" 2>&1 \
      || echo "concurrent.sh: $1: udpload ended with status $?" >&2
}
figures() { # name
  echo "$1 $(grep -o 'delivered_pps=[^ ]*\|p50_us=[^ ]*\|p99_us=[^ ]*\|relay_cpu=[^ ]*\|relay_us_per_dgram=[^ ]*\|gen_cpu=[^ ]*\|steal_pct=[^ ]*' "$work/$1.txt" | tr '\n' ' ')" \
      | tee -a "$work/runs.txt"
}
for i in $(seq "${REPS:-10}"); do
  bench_relay_start "$work/ref.out" "${rt[@]}" ./refrelay --mode simple --channels "${CH:-100}" \
      || { echo "concurrent.sh: the reference did not start: $(tail -1 "$work/ref.out")" >&2; exit 1; }
  ref_pid=$pid
  bench_relay_start "$work/second.out" "${rt[@]}" "${second_cmd[@]}" \
      || { echo "concurrent.sh: $second_name did not start: $(tail -1 "$work/second.out")" >&2; exit 1; }
  second_pid=$pid
  # Which generator starts first alternates, so that neither relay is always a moment ahead.
  if (( i % 2 )); then
    load ref "$ref_pid" "" & gen_a=$!; load "$second_name" "$second_pid" "$second_proto" & gen_b=$!
  else
    load "$second_name" "$second_pid" "$second_proto" & gen_a=$!; load ref "$ref_pid" "" & gen_b=$!
  fi
  wait "$gen_a" "$gen_b"
  bench_relay_stop
  pid=$ref_pid; bench_relay_stop
  figures ref; figures "$second_name"
done
awk '{ delete v; for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
       if ($1 == "ref") { delete ref; for (k in v) ref[k] = v[k]; next }
       if (!(v["delivered_pps"] > 0 && ref["delivered_pps"] > 0 && ref["p99_us"] > 0)) { print "a run delivered nothing, round left out"; next }
       n++; d[n] = v["delivered_pps"] / ref["delivered_pps"]; u[n] = v["relay_us_per_dgram"] / ref["relay_us_per_dgram"]
       q[n] = v["p50_us"] / ref["p50_us"]; p[n] = v["p99_us"] / ref["p99_us"]; name = $1
       if (p[n] < 1) lower++; if (n == 1 || p[n] < lo) lo = p[n]; if (n == 1 || p[n] > hi) hi = p[n] }
     function median(a, count,   i, j, t, s) {
       for (i = 1; i <= count; i++) s[i] = a[i]
       for (i = 2; i <= count; i++) for (j = i; j > 1 && s[j-1] > s[j]; j--) { t = s[j]; s[j] = s[j-1]; s[j-1] = t }
       return count % 2 ? s[(count + 1) / 2] : (s[count / 2] + s[count / 2 + 1]) / 2 }
     END { if (n) printf "%s over ref in the same seconds, median of %d rounds: delivered %.2fx, CPU per datagram %.2fx, p50 %.2fx, p99 %.2fx (rounds %.2f-%.2fx; lower in %d of %d)\n",
             name, n, median(d, n), median(u, n), median(q, n), median(p, n), lo, hi, lower + 0, n }' "$work/runs.txt"
