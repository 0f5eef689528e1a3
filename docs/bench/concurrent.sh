#!/bin/bash
# The C reference (ref-simple) and a chanmux jar (poll-loop engine) relaying at the same time, both
# on cpu0, each driven by its own udpload on cpu1 at RATE datagrams/s, REPS rounds. Taken in the
# same seconds on the same core, the two runs meet the same steal, halts and other tasks, which
# runs taken one after the other do not. They also hold each other up: each relay waits while the
# other runs on cpu0, and the two generators share cpu1 (in 1:1 at 36,000/s each they fill it).
# So the ratios are not comparable with run-relative.sh's, where each relay has cpu0 to itself.
# Usage: BENCH=<path to shared/bench> RATE=N [REPS=10] [CH=100 PPC=2] [SERVER_ARGS=...]
#        bash concurrent.sh JAR|ref
#   RATE=N     datagrams/s each udpload sends (in fan-out each is delivered PPC-1 times); half of
#              run-relative.sh's phase 2 rate puts the two together at its 40 %; 4 s warm-up, 8 s
#              window.
#   ref        in place of a jar: a second reference beside the first (an A/A run), which shows how
#              far two identical relays' figures differ in the same seconds.
#   SERVER_ARGS="..."  more chanmux arguments, e.g. --poll-loop-busy-poll 0.
# Odd rounds start the reference first, on ports 40000 up, and the second relay on 42000 up; even
# rounds the other way round. A round in which a generator failed, or either relay lost more than
# 1 % of its datagrams, is reported and left out of the summary. Prints one line per relay and
# round, then the median over the rounds of the second relay's ratios to the reference's
# (delivered/s, CPU per delivered datagram, p50, p99), the lowest and highest p99 ratio, in how
# many rounds its p99 was the lower, and its median p99 over the reference's median p99.
set -u
here=$(dirname "$(realpath "$0")")
source "$here/bench-lib.sh"
second=${1:?usage: BENCH=... RATE=N bash concurrent.sh JAR|ref}
[ "$second" = ref ] || second=$(realpath -e "$second") || exit 1
[[ ${RATE:-} =~ ^[1-9][0-9]*$ ]] || { echo "concurrent.sh: RATE must be a fixed rate of 1 or more datagrams/s" >&2; exit 1; }
[[ ${REPS:-10} =~ ^[1-9][0-9]*$ && ${CH:-100} =~ ^[1-9][0-9]*$ && ${PPC:-2} =~ ^[2-9][0-9]*$ ]] && (( ${CH:-100} <= 1000 )) \
    || { echo "concurrent.sh: REPS must be 1 or more, CH 1-1000, PPC 2 or more" >&2; exit 1; }
# Both generators on cpu1 at real-time priority would hold it for each whole round: not offered.
[ -z "${RT_PRIO:-}" ] || { echo "concurrent.sh: RT_PRIO is not supported here" >&2; exit 1; }
if [ -n "$(ss -Hltn 'sport = :7700')" ]; then
  echo "concurrent.sh: TCP port 7700 is taken; stop the server that holds it" >&2; exit 1
