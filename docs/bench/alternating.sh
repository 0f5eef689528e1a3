#!/bin/bash
# The C reference (ref-simple) and each given chanmux jar (poll-loop engine) in turn, REPS rounds, so
# that every chanmux run is compared with the reference run just before it, minutes apart at most.
#   RATE unset or 0: saturation, closed loop as run-baseline.sh's p2-64-max (defaults) or p10-64-max
#                    (CH=50 PPC=10 INF=2 BURST=1); 3 s warm-up, 6 s window.
#   RATE=N:          a fixed N datagrams/s sent (not delivered: in fan-out each is delivered PPC-1
#                    times), as run-relative.sh's runs below saturation; 4 s warm-up, 8 s window.
#                    For 40 %, take the rate of run-relative.sh's phase 2 line ("fan-out N x 9", "1:1 N/s").
# Relay on cpu0, udpload on cpu1; one benchmark script of this folder at a time (bench-lib.sh's lock).
# Usage: BENCH=<path to shared/bench> [REPS=5] [RATE=N] [CH= PPC= INF= BURST=] [REF_MMSG=1] [JDK_FLOOR=1] [FFM_FLOOR=1] [FFM_SEL_FLOOR=1] [FFM_MMSG_FLOOR=1] [RT_PRIO=N] [RELAY_QUOTA=PERCENT]
#        bash alternating.sh NAME=JAR...
#   JVM_OPTS_<NAME>="..." and SERVER_ARGS_<NAME>="..." add JVM options or server arguments for that
#   jar only (NAME: letters, digits and _), e.g. the same jar twice with and without a setting.
#   PORTS_<NAME>=shared runs that jar in single-port mode: every channel on port 40000 (--udp-port)
#   instead of a port each from 40000 up, with the server's default 4 MiB receive buffer instead of
#   the kernel's (one socket then holds every channel's queue, where the reference has a socket and
#   a kernel-default buffer per channel). PORTS_<NAME>=own, the default, is a port per channel.
#   REF_MMSG=1 also runs, in each round, ref_mmsg: the reference in its mmsg mode on one thread,
#   recvmmsg of up to REF_MMSG_BATCH (default 32, as chanmux's poll loop) and the copies of each
#   call's datagrams sent with one sendmmsg: what batching alone does to a C relay.
#   JDK_FLOOR=1 also runs, in each round, jdk_floor: JdkFloorRelay.java (next to this script), the
#   reference's simple mode in plain JDK NIO, with the JVM options every jar gets (-Xmn32m
#   -XX:AutoBoxCacheMax=65535): what a JVM costs by itself.
#   FFM_FLOOR=1 also runs, in each round, ffm_floor: FfmFloorRelay.java, the reference's simple mode
#   making the reference's own system calls through java.lang.foreign, with the same JVM options:
#   what a JVM process costs without the JDK's networking. FFM_SEL_FLOOR=1 runs, as ffm_sel_floor,
#   the same relay waiting in the JDK's selector instead of its own epoll set, as chanmux does.
#   FFM_MMSG_FLOOR=1 runs, as ffm_mmsg_floor, FfmFloorRelay.java in the reference's mmsg mode
#   (REF_MMSG=1's ref_mmsg, with the same REF_MMSG_BATCH) through java.lang.foreign: the control for
#   a batched relay. Use it with REF_MMSG=1: the summary's ratios are over ref, so the floor's and
#   chanmux's ratios over ref_mmsg are to be taken from the lines (or the medians) by hand.
#   RT_PRIO=N (1-49, fixed RATE only) runs every relay and udpload under the real-time
#   round-robin policy at priority N (chrt -r N), so that ordinary tasks on their cores no longer
#   preempt them at will, and lifts the kernel's cap on real-time tasks for the run (bench-lib.sh's
#   bench_rt; root only). What that changes, and what it costs a JVM relay: docs/benchmarks.md
#   section 1, round 11.
#   RELAY_QUOTA=PERCENT (10-99) caps every relay at that share of one core (bench-lib.sh's
#   bench_quota; root only), so that at saturation the relays, not udpload's core, are the limit:
#   capacity at an equal CPU budget. udpload's gen_cpu in the lines shows whether it still was.
#   Not with RT_PRIO: CFS quotas do not throttle real-time tasks.
# Prints one line per run (delivered/s, loss, p50 and p99 latency, relay CPU in cores and CPU-us per
# delivered datagram, generator CPU, steal), then for each jar the median, over the rounds, of its ratios
# to the reference's run (for p99 also the lowest and highest round, and the jar's median p99 over
# the reference's median p99, a view that does not pair runs).
set -u
here=$(dirname "$(realpath "$0")")
source "$here/bench-lib.sh"
jars=()
shared_common=${common/--udp-ports 40000-40999 /--udp-port 40000 }
shared_common=${shared_common% --udp-rcvbuf 0}
[[ $shared_common != *udp-ports* && $shared_common != *udp-rcvbuf* ]] \
    || { echo "alternating.sh: bench-lib.sh's chanmux ports are not 40000-40999 with --udp-rcvbuf 0 last" >&2; exit 1; }
