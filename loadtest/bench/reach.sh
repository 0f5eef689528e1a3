#!/usr/bin/env bash
# reach.sh - the "network reach" benchmark of docs/benchmarks.md, in one run:
#   1. capacity: a single-port server holds CHANNELS channels and PEERS_PER_CHANNEL x CHANNELS bound
#      peers (keepalive traffic) on one UDP port; the load test's capacity mode reports create and
#      join rates and the server's resident memory per channel and per peer;
#   2. fan-out: ../shared/bench's udpload drives chanmux with a port per channel and with one port,
#      REPEATS times interleaved, relay pinned to cpu0 and udpload to cpu1 (run-baseline.sh), each
#      socket with a 4 MiB receive buffer (the shared port's one socket holds every channel's queue).
# Every process is started here and stopped here by its pid; every wait is bounded.
#
# Knobs (defaults in brackets): CHANNELS [100000] PEERS_PER_CHANNEL [2] PER_SOCKET [100]
#   HOLD [60s] KEEPALIVE [5s] CONCURRENCY [64] CAPACITY [1] FANOUT [1] REPEATS [3] DURATION [10] WARMUP [5]
#   SCENARIOS ["p10-64-max p10-64-20k"] BENCH [/work/shared/bench] OUT [/tmp/chanmux-reach-<time>]
#   SERVER_OPTS [] more JVM options for the capacity run's server, e.g. a JFR recording
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
# shellcheck source=bin/find-jdk.sh
. "$root/bin/find-jdk.sh"
chanmux_find_jdk || exit 1
java="$JAVA_HOME/bin/java"