fi
bench_start concurrent.sh
make -s refrelay udpload || exit 1
CH=${CH:-100} PPC=${PPC:-2}
shape="--channels $CH --ppc $PPC --size 64 --rate $RATE $fixed_rate_window"
ports_b=${common/40000-40999/42000-42999}
[ "$ports_b" != "$common" ] || { echo "concurrent.sh: bench-lib.sh's chanmux ports are not 40000-40999" >&2; exit 1; }
start() { # name, port base: starts that relay on cpu0, as $pid
  local args=$common
  [ "$2" = 42000 ] && args=$ports_b
  if [ "$1" = ref ] || [ "$second" = ref ]; then
    bench_relay_start "$work/$1.out" ./refrelay --mode simple --channels "$CH" --port-base "$2"
  else
    bench_relay_start "$work/$1.out" "$JAVA" --enable-preview $relay_jvm_opts -jar "$second" \
        $args --udp-engine poll-loop ${SERVER_ARGS:-}
  fi || { echo "concurrent.sh: $1 did not start: $(tail -1 "$work/$1.out")" >&2; exit 1; }
}
proto() { # name, port base: udpload's arguments for that relay
  if [ "$1" = ref ] || [ "$second" = ref ]; then echo "--port-base $2"; else echo "--proto chanmux --ctrl-port 7700"; fi
}
second_name=main
[ "$second" = ref ] && second_name=ref_b
for i in $(seq "$REPS"); do
  if (( i % 2 )); then first=ref first_base=40000 other=$second_name other_base=42000
  else first=$second_name first_base=40000 other=ref other_base=42000; fi
  start "$first" "$first_base"; first_pid=$pid
  start "$other" "$other_base"; other_pid=$pid
  # timeout itself is each generator's job, so that the script's cleanup reaches it.
  timeout -k 5 60 taskset -c 1 ./udpload $(proto "$first" "$first_base") $shape --server-pid "$first_pid" \
      >"$work/$first.txt" 2>&1 & gen_first=$!
  timeout -k 5 60 taskset -c 1 ./udpload $(proto "$other" "$other_base") $shape --server-pid "$other_pid" \
      >"$work/$other.txt" 2>&1 & gen_other=$!
  failed=
  wait "$gen_first" || failed="$failed $first's udpload ended with status $?;"
  wait "$gen_other" || failed="$failed $other's udpload ended with status $?;"
  bench_relay_stop
  pid=$first_pid; bench_relay_stop
  for name in ref "$second_name"; do
    loss=$(grep -o 'loss_pct=[^ ]*' "$work/$name.txt" | cut -d= -f2)
    awk -v l="${loss:-x}" 'BEGIN { exit !(l ~ /^[0-9.]+$/ && l <= 1) }' || failed="$failed $name lost ${loss:-?} %;"
  done
  if [ -n "$failed" ]; then
    echo "round $i left out:$failed" | tee -a "$work/runs.txt"; continue
  fi
  for name in ref "$second_name"; do echo "$name $(bench_figures "$work/$name.txt")" | tee -a "$work/runs.txt"; done
done
awk '/^round / { next }
     { delete v; for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] } }
     $1 == "ref" { delete ref; for (k in v) ref[k] = v[k]; next }
     { if (!(v["delivered_pps"] > 0 && ref["delivered_pps"] > 0 && ref["p99_us"] > 0 && ref["p50_us"] > 0 && ref["relay_us_per_dgram"] > 0)) {
         print "a round without figures left out"; next }
       n++; d[n] = v["delivered_pps"] / ref["delivered_pps"]; u[n] = v["relay_us_per_dgram"] / ref["relay_us_per_dgram"]
       q[n] = v["p50_us"] / ref["p50_us"]; p[n] = v["p99_us"] / ref["p99_us"]; own[n] = v["p99_us"]; theirs[n] = ref["p99_us"]
       name = $1; if (p[n] < 1) lower++; if (n == 1 || p[n] < lo) lo = p[n]; if (n == 1 || p[n] > hi) hi = p[n] }
     function median(a, count,   i, j, t, s) {
       for (i = 1; i <= count; i++) s[i] = a[i]
       for (i = 2; i <= count; i++) for (j = i; j > 1 && s[j-1] > s[j]; j--) { t = s[j]; s[j] = s[j-1]; s[j-1] = t }
       return count % 2 ? s[(count + 1) / 2] : (s[count / 2] + s[count / 2 + 1]) / 2 }
     END { if (!n) { print "no round with figures from both relays"; exit 1 }
           printf "%s over ref in the same seconds, median of %d rounds: delivered %.2fx, CPU per datagram %.2fx, p50 %.2fx, p99 %.2fx (rounds %.2f-%.2fx; lower in %d of %d; median p99 %.0f us over the reference'"'"'s %.0f us: %.2fx)\n",
             name, n, median(d, n), median(u, n), median(q, n), median(p, n), lo, hi, lower + 0, n,
             median(own, n), median(theirs, n), median(own, n) / median(theirs, n) }' "$work/runs.txt"
