# Shared helpers for the benchmark scripts (sourced, not run). After sourcing:
# $work is a temp dir, every pid appended to $pids is stopped on exit and
# $work removed; log/die, free_port, wait_http and load_avg are defined.
# shellcheck shell=bash

# Resolves the portcullis binary (argument, else the default build) to an absolute path.
resolve_binary() {
  local binary="${1:-$repo/build/proxy/portcullis}"
  [[ -x "$binary" ]] || { echo "portcullis binary not found or not executable: $binary" >&2; exit 2; }
  printf '%s/%s\n' "$(cd "$(dirname "$binary")" && pwd)" "$(basename "$binary")"
}

require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
  done
}

work="$(mktemp -d)"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# Sets variable $1 to a free loopback TCP port not handed out before.
handed_out=" "
free_port() {
  local p
  for _ in $(seq 1 500); do
    p=$(((RANDOM * 32768 + RANDOM) % 30000 + 20000))
    [[ "$handed_out" == *" $p "* ]] && continue
    if [[ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]]; then
      handed_out+="$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  die "no free port found"
}

# Polls URL until it answers (any HTTP status) or the deadline passes.
wait_http() {
  local url="$1" what="$2"
  for _ in $(seq 1 200); do
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.05
  done
  die "$what did not come up at $url"
}

load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
