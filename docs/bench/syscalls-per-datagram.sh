#!/bin/bash
# System calls per delivered datagram on the relay's core (cpu0), 1:1 (100 channels x 2 peers, 64 B),
# 20,000 datagrams/s, counted with perf over 5 s of the measured window, per target.
set -u
# Run it from a built copy of ../shared/bench (make), as root (perf needs the syscall tracepoints):
#   JAR=<checkout>/server/target/chanmux-server.jar bash <checkout>/docs/bench/syscalls-per-datagram.sh
# chanmux runs with the launcher's JVM flags; -XX:AutoBoxCacheMax=65535 joined them on 2026-11-30 (round 6 in
# docs/benchmarks.md §1): the files of that day made before it ran with -Xmn32m only.
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
JAR=${JAR:?set JAR to the chanmux-server.jar to measure}
[ -x ./refrelay ] && [ -x ./udpload ] || { echo "run from a built copy of shared/bench (make)"; exit 1; }
RATE=${RATE:-20000}
common="--control-port 7700 --bind 127.0.0.1 --udp-ports 40000-40999 --peer-rate-pps 10000000 --peer-rate-bytes 2000000000 --metrics-port -1 --max-sessions 20000 --max-sessions-per-address 0 --udp-rcvbuf 0"
events=syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_recvmmsg,syscalls:sys_enter_sendmmsg,syscalls:sys_enter_epoll_ctl,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_futex,context-switches
measure() { # name, then the relay command; proto args in PROTO
  local name=$1; shift
  taskset -c 0 "$@" >/dev/null 2>&1 & local pid=$!
  sleep 2
  taskset -c 1 ./udpload $PROTO --channels 100 --ppc 2 --size 64 --rate $RATE --duration 10 --warmup 3 --server-pid $pid > /tmp/sys-$name.load 2>&1 &
  local lpid=$!
  sleep 6
  perf stat -a -C 0 -x, -e $events sleep 5 2> /tmp/sys-$name.perf
  wait $lpid; kill $pid 2>/dev/null; wait $pid 2>/dev/null
  awk -F, -v n=$name -v d=$((RATE*5)) '$1 ~ /^[0-9]+$/ {split($3,a,":"); e=a[length(a)]; sub("sys_enter_","",e); v[e]=$1/d}
     END {printf "%-26s recvfrom %.2f sendto %.2f recvmmsg %.2f sendmmsg %.2f epoll_ctl %.2f epoll_wait %.2f futex %.2f cs %.2f total-syscalls %.2f\n", n, v["recvfrom"], v["sendto"], v["recvmmsg"], v["sendmmsg"], v["epoll_ctl"], v["epoll_wait"]+v["epoll_pwait"], v["futex"], v["context-switches"], v["recvfrom"]+v["sendto"]+v["recvmmsg"]+v["sendmmsg"]+v["epoll_ctl"]+v["epoll_wait"]+v["epoll_pwait"]+v["futex"]}' /tmp/sys-$name.perf
  grep -m1 -i 'delivered\|lost\|loss' /tmp/sys-$name.load | head -1
}
# TARGETS picks some of: ref-simple vt-pollerMode2 vt-pollerMode1 poll-loop (all by default)
TARGETS=${TARGETS:-ref-simple vt-pollerMode2 vt-pollerMode1 poll-loop}
for rep in 1 2; do
for target in $TARGETS; do
  case $target in
  ref-simple) PROTO="" measure ref-simple ./refrelay --mode simple --channels 100 ;;
  vt-pollerMode2) PROTO="--proto chanmux --ctrl-port 7700" measure vt-pollerMode2 $JAVA --enable-preview -Xmn32m -XX:AutoBoxCacheMax=65535 -jar $JAR $common ;;
  vt-pollerMode1) PROTO="--proto chanmux --ctrl-port 7700" measure vt-pollerMode1 $JAVA --enable-preview -Xmn32m -XX:AutoBoxCacheMax=65535 -Djdk.pollerMode=1 -jar $JAR $common ;;
  poll-loop) PROTO="--proto chanmux --ctrl-port 7700" measure poll-loop $JAVA --enable-preview -Xmn32m -XX:AutoBoxCacheMax=65535 -jar $JAR $common --udp-engine poll-loop ;;
  esac
done
done
