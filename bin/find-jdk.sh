# shellcheck shell=bash
# Sourced by the chanmux scripts: `. bin/find-jdk.sh && chanmux_find_jdk || exit 1`.
#
# chanmux compiles with --release 25 and runs with --enable-preview, so a JDK
# (javac included) of exactly the compiler's major or newer is required; older
# JDKs fail with confusing "invalid target release" or class-version errors.
#
# Deliberately no `set -e`/`set -u` here: this file runs in the caller's shell.
# Every command that may legitimately fail is guarded so it also works when the
# caller does use `set -euo pipefail`.
#
# CHANMUX_JVM_DIRS: colon-separated folders whose subfolders are JDK homes.
# Mainly a test hook (point it at an empty folder to simulate "no JDK").

CHANMUX_MIN_JAVA=25

# Prints the major version of the JDK/JRE at $1 (e.g. 25, 17, 8), or nothing.
_chanmux_java_major() {
  local home=$1 v=""
  # The release file is cheap to read and avoids starting a JVM per candidate.
  if [[ -f "$home/release" ]]; then
    v=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release" 2>/dev/null || true)
  fi
  if [[ -z "$v" && -x "$home/bin/java" ]]; then
    v=$("$home/bin/java" -XshowSettings:properties -version 2>&1 \
          | sed -n 's/^ *java\.specification\.version = *//p' || true)
  fi
  v=${v#1.}           # Java 8 and older report "1.8"
  v=${v%%[!0-9]*}     # "25.0.3" -> "25", "26-ea" -> "26"
  printf '%s' "$v"
}

chanmux_find_jdk() {
  local candidates=() labels=() seen=" " tried=() home real major best="" best_major=0
  local dir sub found java_bin i
  local -a jvm_dirs=()

  if [[ -n "${JAVA_HOME:-}" ]]; then
    candidates+=("$JAVA_HOME"); labels+=("JAVA_HOME=$JAVA_HOME")
  fi
  if java_bin=$(command -v java 2>/dev/null); then
    # /usr/bin/java is usually a chain of alternatives symlinks; the JDK home is
    # two levels above the real binary.
    real=$(readlink -f "$java_bin" 2>/dev/null || printf '%s' "$java_bin")
    candidates+=("$(dirname "$(dirname "$real")")"); labels+=("java on PATH ($java_bin -> $real)")
  fi

  # Explicit candidates: first acceptable one wins, in order.
  for (( i = 0; i < ${#candidates[@]}; i++ )); do
    real=$(readlink -f "${candidates[i]}" 2>/dev/null || printf '%s' "${candidates[i]}")
    major=$(_chanmux_java_major "$real")
    if [[ -n "$major" && "$major" -ge "$CHANMUX_MIN_JAVA" && -x "$real/bin/javac" ]]; then
      best=$real
      break
    fi
    tried+=("${labels[i]}: $(_chanmux_describe "$real" "$major")")
    seen+="$real "
  done

  # System JVM folders: pick the newest acceptable JDK.
  if [[ -z "$best" ]]; then
    IFS=: read -r -a jvm_dirs <<< "${CHANMUX_JVM_DIRS-/usr/lib/jvm:/Library/Java/JavaVirtualMachines}"
    # ${a[@]+...}: empty arrays trip `set -u` on older bash (macOS ships 3.2).
    for dir in ${jvm_dirs[@]+"${jvm_dirs[@]}"}; do
      [[ -d "$dir" ]] || { tried+=("$dir/*: folder does not exist"); continue; }
      found=0
      for sub in "$dir"/*; do
        [[ -d "$sub" ]] || continue
        found=1
        home=$sub
        [[ -d "$sub/Contents/Home" ]] && home="$sub/Contents/Home"   # macOS bundle layout
        real=$(readlink -f "$home" 2>/dev/null || printf '%s' "$home")
        [[ "$seen" == *" $real "* ]] && continue   # already reported above
        seen+="$real "
        major=$(_chanmux_java_major "$real")
        if [[ -n "$major" && "$major" -ge "$CHANMUX_MIN_JAVA" && -x "$real/bin/javac" ]]; then
          if (( major > best_major )); then best=$real; best_major=$major; fi
        else
          tried+=("$home: $(_chanmux_describe "$real" "$major")")
        fi
      done
      (( found )) || tried+=("$dir/*: no JVMs installed there")
    done
  fi

  if [[ -z "$best" ]]; then
    {
      echo "error: chanmux needs a JDK $CHANMUX_MIN_JAVA or newer (with javac), but none was found."
      echo "Looked at:"
      if (( ${#tried[@]} )); then printf '  - %s\n' "${tried[@]}"; else echo "  (no java on PATH, JAVA_HOME unset, no JVM folders)"; fi
      echo "To fix, either:"
      echo "  - install a JDK $CHANMUX_MIN_JAVA, e.g. Eclipse Temurin $CHANMUX_MIN_JAVA (https://adoptium.net/temurin/releases/?version=$CHANMUX_MIN_JAVA)"
      echo "    or with SDKMAN: sdk install java 25-tem"
      echo "  - or point JAVA_HOME at an existing one: export JAVA_HOME=/path/to/jdk-$CHANMUX_MIN_JAVA"
    } >&2
    return 1
  fi

  # Overriding an explicit JAVA_HOME silently would be surprising; say so once.
  if [[ -n "${JAVA_HOME:-}" && "$(readlink -f "$JAVA_HOME" 2>/dev/null || true)" != "$best" ]]; then
    echo "note: ignoring JAVA_HOME=$JAVA_HOME (not a JDK >= $CHANMUX_MIN_JAVA); using $best" >&2
  fi
  export JAVA_HOME=$best
  export PATH="$JAVA_HOME/bin:$PATH"
}

# One-line reason why a candidate was rejected, for the error message.
_chanmux_describe() {
  local home=$1 major=$2
  if [[ ! -e "$home" ]]; then
    echo "does not exist"
  elif [[ -z "$major" ]]; then
    echo "version unknown (no release file or runnable bin/java)"
  elif (( major < CHANMUX_MIN_JAVA )); then
    echo "Java $major (too old)"
  else
    echo "Java $major but no bin/javac (a JRE, not a JDK)"
  fi
}
