# Sourced by the benchmark scripts beside it (alternating.sh, tail-episodes.sh, core-switches.sh):
# what they share. Not a script of its own.
#   JDK, JAVA   JDK 25 (JAVA_HOME, else Temurin's usual folder).
#   common      chanmux's flags for these runs: the reference's ports, no rate limits or session
#               limits per address, no metrics port, the kernel's default receive buffer.
#   bench_start NAME [TOOL...]
#               checks that each TOOL is on PATH, takes /tmp/chanmux-bench.lock (one benchmark at a
#               time on the machine), copies $BENCH (../shared/bench) into a new work directory,
#               $work, and changes into it. On exit it stops the relay ($pid) and every other
#               background job, waits for them and removes $work. The caller builds refrelay and
#               udpload there (tail-episodes.sh patches udpload first).
#   bench_rt_unthrottle
#               lifts the kernel's cap on real-time tasks (kernel.sched_rt_runtime_us = -1, root
#               only) until the script exits, when the old value is put back: a relay and a
#               generator that both run real-time may then use their whole cores, as they do
#               at normal priority.
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JDK/bin/java
common="--control-port 7700 --bind 127.0.0.1 --udp-ports 40000-40999 --peer-rate-pps 10000000 --peer-rate-bytes 2000000000 --metrics-port -1 --max-sessions 20000 --max-sessions-per-address 0 --udp-rcvbuf 0"

bench_start() {
  local name=$1 tool
  shift
  : "${BENCH:?$name: set BENCH to the path of ../shared/bench}"
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$name: needs $tool, which is not on PATH" >&2; exit 1; }
  done
  exec 9>/tmp/chanmux-bench.lock
  flock -n 9 || { echo "$name: another benchmark holds /tmp/chanmux-bench.lock" >&2; exit 1; }
  work=$(mktemp -d "/tmp/bench-${name%.sh}.XXXXXX") || exit 1
  pid=
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  cp -r "$BENCH"/. "$work"/ && cd "$work" || exit 1
}

bench_cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  local jobs_left
  [ -n "${rt_runtime_was:-}" ] && echo "$rt_runtime_was" >/proc/sys/kernel/sched_rt_runtime_us
  jobs_left=$(jobs -p)
  [ -n "$jobs_left" ] && kill $jobs_left 2>/dev/null
  wait
  rm -rf "$work"
}

bench_rt_unthrottle() {
  local knob=/proc/sys/kernel/sched_rt_runtime_us
  rt_runtime_was=$(cat $knob) || exit 1
  echo -1 >$knob 2>/dev/null || { echo "cannot write $knob (needs root)" >&2; rt_runtime_was=; exit 1; }
}
