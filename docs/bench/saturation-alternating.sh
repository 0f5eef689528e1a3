#!/bin/bash
# Capacity at saturation, many times over: the C reference (ref-simple) and each given chanmux jar
# (poll-loop engine) in turn, REPS rounds, closed loop as run-baseline.sh's p2-64-max (defaults) or
# p10-64-max (CH=50 PPC=10 INF=2 BURST=1). Relay on cpu0, udpload on cpu1, 3 s warm-up, 6 s window.
# Usage: BENCH=<path to shared/bench> [REPS=5] [CH= PPC= INF= BURST=] bash saturation-alternating.sh NAME=JAR...
# Prints one line per run: delivered/s, relay CPU (cores), relay CPU-us per delivered datagram, generator CPU.
set -u
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
: "${BENCH:?}"
rm -rf /tmp/bench-sat; mkdir -p /tmp/bench-sat && cp -r "$BENCH"/. /tmp/bench-sat/ && cd /tmp/bench-sat && make -s refrelay udpload || exit 1
common="--control-port 7700 --bind 127.0.0.1 --udp-ports 40000-40999 --peer-rate-pps 10000000 --peer-rate-bytes 2000000000 --metrics-port -1 --max-sessions 20000 --max-sessions-per-address 0 --udp-rcvbuf 0"
one() { # name, proto args, relay command...
  local name=$1 proto=$2; shift 2
  taskset -c 0 "$@" >/tmp/bench-sat/relay.out 2>&1 & local pid=$!
  sleep 1.5
  taskset -c 1 ./udpload $proto --channels "${CH:-100}" --ppc "${PPC:-2}" --size 64 --rate 0 --inflight "${INF:-4}" \
      --burst "${BURST:-4}" --duration 6 --warmup 3 --server-pid $pid >/tmp/bench-sat/load.txt 2>&1
  kill $pid; wait $pid 2>/dev/null
  echo "$name $(grep -o 'delivered_pps=[^ ]*\|relay_cpu=[^ ]*\|relay_us_per_dgram=[^ ]*\|gen_cpu=[^ ]*' /tmp/bench-sat/load.txt | tr '\n' ' ')"
}
for i in $(seq "${REPS:-5}"); do
  one ref "" ./refrelay --mode simple --channels "${CH:-100}"
  for named in "$@"; do
    one "${named%%=*}" "--proto chanmux --ctrl-port 7700" \
        "$JAVA" --enable-preview -Xmn32m -XX:AutoBoxCacheMax=65535 -jar "${named#*=}" $common --udp-engine poll-loop
  done
done
