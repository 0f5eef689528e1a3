# Sourced by the benchmark scripts beside it (alternating.sh, concurrent.sh, tail-episodes.sh, core-switches.sh,
# loop-runs.sh, recv-wait.sh, run-relative-chanmux.sh): what they share. Not a script of its own.
#   JDK, JAVA   JDK 25 (JAVA_HOME, else Temurin's usual folder).
#   relay_jvm_opts
#               the JVM options of every Java relay here (chanmux and the JDK floor): the
#               launcher's young generation, and boxed ports cached.
#   fixed_rate_window
#               udpload's arguments for a run at a fixed rate: open loop, 4 s warm-up, 8 s window.
#   common      chanmux's flags for these runs: the reference's ports, no rate limits or session
#               limits per address, no metrics port, the kernel's default receive buffer.
#   bench_start NAME [TOOL...]
#               checks that each TOOL is on PATH, takes /tmp/chanmux-bench.lock (one benchmark at a
#               time on the machine), copies $BENCH (../shared/bench) into a new work directory,
#               $work, and changes into it. On exit it stops the relay ($pid) and every other
#               background job (bench_stop), waits for them and removes $work. The caller
#               builds refrelay and udpload there (tail-episodes.sh patches udpload first).
#   bench_rt NAME PRIO
#               sets rt=(chrt -r PRIO) for the caller's relays and udpload, after checking PRIO
#               (1-49: below the kernel's interrupt threads) and that chrt works here. It lifts
#               the kernel's cap on real-time tasks (kernel.sched_rt_runtime_us = -1; root only)
#               until the script exits, when the old value is put back. A script killed with
#               SIGKILL cannot put it back: the value to restore is printed when it is lifted.
#   bench_quota NAME PERCENT
#               caps the relays that bench_relay_start starts from then on at PERCENT (10-99) of
#               one core, in 10 ms periods, through one CPU cgroup (cgroup v2's cpu.max, else v1's
#               cpu.cfs_quota_us; needs root on the host's cgroup root), removed when the script
#               exits. Relays running at the same time share the one budget. Every thread of a
#               relay counts against it (a JVM's compiler and collector too), and so does the
#               softirq work its sends run in its own context on loopback (not what ksoftirqd
#               takes over). With the relays capped below what udpload's core can feed, a
#               saturation run measures the relays, not udpload. Not for real-time relays: CFS
#               quotas do not throttle them. On cgroup v2, +cpu stays enabled in the root's
#               cgroup.subtree_control. A script killed with SIGKILL leaves the cgroup behind:
#               rmdir /sys/fs/cgroup/cpu/chanmux-bench-relay (v1) or
#               /sys/fs/cgroup/chanmux-bench-relay (v2); the next run reuses it otherwise.
#   bench_start_traced NAME
#               for the scripts that trace the relays with bpftrace: bench_start NAME bpftrace, then
#               makes sure the caller is root and the kernel's tracepoints can be seen (tracefs at
#               /sys/kernel/tracing, mounted where a fresh machine has not, until the script exits),
#               or stops it, saying why; then builds refrelay, udpload and the FFM floor.
#   bench_build_ffm_floor
#               compiles FfmFloorRelay.java (beside these scripts) into $work/floor.
#   bench_traced_relay NAME PROGRAM ARG COMMAND...
#               starts COMMAND as bench_relay_start does, then bpftrace PROGRAM with the relay's
#               pid and ARG on cpu1, its output in $work/bt.txt, as $tracer, and waits until it
#               has attached; fails, saying why under NAME, with nothing left running, when
#               either has not started (the tracer within 10 s).
#   bench_traced_load SCRIPT NAME PROTO RATE
#               for a relay ($pid) under a tracer ($tracer): runs udpload on cpu1 at ${RATE:-RATE}
#               datagrams/s with PROTO's arguments and ${CH:-100} x ${PPC:-2} peers, 64 B, in the
#               fixed-rate window; waits for the tracer, stops the relay and prints NAME and
#               udpload's figures (bench_figures).
#   bench_relay_start LOG COMMAND...
#               starts COMMAND on cpu0 (the relay, prefixed with ${rt[@]} where real-time), in
#               bench_quota's cgroup when there is one, its output in LOG, as $pid; fails, with
#               $pid empty, when it has not lasted 1.5 s.
#   bench_figures REPORT
#               udpload's figures from its REPORT, on one line: delivered/s, loss, p50 and p99
#               latency, relay CPU in cores and CPU-us per delivered datagram, generator CPU, steal.
#   bench_stop PID
#               stops PID, with SIGKILL if it has not ended 20 s later (a real-time process that
#               hung would hold its core); bench_relay_stop and the exit cleanup use it.
#   bench_relay_stop
#               stops $pid with bench_stop, reaps it and empties $pid.
JDK=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JDK/bin/java
rt_runtime_knob=/proc/sys/kernel/sched_rt_runtime_us
relay_jvm_opts="-Xmn32m -XX:AutoBoxCacheMax=65535"
fixed_rate_window="--inflight 0 --burst 1 --duration 8 --warmup 4"
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
  pid= rt_runtime_was= tracefs_mounted= tracer= relay_cgroup=
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM HUP
  cp -r "$BENCH"/. "$work"/ && cd "$work" || exit 1
}