for named in "$@"; do
  name=${named%%=*}
  [[ $name =~ ^[A-Za-z][A-Za-z0-9_]*$ && $name != ref && $name != ref_mmsg && $name != jdk_floor && $name != ffm_floor && $name != ffm_sel_floor && $name != ffm_mmsg_floor ]] || { echo "alternating.sh: bad name '$name'" >&2; exit 1; }
  ports=PORTS_$name
  [[ ${!ports:-own} == own || ${!ports:-own} == shared ]] || { echo "alternating.sh: $ports must be own or shared" >&2; exit 1; }
  jar=$(realpath -e "${named#*=}") || exit 1
  jars+=("$name=$jar")
done
if [ -n "${RT_PRIO:-}" ] && ! [[ ${RATE:-0} =~ ^[1-9][0-9]*$ ]]; then
  # At saturation a real-time relay and udpload would hold both cores, and nothing of normal
  # priority (this script's own timeout included) would run until they ended.
  echo "alternating.sh: RT_PRIO needs a fixed RATE of 1 or more datagrams/s" >&2; exit 1
fi
if [ -n "${RT_PRIO:-}" ] && [ -n "${RELAY_QUOTA:-}" ]; then
  # A quota does not hold real-time tasks back, and a v1 cgroup gives them no real-time runtime of
  # their own: once the cap on real-time tasks is put back, a relay left in it could not run to end.
  echo "alternating.sh: RT_PRIO and RELAY_QUOTA cannot be combined" >&2; exit 1
fi
bench_start alternating.sh
make -s refrelay udpload || exit 1
if [ "${JDK_FLOOR:-0}" = 1 ]; then
  "$JDK/bin/javac" -d "$work/floor" "$here/JdkFloorRelay.java" "$here/RefWire.java" || exit 1
fi
if [ "${FFM_FLOOR:-0}" = 1 ] || [ "${FFM_SEL_FLOOR:-0}" = 1 ] || [ "${FFM_MMSG_FLOOR:-0}" = 1 ]; then
  bench_build_ffm_floor || exit 1
  ffm_floor=("$JAVA" $relay_jvm_opts --enable-native-access=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED
             -cp "$work/floor" FfmFloorRelay "${CH:-100}")
fi
ref_mmsg_batch=${REF_MMSG_BATCH:-32} # ref_mmsg's and ffm_mmsg_floor's alike
rt=()
[ -n "${RT_PRIO:-}" ] && bench_rt alternating.sh "$RT_PRIO"
[ -n "${RELAY_QUOTA:-}" ] && bench_quota alternating.sh "$RELAY_QUOTA"
if [ "${RATE:-0}" = 0 ]; then
  load="--rate 0 --inflight ${INF:-4} --burst ${BURST:-4} --duration 6 --warmup 3"
else
  load="--rate $RATE $fixed_rate_window"
