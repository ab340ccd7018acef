#!/usr/bin/env bash
# Proxy benchmark: Portcullis against a direct pull from docker-registry and
# against nginx in front of the same registry (default: proxy_buffering off;
# tuned: proxy_buffering on, proxy_buffers 32 256k), all in one run on one
# machine. Runs are interleaved round-robin (direct, portcullis, nginx-default,
# nginx-tuned, direct, ...) so machine noise hits every target alike; the
# report gives medians over the rounds and ratios between targets.
#
# usage: bench/proxy/run.sh [PORTCULLIS_BINARY] [--quick] [--rounds N] [--out FILE]
#   PORTCULLIS_BINARY  default: build/proxy/portcullis under the repo root
#   --quick            2 rounds instead of 5
#   --rounds N         N rounds
#   --out FILE         also write the report (markdown) to FILE
# Needs: docker-registry, nginx, wrk, curl, skopeo, sha256sum, ss, awk.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
binary=""
rounds=5
out=""
while (($#)); do
  case "$1" in
    --quick) rounds=2 ;;
    --rounds) rounds="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h | --help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) binary="$1" ;;
  esac
  shift
done
source "$repo/bench/lib.sh"
binary="$(resolve_binary "${binary:-}")"
require_tools docker-registry nginx wrk curl skopeo sha256sum ss awk




# Set through printf -v by free_port, seed_blob and start_nginx.
reg_port="" blob_digest="" big_digest="" nginx_default="" nginx_tuned="" nginx_default_pid="" nginx_tuned_pid=""

load_at_start="$(load_avg)"
load_seen="${load_at_start%% *}" # 1-minute load averages sampled at start, each round, end
cores="$(nproc)"

# ---------------------------------------------------------------- upstream
free_port reg_port
mkdir -p "$work/registry"
cat >"$work/registry.yml" <<YAML
version: 0.1
log: {level: info}
storage:
  cache: {blobdescriptor: inmemory}
  filesystem: {rootdirectory: $work/registry}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$reg_port
YAML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
pids+=("$registry_pid")
direct="http://127.0.0.1:$reg_port"
wait_http "$direct/v2/" docker-registry

# ---------------------------------------------------------------- seed
# Sets variable $1 to the digest of a SIZE-byte random blob pushed monolithically.
seed_blob() {
  local var="$1" size="$2" file="$work/seed.bin" digest location
  head -c "$size" /dev/urandom >"$file"
  digest="sha256:$(sha256sum "$file" | cut -d' ' -f1)"
  location="$(curl -fsS -X POST -o /dev/null -D - "$direct/v2/bench/blob/blobs/uploads/" |
    tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')"
  [[ -n "$location" ]] || die "upload POST gave no Location"
  [[ "$location" == http* ]] || location="$direct$location"
  # -T streams the file (--data-binary @file would hold 1 GiB in curl's memory).
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' -H 'Expect:' -T "$file" -o /dev/null \
    "$location&digest=$digest" || die "upload PUT of $size bytes failed"
  rm -f "$file"
  printf -v "$var" '%s' "$digest"
}
log "seeding the registry (128 MiB and 1 GiB random blobs, apps/hello:1.0)"
blob_size=$((128 << 20))
big_size=$((1 << 30))
seed_blob blob_digest "$blob_size"
seed_blob big_digest "$big_size"
manifest_digest="$("$repo/scripts/seed-example-image.sh" "127.0.0.1:$reg_port" apps/hello:1.0 | tail -n1)"
[[ "$manifest_digest" == sha256:* ]] || die "seed-example-image.sh printed no digest"

blob_path="/v2/bench/blob/blobs/$blob_digest"
big_path="/v2/bench/blob/blobs/$big_digest"
manifest_path="/v2/apps/hello/manifests/1.0"
manifest_accept="Accept: application/vnd.oci.image.manifest.v1+json"

# ---------------------------------------------------------------- portcullis
cat >"$work/portcullis.yaml" <<YAML
listen:
  - address: 127.0.0.1:0
    defaultUpstream: registry.bench.example