bench_cleanup() {
  trap '' INT TERM HUP
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  if [ -n "$rt_runtime_was" ]; then
    echo "$rt_runtime_was" 2>/dev/null >"$rt_runtime_knob" \
        || echo "could not put back the real-time cap: sysctl kernel.sched_rt_runtime_us=$rt_runtime_was" >&2
  fi
  trap - INT TERM HUP
  local job
  for job in $(jobs -p); do bench_stop "$job"; done
  wait
  [ -n "$tracefs_mounted" ] && umount /sys/kernel/tracing
  [ -n "$relay_cgroup" ] && rmdir "$relay_cgroup"
  rm -rf "$work"
}

bench_rt() {
  local name=$1 prio=$2
  [[ $prio =~ ^([1-9]|[1-4][0-9])$ ]] || { echo "$name: the real-time priority must be 1-49, not '$prio'" >&2; exit 1; }
  chrt -r "$prio" true || { echo "$name: cannot run under chrt -r $prio" >&2; exit 1; }
  rt_runtime_was=$(cat "$rt_runtime_knob") || exit 1
  if [ "$rt_runtime_was" = -1 ]; then
    rt_runtime_was=
    echo "$name: $rt_runtime_knob is -1 already, and stays so (sysctl kernel.sched_rt_runtime_us=950000 puts the usual cap back)" >&2
  elif echo -1 2>/dev/null >"$rt_runtime_knob"; then
    echo "$name: real-time cap lifted for the run (kernel.sched_rt_runtime_us $rt_runtime_was -> -1)" >&2
  else
    rt_runtime_was=
    echo "$name: cannot write $rt_runtime_knob (needs root)" >&2; exit 1
  fi
  rt=(chrt -r "$prio")
}

bench_quota() {
  local name=$1 percent=$2 v2=/sys/fs/cgroup v1=/sys/fs/cgroup/cpu
  [[ $percent =~ ^[1-9][0-9]$ ]] || { echo "$name: the relay's CPU quota must be 10-99 (% of one core), not '$percent'" >&2; exit 1; }
  if grep -qw cpu "$v2/cgroup.controllers" 2>/dev/null; then
    grep -qw cpu "$v2/cgroup.subtree_control" || echo +cpu >"$v2/cgroup.subtree_control" \
        || { echo "$name: cannot enable the cpu controller in $v2 (needs root on the host's cgroup root)" >&2; exit 1; }
    relay_cgroup=$v2/chanmux-bench-relay
    mkdir -p "$relay_cgroup" && echo "$((percent * 100)) 10000" >"$relay_cgroup/cpu.max"
  elif [ -w "$v1/cpu.cfs_quota_us" ]; then
    relay_cgroup=$v1/chanmux-bench-relay
    mkdir -p "$relay_cgroup" && echo 10000 >"$relay_cgroup/cpu.cfs_period_us" \
        && echo "$((percent * 100))" >"$relay_cgroup/cpu.cfs_quota_us"
  else
    echo "$name: no writable CPU cgroup ($v2 without the cpu controller, no $v1/cpu.cfs_quota_us;" \
         "needs root on the host's cgroup root)" >&2
    exit 1
  fi || { echo "$name: cannot set up $relay_cgroup" >&2; exit 1; }
}