fi
one() { # name, proto args, relay command...
  local name=$1 proto=$2; shift 2
  if ! bench_relay_start "$work/relay.out" "${rt[@]}" "$@"; then
    echo "$name (the relay did not start: $(tail -1 "$work/relay.out"))" | tee -a "$work/runs.txt"; return
  fi
  # Bounded, as bench_relay_stop: a real-time process that hung would hold its core for good.
  timeout --foreground -k 5 60 taskset -c 1 "${rt[@]}" ./udpload $proto --channels "${CH:-100}" \
      --ppc "${PPC:-2}" --size 64 $load --server-pid $pid >"$work/load.txt" 2>&1 \
      || echo "alternating.sh: $name: udpload ended with status $?" >&2
  bench_relay_stop
  echo "$name $(bench_figures "$work/load.txt")" | tee -a "$work/runs.txt"
}
for i in $(seq "${REPS:-5}"); do
  one ref "" ./refrelay --mode simple --channels "${CH:-100}"
  if [ "${REF_MMSG:-0}" = 1 ]; then
    one ref_mmsg "" ./refrelay --mode mmsg --threads 1 --batch "$ref_mmsg_batch" --channels "${CH:-100}"
  fi
  if [ "${JDK_FLOOR:-0}" = 1 ]; then
    one jdk_floor "" "$JAVA" $relay_jvm_opts -cp "$work/floor" JdkFloorRelay "${CH:-100}"
  fi
  if [ "${FFM_FLOOR:-0}" = 1 ]; then
    one ffm_floor "" "${ffm_floor[@]}" epoll
  fi
  if [ "${FFM_SEL_FLOOR:-0}" = 1 ]; then
    one ffm_sel_floor "" "${ffm_floor[@]}" jdk-selector
  fi
  if [ "${FFM_MMSG_FLOOR:-0}" = 1 ]; then
    one ffm_mmsg_floor "" "${ffm_floor[@]}" mmsg "$ref_mmsg_batch"
  fi
  for named in "${jars[@]}"; do
    name=${named%%=*} opts=JVM_OPTS_${named%%=*} args=SERVER_ARGS_${named%%=*} ports=PORTS_${named%%=*}
    flags=$common
    [ "${!ports:-own}" = shared ] && flags=$shared_common
    one "$name" "--proto chanmux --ctrl-port 7700" "$JAVA" --enable-preview $relay_jvm_opts \
        ${!opts:-} -jar "${named#*=}" $flags --udp-engine poll-loop ${!args:-}
  done
done
# Each chanmux run over the reference run of its round; the median of those ratios per jar. A round
# where either run delivered nothing (a relay that failed to start) is left out, and said so.
awk '{ delete v; for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
       if ($1 == "ref") { delete ref; for (k in v) ref[k] = v[k]; next }
       if (!(v["delivered_pps"] > 0 && ref["delivered_pps"] > 0 && ref["p99_us"] > 0 && ref["relay_us_per_dgram"] > 0)) {
         printf "%s: a run delivered nothing, round left out\n", $1; next }
       n[$1]++; d[$1, n[$1]] = v["delivered_pps"] / ref["delivered_pps"]
       p[$1, n[$1]] = v["p99_us"] / ref["p99_us"]; u[$1, n[$1]] = v["relay_us_per_dgram"] / ref["relay_us_per_dgram"]
       own99[$1, n[$1]] = v["p99_us"]; ref99[$1, n[$1]] = ref["p99_us"]
       if (v["p50_us"] > 0 && ref["p50_us"] > 0) { n50[$1]++; q[$1, n50[$1]] = v["p50_us"] / ref["p50_us"] } }
     function median(a, name, count,   i, j, t, s) {
       for (i = 1; i <= count; i++) s[i] = a[name, i]
       for (i = 2; i <= count; i++) for (j = i; j > 1 && s[j-1] > s[j]; j--) { t = s[j]; s[j] = s[j-1]; s[j-1] = t }
       return count % 2 ? s[(count + 1) / 2] : (s[count / 2] + s[count / 2 + 1]) / 2 }
     function extreme(a, name, count, sign,   i, m) {
       m = a[name, 1]; for (i = 2; i <= count; i++) if (sign * a[name, i] > sign * m) m = a[name, i]; return m }
     END { for (name in n) { own = median(own99, name, n[name]); theirs = median(ref99, name, n[name])
             printf "%s over ref, median of %d rounds: delivered %.2fx, CPU per datagram %.2fx, p50 %s, p99 %.2fx (rounds %.2f-%.2fx; median p99 %.0f us over the reference'"'"'s %.0f us: %.2fx)\n",
               name, n[name], median(d, name, n[name]), median(u, name, n[name]),
               n50[name] ? sprintf(n50[name] < n[name] ? "%.2fx (of %d rounds)" : "%.2fx", median(q, name, n50[name]), n50[name]) : "n/a",
               median(p, name, n[name]), extreme(p, name, n[name], -1), extreme(p, name, n[name], 1), own, theirs, own / theirs } }' \
       "$work/runs.txt" | sort