upstreams:
  - name: registry.bench.example
    url: $direct
store: {path: $work/store}
manifests: []
accessLog: $work/portcullis-access.log
YAML
portcullis_pid=""
portcullis=""
# Starts a fresh Portcullis on a port it picks itself; sets portcullis_pid and portcullis (its URL).
start_portcullis() {
  local errlog="$work/portcullis.$RANDOM.log" port=""
  "$binary" serve --config "$work/portcullis.yaml" 2>"$errlog" >/dev/null &
  portcullis_pid=$!
  pids+=("$portcullis_pid")
  for _ in $(seq 1 200); do
    port="$(sed -n 's/^portcullis: listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$errlog" | head -n1)"
    [[ -n "$port" ]] && break
    kill -0 "$portcullis_pid" 2>/dev/null || { cat "$errlog" >&2; die "portcullis exited at start"; }
    sleep 0.05
  done
  [[ -n "$port" ]] || die "portcullis did not report its port"
  portcullis="http://127.0.0.1:$port"
  wait_http "$portcullis/healthz" portcullis
}
stop_portcullis() {
  kill -TERM "$portcullis_pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$portcullis_pid" 2>/dev/null || return 0; sleep 0.05; done
  kill -KILL "$portcullis_pid" 2>/dev/null || true
}
start_portcullis

# ---------------------------------------------------------------- nginx
# worker_processes auto = one worker per core, as Portcullis runs max(2, cores) threads.
start_nginx() {
  local name="$1" buffering="$2" port dir="$work/$1"
  free_port port
  mkdir -p "$dir/logs"
  local user_line=""
  # As root, workers would drop to "nobody" and could not reach the 0700 temp dir.
  [[ "$(id -u)" == 0 ]] && user_line="user root;"
  cat >"$dir/nginx.conf" <<NGINX
$user_line
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log $dir/logs/access.log;
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy_temp;
  fastcgi_temp_path $dir/fastcgi_temp;
  uwsgi_temp_path $dir/uwsgi_temp;
  scgi_temp_path $dir/scgi_temp;
  upstream registry {
    server 127.0.0.1:$reg_port;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$port;
    client_max_body_size 0;
    location / {
      proxy_pass http://registry;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      $buffering
    }
  }
}
NGINX
  nginx -e "$dir/logs/error.log" -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' >"$dir/logs/stdout.log" 2>&1 &
  pids+=($!)
  printf -v "$3" '%s' "http://127.0.0.1:$port"
  printf -v "$4" '%s' "$!"
  wait_http "http://127.0.0.1:$port/v2/" "nginx ($name)"
}
start_nginx nginx-default "proxy_buffering off;" nginx_default nginx_default_pid
start_nginx nginx-tuned "proxy_buffering on; proxy_buffers 32 256k;" nginx_tuned nginx_tuned_pid

targets=(direct portcullis nginx-default nginx-tuned)
url_of() {
  case "$1" in
    direct) echo "$direct" ;;
    portcullis) echo "$portcullis" ;;
    nginx-default) echo "$nginx_default" ;;
    nginx-tuned) echo "$nginx_tuned" ;;
  esac
}

# CPU time (user+sys, clock ticks) used so far by the process that serves a
# target: the registry for direct, the proxy alone (nginx: master + workers) otherwise.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
cpu_of() {
  local total=0 pid
  case "$1" in
    direct) total="$(ticks "$registry_pid")" ;;
    portcullis) total="$(ticks "$portcullis_pid")" ;;
    nginx-*)
      local master="$nginx_default_pid"
      [[ "$1" == nginx-tuned ]] && master="$nginx_tuned_pid"
      for pid in "$master" $(pgrep -P "$master"); do total=$((total + $(ticks "$pid"))); done
      ;;
  esac
  echo "$total"
}

