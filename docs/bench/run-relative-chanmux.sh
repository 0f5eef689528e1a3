#!/bin/bash
# run-relative.sh (../shared/bench) with chanmux as its extra target, as docs/benchmarks.md's sections 1
# and 10 ran it since round 15 ("rel.sh" there): the reference and chanmux at saturation, then both at
# LOAD_PCT (40) % of the reference's capacity in that same run, fan-out and 1:1; prints the ratios, and
# the steal time over the whole run.
# Usage: BENCH=<path to shared/bench> [REPEATS=5] [LOAD_PCT=40] bash run-relative-chanmux.sh NAME JAR|ref [SERVER_FLAGS] [JVM_FLAGS]
#   JAR           a chanmux-server.jar, run with bench-lib.sh's JVM options and its server flags ($common: no
#                 rate or session limits, the kernel's receive buffer, ports 40000-40999), then SERVER_FLAGS and
#                 JVM_FLAGS; "--udp-engine poll-loop" measures the opt-in engine. Do not repeat a flag of
#                 $common in SERVER_FLAGS: the server refuses an option given twice, and the run fails.
#   ref           the C reference against itself (A/A): what the same stretch gives with no difference at all.
set -u
here=$(dirname "$(realpath "$0")")
. "$here/bench-lib.sh"
name=${1:?usage: BENCH=<shared/bench> bash run-relative-chanmux.sh NAME JAR|ref [SERVER_FLAGS] [JVM_FLAGS]}
target=${2:?usage: BENCH=<shared/bench> bash run-relative-chanmux.sh NAME JAR|ref [SERVER_FLAGS] [JVM_FLAGS]}
[ "$target" = ref ] || target=$(realpath -e "$target") || exit 1
bench_start run-relative-chanmux.sh make
make -s refrelay udpload || exit 1
if [ "$target" = ref ]; then
  export EXTRA_TARGET_PROTO=ref EXTRA_TARGET_ARGS= \
         EXTRA_TARGET_CMD="./refrelay --mode simple --port-base %PORT_BASE% --channels %CHANNELS%"
else
  export EXTRA_TARGET_PROTO=chanmux EXTRA_TARGET_ARGS="--ctrl-port 7700" \
         EXTRA_TARGET_CMD="$JAVA --enable-preview $relay_jvm_opts ${4:-} -jar $target $common ${3:-}"
fi
steal() { awk '/^cpu /{print $9}' /proc/stat; }
steal0=$(steal) start=$(date +%s)
echo "=== $name start $(date -u +%H:%M:%S) REPEATS=${REPEATS:-5} LOAD_PCT=${LOAD_PCT:-40}"
EXTRA_TARGET_NAME=$name TARGET_STARTUP_S=1.5 LOAD_PCT=${LOAD_PCT:-40} REPEATS=${REPEATS:-5} ./run-relative.sh 2>&1
rc=$?
steal1=$(steal) end=$(date +%s)
# Steal over all the machine's CPUs (/proc/stat counts every one), not only those this script may use.
echo "=== $name end $(date -u +%H:%M:%S) steal $(awk -v a="$steal0" -v b="$steal1" -v t=$((end - start)) \
    -v n="$(grep -c '^cpu[0-9]' /proc/stat)" 'BEGIN { printf "%.2f%%", (b - a) / (t * n * 100) * 100 }')"
[ "$rc" = 0 ] || echo "run-relative-chanmux.sh: run-relative.sh failed (exit status $rc)" >&2
exit "$rc"