CHANNELS=${CHANNELS:-100000}
PEERS_PER_CHANNEL=${PEERS_PER_CHANNEL:-2}
PER_SOCKET=${PER_SOCKET:-100}
HOLD=${HOLD:-60s}
KEEPALIVE=${KEEPALIVE:-5s}
CONCURRENCY=${CONCURRENCY:-64}
CAPACITY=${CAPACITY:-1}
FANOUT=${FANOUT:-1}
REPEATS=${REPEATS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
SCENARIOS=${SCENARIOS:-"p10-64-max p10-64-20k"}
BENCH=${BENCH:-/work/shared/bench}
OUT=${OUT:-/tmp/chanmux-reach-$(date +%Y%m%d-%H%M%S)}
CTRL_PORT=${CTRL_PORT:-7790}
UDP_PORT=${UDP_PORT:-47000}
mkdir -p "$OUT"

# Open files: the load test needs about 2 x (peers / PER_SOCKET) + channels / PER_SOCKET; the server
# about as many, plus one per channel with a port per channel. Raise the soft limit to the hard one.
need=$(( 2 * CHANNELS * PEERS_PER_CHANNEL / PER_SOCKET + CHANNELS / PER_SOCKET + 1024 ))
if ! ulimit -n "$(ulimit -Hn)" 2>/dev/null; then
    echo "reach.sh: could not raise the open-files limit to the hard limit $(ulimit -Hn); it stays at $(ulimit -n)" >&2
fi
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
    echo "reach.sh: this run needs about $need open files per process but the limit is $(ulimit -n);" \
         "raise the hard limit (ulimit -Hn, LimitNOFILE=) or set PER_SOCKET higher" >&2
    exit 3
fi

if [ ! -f "$root/server/target/chanmux-server.jar" ] || [ ! -f "$root/loadtest/target/chanmux-loadtest.jar" ]; then
    (cd "$root" && ./mvnw -B -q package -DskipTests)
fi

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "kernel: $(uname -r)"
    echo "java: $("$java" -version 2>&1 | head -1)"
    echo "open files: $(ulimit -n)"
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/environment.txt"

SERVER_PID=""
stop_server() {
    [ -z "$SERVER_PID" ] && return
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}
trap stop_server EXIT

await_port() {
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "reach.sh: nothing listens on port $1 after 10 s" >&2
    return 1
}

if [ "$CAPACITY" = 1 ]; then
    echo "== capacity: $CHANNELS channels x $PEERS_PER_CHANNEL peers on one UDP port, $PER_SOCKET per session and socket"
    # Logs at WARN: an INFO line per session and channel would cost more than the work itself.
    # shellcheck disable=SC2086
    "$java" --enable-preview -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${SERVER_OPTS:-} \
        -jar "$root/server/target/chanmux-server.jar" --control-port "$CTRL_PORT" --bind 127.0.0.1 \
        --udp-port "$UDP_PORT" --metrics-port -1 --drain-timeout 0s --max-channels "$CHANNELS" \
        --max-channels-per-session "$PER_SOCKET" --max-sessions 20000 --request-rate 100000 \
        --udp-rcvbuf 4194304 > "$OUT/capacity-server.log" 2>&1 &
    SERVER_PID=$!
    await_port "$CTRL_PORT"
    "$java" --enable-preview -jar "$root/loadtest/target/chanmux-loadtest.jar" --server "127.0.0.1:$CTRL_PORT" \
        --server-pid "$SERVER_PID" --peers-per-socket "$PER_SOCKET" --channels "$CHANNELS" \
        --peers-per-channel "$PEERS_PER_CHANNEL" --duration "$HOLD" --keepalive "$KEEPALIVE" \
        --join-concurrency "$CONCURRENCY" \
        --json "$OUT/capacity.json" | tee "$OUT/capacity.txt" || true
    # The run goes on to the fan-out part either way; a bound generator must not pass unseen.
    grep -q '^LOAD GENERATOR BOUND' "$OUT/capacity.txt" \
        && echo "reach.sh: the capacity run's create and join rates are the load generator's (see the first line of $OUT/capacity.txt)" >&2
    stop_server
fi

if [ "$FANOUT" = 1 ]; then
    echo "== fan-out: udpload against a port per channel and one port, $REPEATS x interleaved"
    work=$OUT/bench
    mkdir -p "$work/results"
    cp -p "$BENCH"/*.c "$BENCH"/*.h "$BENCH"/Makefile "$BENCH"/*.sh "$work"/
    server="$java --enable-preview -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar $root/server/target/chanmux-server.jar \
--control-port $CTRL_PORT --bind 127.0.0.1 --metrics-port -1 --drain-timeout 0s --max-sessions 20000 \
--peer-rate-pps 10000000 --peer-rate-bytes 2000000000 --udp-rcvbuf 4194304"
    : > "$OUT/fanout-results.txt"
    for rep in $(seq 1 "$REPEATS"); do
        for mode in per-channel single-port; do
            case $mode in
                per-channel) ports="--udp-ports 40000-40999" ;;
                single-port) ports="--udp-port 40000" ;;
            esac
            before=$(ls "$work/results" | wc -l)
            (cd "$work" && EXTRA_TARGET_NAME="chanmux-$mode" EXTRA_TARGET_PROTO=chanmux \
                EXTRA_TARGET_ARGS="--ctrl-port $CTRL_PORT" EXTRA_TARGET_CMD="$server $ports" \
                TARGETS=" " TURN=0 TARGET_STARTUP_S=3 REPEATS=1 DURATION="$DURATION" WARMUP="$WARMUP" \
                SCENARIOS="$SCENARIOS" ./run-baseline.sh > "$OUT/fanout-$mode-$rep.txt" 2>&1) || true
            latest=$(ls -t "$work/results" | head -1)
            [ "$(ls "$work/results" | wc -l)" -gt "$before" ] || { echo "reach.sh: run-baseline.sh made no results" >&2; exit 1; }
            # Label each line with its repeat, so the table takes the median over repeats.
            sed "s#/chanmux-$mode/1 #/chanmux-$mode/$rep #" "$work/results/$latest/results.txt" >> "$OUT/fanout-results.txt"
            grep -h 'relay' "$OUT/fanout-$mode-$rep.txt" | grep '\[' || true
        done
    done
    "$work/summarize.sh" "$OUT/fanout-results.txt" | tee "$OUT/fanout-table.txt"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/environment.txt"
echo "results in $OUT"