# ---------------------------------------------------------------- checks
# Every target must serve the same bytes before any of them is timed.
log "checking that every target serves the seeded manifest and blob byte for byte"
for t in "${targets[@]}"; do
  u="$(url_of "$t")"
  got="sha256:$(curl -fsS -H "$manifest_accept" "$u$manifest_path" | sha256sum | cut -d' ' -f1)"
  [[ "$got" == "$manifest_digest" ]] || die "$t: manifest digest $got, expected $manifest_digest"
  got="sha256:$(curl -fsS "$u$blob_path" | sha256sum | cut -d' ' -f1)"
  [[ "$got" == "$blob_digest" ]] || die "$t: blob digest $got, expected $blob_digest"
done

# ---------------------------------------------------------------- measurements
results="$work/results.tsv" # metric <TAB> target <TAB> round <TAB> value
warnings="$work/warnings.md"
: >"$results"
: >"$warnings"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$results"; }

# One client: bytes/s as curl measures it.
blob_one() {
  local u="$1" r
  local code size speed
  r="$(curl -sS -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' "$u$blob_path")"
  read -r code size speed <<<"$r"
  [[ "$code" == 200 && "$size" == "$blob_size" ]] || die "blob GET $u: HTTP $code, $size bytes"
  echo "$speed"
}

# Eight concurrent clients: aggregate bytes / wall time.
blob_eight() {
  local u="$1" i t0 t1 total=0 code size
  local -a cpids=()
  t0="$(date +%s%N)"
  for i in 1 2 3 4 5 6 7 8; do
    curl -sS -o /dev/null -w '%{http_code} %{size_download}\n' "$u$blob_path" >"$work/c8.$i" &
    cpids+=($!)
  done
  for i in "${cpids[@]}"; do wait "$i" || die "blob GET (8 clients) $u: curl failed"; done
  t1="$(date +%s%N)"
  for i in 1 2 3 4 5 6 7 8; do
    read -r code size <"$work/c8.$i"
    [[ "$code" == 200 && "$size" == "$blob_size" ]] || die "blob GET (8 clients) $u: HTTP $code, $size bytes"
    total=$((total + size))
  done
  awk -v b="$total" -v ns="$((t1 - t0))" 'BEGIN { printf "%.0f\n", b / (ns / 1e9) }'
}

# wrk at concurrency C: prints "rps p50_ms p99_ms requests".
manifest_wrk() {
  local u="$1" c="$2" threads=2 outf="$work/wrk.out"
  ((c < threads)) && threads="$c" # wrk needs connections >= threads
  wrk -t"$threads" -c"$c" -d3s --latency -H "$manifest_accept" "$u$manifest_path" >"$outf" 2>&1 ||
    { cat "$outf" >&2; die "wrk against $u failed"; }
  if grep -q 'Non-2xx' "$outf"; then
    cat "$outf" >&2
    die "wrk against $u got error responses"
  fi
  # Timeouts under heavy machine load are reported, not fatal.
  if grep -q 'Socket errors' "$outf"; then
    echo "- wrk c=$c against $u: $(grep 'Socket errors' "$outf" | sed 's/^ *//')" >>"$warnings"
  fi
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
      return v + 0
    }
    $1 == "Requests/sec:" { rps = $2 }
    $2 == "requests" && $3 == "in" { n = $1 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END {
      if (rps == "" || p50 == "" || p99 == "" || n == "") exit 1
      printf "%s %.4f %.4f %s\n", rps, p50, p99, n
    }' "$outf" || { cat "$outf" >&2; die "cannot parse wrk output"; }
}

concurrencies=(1 16 64)
log "warm-up pass (not recorded)"
for t in "${targets[@]}"; do
  u="$(url_of "$t")"
  blob_one "$u" >/dev/null
  wrk -t1 -c1 -d1s -H "$manifest_accept" "$u$manifest_path" >/dev/null 2>&1 || true
done

