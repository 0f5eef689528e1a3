#!/bin/bash
# run-relative.sh for the change's base jar and the final jar (both engines), each against the C reference in its own run.
set -u
# Usage: BENCH=<path to shared/bench> BASE_JAR=<old chanmux-server.jar> FINAL_JAR=<new one> bash rel-before-after.sh
# Both jars run with the launcher's JVM flags; -XX:AutoBoxCacheMax=65535 joined them on 2026-11-30 (round 6 in
# docs/benchmarks.md §1): the runs recorded before that (bench/2026-11-30-relative-before-after.txt) had -Xmn32m only.
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
: "${BENCH:?} ${BASE_JAR:?} ${FINAL_JAR:?}"
rm -rf /tmp/bench-rel; mkdir -p /tmp/bench-rel && cp -r "$BENCH"/. /tmp/bench-rel/ && cd /tmp/bench-rel && make -s refrelay udpload || exit 1
common="--control-port 7700 --bind 127.0.0.1 --udp-ports 40000-40999 --peer-rate-pps 10000000 --peer-rate-bytes 2000000000 --metrics-port -1 --max-sessions 20000"
run() { # name, jar, extra flags
  echo "=== $1 $(date -u +%H:%M:%S)"
  EXTRA_TARGET_NAME=$1 EXTRA_TARGET_PROTO=chanmux EXTRA_TARGET_ARGS="--ctrl-port 7700" \
  EXTRA_TARGET_CMD="$JAVA --enable-preview -Xmn32m -XX:AutoBoxCacheMax=65535 -jar $2 $common $3" \
  TARGET_STARTUP_S=1.5 LOAD_PCT=40 REPEATS=3 ./run-relative.sh 2>&1 | tail -16
}
run base "$BASE_JAR" "--max-sessions-per-address 0 --udp-rcvbuf 0"
run final-vt "$FINAL_JAR" "--max-sessions-per-address 0 --udp-rcvbuf 0"
run final-poll "$FINAL_JAR" "--max-sessions-per-address 0 --udp-rcvbuf 0 --udp-engine poll-loop"
