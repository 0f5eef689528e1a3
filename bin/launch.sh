# shellcheck shell=bash
# Sourced by bin/chanmux-server, bin/chanmux and bin/chanmux-loadtest:
#   chanmux_launch MODULE JAR_NAME "$@"
# finds a JDK 25, (re)builds MODULE's jar with ./mvnw when its sources (or protocol/, or any
# pom) are newer than the jar, then execs java on it with all remaining arguments.
# No cd: relative paths in the arguments stay the caller's. exec: the JVM is this
# PID (benchmarks measure and signal it), Ctrl-C reaches it, its status is ours.

chanmux_launch() {
  local module=$1 name=$2
  shift 2
  local root
  root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
  # shellcheck source=bin/find-jdk.sh
  . "$root/bin/find-jdk.sh"
  chanmux_find_jdk || exit 1

  local jar="$root/$module/target/$name.jar"
  if _chanmux_needs_build "$root" "$module" "$jar"; then
    echo "building $name..." >&2
    # stdout belongs to the program; build chatter goes to stderr. mvnw runs the pinned Maven
    # (downloading it on first use) with the JAVA_HOME found above; -B: no prompts, no colours.
    if ! "$root/mvnw" -B -q -Dmaven.test.skip=true -f "$root/pom.xml" package -pl "$module" -am >&2; then
      echo "error: building $name failed (Maven output above)." >&2
      exit 1
    fi
    # Maven may leave an up-to-date jar untouched; without this every launch would rebuild.
    touch "$jar"
  fi
  # shellcheck disable=SC2086  # CHANMUX_JAVA_OPTS is intentionally word-split
  exec "$JAVA_HOME/bin/java" --enable-preview ${CHANMUX_JAVA_OPTS:-} -jar "$jar" "$@"
}

_chanmux_needs_build() {
  local root=$1 module=$2 jar=$3 newer
  [[ -f "$jar" ]] || return 0
  # -print -quit: one newer file is enough.
  newer=$(find "$root/protocol/src" "$root/$module/src" -newer "$jar" -print -quit 2>/dev/null || true)
  [[ -n "$newer" ]] && return 0
  # Any module's pom (depth 2 covers root and module poms, skips target/).
  newer=$(find "$root" -maxdepth 2 -name pom.xml -newer "$jar" -print -quit 2>/dev/null || true)
  [[ -n "$newer" ]]
}