for round in $(seq 1 "$rounds"); do
  load_now="$(load_avg)"
  load_seen+=" ${load_now%% *}"
  log "round $round/$rounds (load average $load_now)"
  # (Assignments first: a failure inside $(...) only stops the script from an assignment.)
  for t in "${targets[@]}"; do
    c0="$(cpu_of "$t")" r0="$(ticks "$registry_pid")"
    v="$(blob_one "$(url_of "$t")")"
    record cpu_blob1 "$t" "$round" "$(($(cpu_of "$t") - c0))"
    record rcpu_blob1 "$t" "$round" "$(($(ticks "$registry_pid") - r0))"
    record blob1 "$t" "$round" "$v"
  done
  for t in "${targets[@]}"; do
    c0="$(cpu_of "$t")" r0="$(ticks "$registry_pid")"
    v="$(blob_eight "$(url_of "$t")")"
    record cpu_blob8 "$t" "$round" "$(($(cpu_of "$t") - c0))"
    record rcpu_blob8 "$t" "$round" "$(($(ticks "$registry_pid") - r0))"
    record blob8 "$t" "$round" "$v"
  done
  for c in "${concurrencies[@]}"; do
    for t in "${targets[@]}"; do
      c0="$(cpu_of "$t")" r0="$(ticks "$registry_pid")"
      v="$(manifest_wrk "$(url_of "$t")" "$c")"
      record "cpu_c$c" "$t" "$round" "$(($(cpu_of "$t") - c0))"
      record "rcpu_c$c" "$t" "$round" "$(($(ticks "$registry_pid") - r0))"
      read -r rps p50 p99 n <<<"$v"
      record "req_c$c" "$t" "$round" "$n"
      record "rps_c$c" "$t" "$round" "$rps"
      record "p50_c$c" "$t" "$round" "$p50"
      record "p99_c$c" "$t" "$round" "$p99"
    done
  done
done

# Peak RSS: a fresh Portcullis, so VmHWM reflects start-up plus this one 1 GiB transfer.
log "peak RSS of a fresh Portcullis while it streams the 1 GiB blob"
stop_portcullis
start_portcullis
rss_start_kb="$(awk '$1 == "VmRSS:" {print $2}' "/proc/$portcullis_pid/status")"
r="$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' "$portcullis$big_path")"
read -r code size <<<"$r"
[[ "$code" == 200 && "$size" == "$big_size" ]] || die "1 GiB blob through portcullis: HTTP $code, $size bytes"
hwm_kb="$(awk '$1 == "VmHWM:" {print $2}' "/proc/$portcullis_pid/status")"
rss_end_kb="$(awk '$1 == "VmRSS:" {print $2}' "/proc/$portcullis_pid/status")"
load_at_end="$(load_avg)"
load_seen+=" ${load_at_end%% *}"

# ---------------------------------------------------------------- report
median() { # metric target
  awk -F'\t' -v m="$1" -v t="$2" '$1 == m && $2 == t {print $4}' "$results" | sort -g |
    awk '{v[NR] = $1} END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# min..max over rounds of the per-round ratio portcullis/direct: how much the rounds disagree.
spread() {
  awk -F'\t' -v m="$1" '$1 == m && $2 == "portcullis" {p[$3] = $4} $1 == m && $2 == "direct" {d[$3] = $4}
    END { for (r in p) if (d[r] > 0) { x = p[r] / d[r]; if (lo == "" || x < lo) lo = x; if (hi == "" || x > hi) hi = x }
          printf "%.2f..%.2f\n", lo, hi }' "$results"
}
# Summed CPU over rounds per unit of work: per = bytes per run, or "req" for wrk request counts.
cost_of() { # metric target per scale [cpu_ | rcpu_]
  awk -F'\t' -v m="$1" -v t="$2" -v per="$3" -v scale="$4" -v hz="$(getconf CLK_TCK)" -v kind="${5:-cpu_}" '
    $2 == t && $1 == kind m { cpu += $4; runs++ }
    $2 == t && $1 == "req_" m { work += $4 }
    END { if (per != "req") work = runs * per; if (work > 0) printf "%.0f\n", cpu / hz * scale / work; else print "n/a" }' "$results"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2fx\n", a / b }'; }
fmt() { # value kind
  case "$2" in
    bps) awk -v v="$1" 'BEGIN { printf "%.0f MB/s", v / 1e6 }' ;;
    rps) awk -v v="$1" 'BEGIN { printf "%.0f/s", v }' ;;
    ms) awk -v v="$1" 'BEGIN { printf "%.3f ms", v }' ;;
  esac
}
pass() { # value op threshold, op is >= or <
  if awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 < t + 0); exit !ok }'
  then echo PASS; else echo FAIL; fi
}