bench_start_traced() {
  local name=$1 tracing=/sys/kernel/tracing
  bench_start "$name" bpftrace
  [ "$(id -u)" = 0 ] || { echo "$name: bpftrace needs root" >&2; exit 1; }
  if [ ! -d $tracing/events/sched ]; then
    mount -t tracefs nodev $tracing 2>/dev/null && tracefs_mounted=1
    [ -d $tracing/events/sched ] || {
      echo "$name: the kernel's tracepoints are not visible ($tracing/events/sched is missing) and tracefs" \
           "cannot be mounted there (mount -t tracefs nodev $tracing)" >&2
      exit 1
    }
  fi
  make -s refrelay udpload || exit 1
  bench_build_ffm_floor || exit 1
}

bench_build_ffm_floor() {
  local sources
  sources=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
  "$JDK/bin/javac" -Xlint:-restricted --add-exports java.base/sun.nio.ch=ALL-UNNAMED -d "$work/floor" \
      "$sources/FfmFloorRelay.java" "$sources/RefWire.java"
}

bench_traced_relay() {
  local name=$1 program=$2 argument=$3
  shift 3
  if ! bench_relay_start "$work/relay.out" "$@"; then
    echo "$name: the relay did not start: $(tail -1 "$work/relay.out")"; return 1
  fi
  taskset -c 1 bpftrace "$program" "$pid" "$argument" >"$work/bt.txt" 2>&1 & tracer=$!
  for _ in $(seq 100); do grep -q '^Attaching' "$work/bt.txt" && break; sleep 0.1; done
  grep -q '^Attaching' "$work/bt.txt" && kill -0 "$tracer" 2>/dev/null && return
  echo "$name: bpftrace did not attach: $(grep -v '^$' "$work/bt.txt" | tail -1)"
  bench_stop "$tracer"
  wait "$tracer" 2>/dev/null; tracer=
  bench_relay_stop
  return 1
}

bench_traced_load() {
  local script=$1 name=$2 proto=$3 rate=$4
  taskset -c 1 ./udpload $proto --channels "${CH:-100}" --ppc "${PPC:-2}" --size 64 --rate "${RATE:-$rate}" \
      $fixed_rate_window --server-pid "$pid" >"$work/load.txt" 2>&1 \
      || echo "$script: $name: udpload ended with status $?" >&2
  wait "$tracer"; tracer=
  bench_relay_stop
  echo "$name $(bench_figures "$work/load.txt")"
}

bench_relay_start() {
  local log=$1
  shift
  # The relay enters the cgroup before it starts, so every thread it makes is in it.
  ( [ -z "$relay_cgroup" ] || echo $BASHPID >"$relay_cgroup/cgroup.procs" || exit 1
    exec taskset -c 0 "$@" ) >"$log" 2>&1 & pid=$!
  sleep 1.5
  kill -0 "$pid" 2>/dev/null && return
  wait "$pid" 2>/dev/null; pid=
  return 1
}

bench_figures() {
  grep -o 'delivered_pps=[^ ]*\|loss_pct=[^ ]*\|p50_us=[^ ]*\|p99_us=[^ ]*\|relay_cpu=[^ ]*\|relay_us_per_dgram=[^ ]*\|gen_cpu=[^ ]*\|steal_pct=[^ ]*' "$1" \
      | tr '\n' ' '
}

bench_stop() {
  kill "$1" 2>/dev/null
  timeout 20 tail --pid="$1" -f /dev/null || kill -9 "$1" 2>/dev/null
}

bench_relay_stop() {
  bench_stop "$pid"
  wait "$pid" 2>/dev/null; pid=
}