metrics=(blob1 blob8 rps_c1 p50_c1 p99_c1 rps_c16 p50_c16 p99_c16 rps_c64 p50_c64 p99_c64)
label() {
  case "$1" in
    blob1) echo "blob GET 128 MiB, 1 client (higher is better)" ;;
    blob8) echo "blob GET 128 MiB, 8 clients aggregate (higher is better)" ;;
    rps_c*) echo "manifest GET req/s, c=${1#rps_c} (higher is better)" ;;
    p50_c*) echo "manifest GET p50 latency, c=${1#p50_c} (lower is better)" ;;
    p99_c*) echo "manifest GET p99 latency, c=${1#p99_c} (lower is better)" ;;
  esac
}
kind() {
  case "$1" in blob*) echo bps ;; rps_*) echo rps ;; *) echo ms ;; esac
}
declare -A med
for m in "${metrics[@]}"; do for t in "${targets[@]}"; do med[$m,$t]="$(median "$m" "$t")"; done; done

report="$work/report.md"
{
  echo "# Portcullis proxy benchmark"
  echo
  load_max="$(tr ' ' '\n' <<<"$load_seen" | sort -g | tail -n1)"
  echo "- Machine: $cores cores ($(uname -m)), $(date -u +%Y-%m-%dT%H:%MZ); load average at start $load_at_start, at end $load_at_end; 1-minute load at start, each round, end: $load_seen."
  awk -v l="$load_max" -v c="$cores" 'BEGIN { if (l > c) print "- NOTE: load average above the core count during the run: other work was running. Absolute figures are low, and a proxied target can even beat direct (its extra process wins a bigger share of the CPU from the other work); trust the CPU-cost table more than the time ratios." }'
  echo "- Rounds: $rounds, interleaved direct, portcullis, nginx-default, nginx-tuned per measurement; figures are medians over rounds."
  echo "- Upstream: docker-registry $(docker-registry --version 2>/dev/null | awk '{print $3}') on loopback, filesystem storage, inmemory blob descriptor cache, info-level logs to a file."
  echo "- Portcullis: $(basename "$binary") ($("$binary" version 2>/dev/null || echo '?')), max(2, cores) = $((cores > 2 ? cores : 2)) I/O threads, access log to a file, defaultUpstream addressing."
  echo "- nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'): worker_processes auto ($cores workers), access log to a file, HTTP/1.1 keep-alive upstream (keepalive 32); default = proxy_buffering off; tuned = proxy_buffering on, proxy_buffers 32 256k."
  echo "- Load generators (curl, wrk -t2, -t1 at c=1) share the same $cores cores. Manifest: apps/hello:1.0 by tag, $manifest_accept. MB = 10^6 bytes."
  echo
  echo "| metric | direct | portcullis | nginx-default | nginx-tuned | portcullis/direct | (per round) | portcullis/nginx-default | portcullis/nginx-tuned | nginx-default/direct | nginx-tuned/direct |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
  for m in "${metrics[@]}"; do
    k="$(kind "$m")"
    d="${med[$m,direct]}" p="${med[$m,portcullis]}" nd="${med[$m,nginx-default]}" nt="${med[$m,nginx-tuned]}"
    echo "| $(label "$m") | $(fmt "$d" "$k") | $(fmt "$p" "$k") | $(fmt "$nd" "$k") | $(fmt "$nt" "$k") |" \
      "$(ratio "$p" "$d") | $(spread "$m") | $(ratio "$p" "$nd") | $(ratio "$p" "$nt") | $(ratio "$nd" "$d") | $(ratio "$nt" "$d") |"
  done
  echo
  added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
  add_p="$(added "${med[p50_c1,portcullis]}" "${med[p50_c1,direct]}")"
  add_nd="$(added "${med[p50_c1,nginx-default]}" "${med[p50_c1,direct]}")"
  add_nt="$(added "${med[p50_c1,nginx-tuned]}" "${med[p50_c1,direct]}")"
  echo "CPU cost of the serving process (user+sys summed over all rounds; 1 tick = 1/$(getconf CLK_TCK) s): the registry for direct, the proxy alone for the others. Less sensitive to machine load than times."
  echo
  echo "| work | direct (registry) | portcullis | nginx-default | nginx-tuned | portcullis/nginx-default | portcullis/nginx-tuned | registry behind direct / portcullis / nginx-default / nginx-tuned |"
  echo "|---|---|---|---|---|---|---|---|"
  for m in blob1 blob8 c1 c16 c64; do
    case "$m" in
      blob1) what="blob GET, 1 client: CPU ms per GB"; per=$((blob_size)) scale=1e12 ;;
      blob8) what="blob GET, 8 clients: CPU ms per GB"; per=$((8 * blob_size)) scale=1e12 ;;
      *) what="manifest GET ${m/c/c=}: CPU us per request"; per=req scale=1e6 ;;
    esac
    declare -A cost=() rcost=()
    for t in "${targets[@]}"; do
      cost[$t]="$(cost_of "$m" "$t" "$per" "$scale")"
      rcost[$t]="$(cost_of "$m" "$t" "$per" "$scale" rcpu_)"
    done
    echo "| $what | ${cost[direct]} | ${cost[portcullis]} | ${cost[nginx-default]} | ${cost[nginx-tuned]} |" \
      "$(ratio "${cost[portcullis]}" "${cost[nginx-default]}") | $(ratio "${cost[portcullis]}" "${cost[nginx-tuned]}") |" \
      "${rcost[direct]} / ${rcost[portcullis]} / ${rcost[nginx-default]} / ${rcost[nginx-tuned]} |"
  done
  echo
  echo "| p50 added latency at c=1 (median p50 minus direct median p50) | portcullis | nginx-default | nginx-tuned |"
  echo "|---|---|---|---|"
  echo "| manifest GET, vs direct $(fmt "${med[p50_c1,direct]}" ms) | +$add_p ms | +$add_nd ms | +$add_nt ms |"
  echo
  hwm_mb="$(awk -v k="$hwm_kb" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }')"
  echo "| Portcullis memory (fresh process, one 1 GiB blob GET) | value |"
  echo "|---|---|"
  echo "| RSS after start-up | $(awk -v k="$rss_start_kb" 'BEGIN { printf "%.1f MB", k * 1024 / 1e6 }') |"
  echo "| peak RSS (VmHWM) after streaming 1 GiB | $hwm_mb MB |"
  echo "| RSS after the transfer | $(awk -v k="$rss_end_kb" 'BEGIN { printf "%.1f MB", k * 1024 / 1e6 }') |"
  echo
  echo "| target | measured | result |"
  echo "|---|---|---|"
  for m in blob1 blob8; do
    r="$(ratio "${med[$m,portcullis]}" "${med[$m,direct]}")"
    echo "| $(label "$m" | sed 's/ (.*//'): >= 0.90x direct | $r | $(pass "${r%x}" ">=" 0.90) |"
  done
  for c in "${concurrencies[@]}"; do
    r="$(ratio "${med[rps_c$c,portcullis]}" "${med[rps_c$c,direct]}")"
    echo "| manifest req/s c=$c: >= 0.95x direct | $r | $(pass "${r%x}" ">=" 0.95) |"
  done
  echo "| p50 added latency c=1: < 0.3 ms | +$add_p ms | $(pass "$add_p" "<" 0.3) |"
  echo "| peak RSS while streaming 1 GiB: < 64 MB | $hwm_mb MB | $(pass "$hwm_mb" "<" 64) |"
  if [[ -s "$warnings" ]]; then
    echo
    echo "Warnings:"
    cat "$warnings"
  fi
} >"$report"

cat "$report"
if [[ -n "$out" ]]; then
  cp "$report" "$out"
  log "report written to $out"
fi
