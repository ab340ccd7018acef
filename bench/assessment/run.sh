#!/usr/bin/env bash
# Assessment benchmark (issue #4): what judging an image costs, against peers measured in the
# same run on the same layer files.
#
#  - Cold assessment: one HEAD by tag through a fresh Portcullis (empty store) of a Debian 12
#    debootstrap+openssh-server image, which fetches the config and the layer from a local
#    docker-registry and inspects them (the verdict is DENIED: sshd is in). gzip image against
#    `bsdtar -tf` (also `gzip -dc`, `igzip -dc`), zstd image against `zstd -dc`.
#  - Peak RSS (VmHWM) of the daemon after a cold assessment.
#  - Warm manifest GETs of an allowed image at concurrency 16 (wrk), by digest (answered from
#    the store) and by tag (one upstream HEAD), against the same GETs direct to docker-registry,
#    with the CPU each request costs the registry and Portcullis.
# Repetitions are interleaved (assessment, peers, assessment, ...; direct, portcullis, ...) so
# machine noise hits every target alike; the report gives medians and ratios.
#
# usage: bench/assessment/run.sh [PORTCULLIS_BINARY] [--quick] [--reps N] [--out FILE]
#   PORTCULLIS_BINARY  default: $PORTCULLIS_BIN, else build/proxy/portcullis under the repo root
#   --quick            3 cold repetitions and 2 wrk rounds of 2 s (default 5 and 3 of 5 s)
#   --reps N           N cold repetitions
#   --out FILE         also write the report (markdown) to FILE
# The rootfs and layers are cached in ${XDG_CACHE_HOME:-$HOME/.cache}/portcullis-bench.
# Needs (Debian packages): debootstrap (first run, as root), docker-registry, wrk, curl,
# libarchive-tools (bsdtar), isal (igzip), zstd, gzip, tar, ss, awk, flock.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
binary="${PORTCULLIS_BIN:-}"
reps=5
rounds=3
wrk_seconds=5
out=""
while (($#)); do
  case "$1" in
    --quick) reps=3 rounds=2 wrk_seconds=2 ;;
    --reps) reps="$2"; shift ;;
    --out) out="$2"; shift ;;
    -h | --help) sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option: $1" >&2; exit 2 ;;
    *) binary="$1" ;;
  esac
  shift
done
source "$repo/bench/lib.sh"
binary="$(resolve_binary "${binary:-}")"
require_tools docker-registry wrk curl bsdtar igzip zstd gzip tar sha256sum ss awk flock

bench_cache="${XDG_CACHE_HOME:-$HOME/.cache}/portcullis-bench"

# shellcheck source=bench/assessment/layers.sh
source "$here/layers.sh"


now_ns() { date +%s%N; }
load_at_start="$(load_avg)"
load_seen="${load_at_start%% *}"
cores="$(nproc)"

# ---------------------------------------------------------------- layers
rootfs="$(bench_rootfs)"
layer_base="$bench_cache/layers/debian-sshd"
bench_layers "$layer_base" "$rootfs"
tar_file="$layer_base.tar"
gz_file="$layer_base.tar.gz"
zst_file="$layer_base.tar.zst"
sshd_version="$(awk '/^Package: /{p=$2} /^Version: /{v=$2} /^$/{if (p=="openssh-server") print v; p=""}' \
  "$rootfs/var/lib/dpkg/status" | head -n1)"
[[ -n "$sshd_version" ]] || die "openssh-server is not installed in $rootfs"

# The allowed image for the warm GETs: a few small files (the manifest GET is what is timed).
mkdir -p "$work/small/etc"
printf 'PRETTY_NAME="bench small"\nID=bench\nVERSION_ID="1"\n' >"$work/small/etc/os-release"
echo hello >"$work/small/hello.txt"
tar -C "$work/small" --sort=name --mtime=@0 --numeric-owner -cf "$work/small.tar" etc hello.txt
gzip -n -c "$work/small.tar" >"$work/small.tar.gz"

# ---------------------------------------------------------------- upstream
free_port reg_port
mkdir -p "$work/registry"
cat >"$work/registry.yml" <<YAML
version: 0.1
log: {level: info, accesslog: {disabled: false}}
storage:
  cache: {blobdescriptor: inmemory}
  filesystem: {rootdirectory: $work/registry}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$reg_port
YAML
# stdout: the access log (one line per request), counted below.
docker-registry serve "$work/registry.yml" >"$work/registry-access.log" 2>"$work/registry.log" &
registry_pid=$!
pids+=("$registry_pid")
registry="http://127.0.0.1:$reg_port"
wait_http "$registry/v2/" docker-registry

log "pushing bench/sshd-gzip:1, bench/sshd-zstd:1 and apps/small:1"
gz_digest="" zst_digest="" small_digest=""
push_image bench/sshd-gzip 1 "$gz_file" application/vnd.oci.image.layer.v1.tar+gzip gz_digest "$tar_file"
push_image bench/sshd-zstd 1 "$zst_file" application/vnd.oci.image.layer.v1.tar+zstd zst_digest "$tar_file"
push_image apps/small 1 "$work/small.tar.gz" application/vnd.oci.image.layer.v1.tar+gzip small_digest "$work/small.tar"

# ---------------------------------------------------------------- portcullis
upstream_name="registry.bench.example"
mkdir -p "$work/manifests"
cat >"$work/manifests/bench-content.yaml" <<YAML
apiVersion: portcullis.dev/v1
kind: TrustManifest
metadata:
  name: bench-content
spec:
  scope:
    clusters: ["bench-*"]
  mode: enforce
  content:
    deny:
      - name: no-ssh-server
        sshServer: true
YAML
# Writes the config for store directory $1 to $work/portcullis.yaml.
write_config() {
  cat >"$work/portcullis.yaml" <<YAML
listen:
  - address: 127.0.0.1:0
    defaultUpstream: $upstream_name
upstreams:
  - name: $upstream_name
    url: $registry
store: {path: $1}
manifests: [$work/manifests]
cluster: bench-local
accessLog: $work/portcullis-access.log
YAML
}

portcullis_pid=""
portcullis=""
# Starts Portcullis on a fresh store $1, on a port it picks itself; sets portcullis_pid and
# portcullis (its URL).
start_portcullis() {
  local errlog="$work/portcullis.$RANDOM.log" port=""
  write_config "$1"
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
  for _ in $(seq 1 100); do kill -0 "$portcullis_pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$portcullis_pid" 2>/dev/null || true
  wait "$portcullis_pid" 2>/dev/null || true
}
metric() { curl -fsS "$portcullis/metrics" | awk -v n="$1" '$1 == n {print $2}'; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

oci="application/vnd.oci.image.manifest.v1+json"
docker2="application/vnd.docker.distribution.manifest.v2+json"

# ---------------------------------------------------------------- measurements
results="$work/results.tsv" # metric <TAB> round <TAB> value
warnings="$work/warnings.md"
: >"$results"
: >"$warnings"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }

# Runs a command (output discarded) and records its wall and CPU (user+sys) milliseconds as
# metrics NAME and cpu_NAME; bash's `time` reports the child's own rusage.
timed_peer() {
  local name="$1" round="$2" t real user sys TIMEFORMAT='%3R %3U %3S'
  shift 2
  t="$({ time "$@" >/dev/null 2>"$work/peer.err"; } 2>&1)" || { cat "$work/peer.err" >&2; die "$* failed"; }
  read -r real user sys <<<"$t"
  record "$name" "$round" "$(awk -v r="$real" 'BEGIN { printf "%.1f\n", r * 1000 }')"
  record "cpu_$name" "$round" "$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f\n", (u + s) * 1000 }')"
}

# CPU milliseconds (user+sys, all threads, 10 ms ticks) used so far by process $1.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($14 + $15) * 1000 / hz }' "/proc/$1/stat"; }

# One cold assessment of bench/sshd-KIND:1 on a fresh daemon and store. Records its time
# (HEAD by tag, as curl measures it), the CPU the daemon and the registry spent meanwhile, the
# daemon's peak RSS after it and at start-up, and checks the verdict and that exactly one
# assessment ran.
cold_assessment() {
  local kind="$1" round="$2" store="$work/store-$1-$2" r code secs reason c0 r0
  start_portcullis "$store"
  record "rss_start_$kind" "$round" "$(status_kb "$portcullis_pid" VmHWM)"
  c0="$(cpu_ms "$portcullis_pid")" r0="$(cpu_ms "$registry_pid")"
  r="$(curl -sS -I -o /dev/null -w '%{http_code} %{time_total}' -H "Accept: $oci" -H "Accept: $docker2" \
    "$portcullis/v2/bench/sshd-$kind/manifests/1")"
  record "cpu_cold_$kind" "$round" "$(($(cpu_ms "$portcullis_pid") - c0))"
  record "rcpu_cold_$kind" "$round" "$(($(cpu_ms "$registry_pid") - r0))"
  record "hwm_$kind" "$round" "$(status_kb "$portcullis_pid" VmHWM)"
  read -r code secs <<<"$r"
  [[ "$code" == 403 ]] || die "cold HEAD of bench/sshd-$kind:1: HTTP $code, expected 403 (DENIED)"
  record "cold_$kind" "$round" "$(awk -v s="$secs" 'BEGIN { printf "%.1f\n", s * 1000 }')"
  reason="$(curl -sS -H "Accept: $oci" "$portcullis/v2/bench/sshd-$kind/manifests/1")"
  [[ "$reason" == *"no-ssh-server: /usr/sbin/sshd (openssh-server $sshd_version)"* ]] ||
    die "bench/sshd-$kind:1 was not denied for sshd: $reason"
  [[ "$(metric portcullis_assessment_runs_total)" == 1 ]] ||
    die "expected one assessment run, /metrics says $(metric portcullis_assessment_runs_total)"
  stop_portcullis
  rm -rf "$store"
}

peers() {
  timed_peer bsdtar "$1" bsdtar -tf "$gz_file"
  timed_peer gzip "$1" gzip -dc "$gz_file"
  timed_peer igzip "$1" igzip -dc "$gz_file"
  timed_peer zstd "$1" zstd -dc "$zst_file"
}

log "warm-up pass (page cache, not recorded)"
cold_assessment gzip 0
cold_assessment zstd 0
peers 0
: >"$results"

for round in $(seq 1 "$reps"); do
  load_now="$(load_avg)"
  load_seen+=" ${load_now%% *}"
  log "cold round $round/$reps (load average $load_now)"
  cold_assessment gzip "$round"
  peers "$round"
  cold_assessment zstd "$round"
done

# Warm GETs: one daemon, one warm-up pull of the allowed image, then wrk.
start_portcullis "$work/store-warm"
for ref in 1 "$small_digest"; do
  got="sha256:$(curl -fsS -H "Accept: $oci" "$portcullis/v2/apps/small/manifests/$ref" | sha256sum | cut -d' ' -f1)"
  [[ "$got" == "$small_digest" ]] || die "apps/small:$ref through portcullis: digest $got, expected $small_digest"
done
[[ "$(metric portcullis_assessment_runs_total)" == 1 ]] || die "warm-up pull did not assess apps/small once"

# Registry requests for apps/small manifests so far (its access log, one line per request,
# written after the response): the count once it has stayed the same for 0.2 s.
upstream_manifest_requests() {
  local last=-1 n
  for _ in $(seq 1 50); do
    n="$(grep -c '"[A-Z]* /v2/apps/small/manifests/' "$work/registry-access.log" || true)"
    [[ "$n" == "$last" ]] && break
    last="$n"
    sleep 0.2
  done
  echo "$n"
}

# wrk at concurrency 16 against URL; prints "rps requests".
manifest_wrk() {
  local url="$1" outf="$work/wrk.out"
  wrk -t2 -c16 -d"${wrk_seconds}s" -H "Accept: $oci" "$url" >"$outf" 2>&1 ||
    { cat "$outf" >&2; die "wrk against $url failed"; }
  if grep -q 'Non-2xx' "$outf"; then
    cat "$outf" >&2
    die "wrk against $url got error responses"
  fi
  if grep -q 'Socket errors' "$outf"; then
    echo "- wrk against $url: $(grep 'Socket errors' "$outf" | sed 's/^ *//')" >>"$warnings"
  fi
  awk '$1 == "Requests/sec:" { rps = $2 } $2 == "requests" && $3 == "in" { n = $1 }
       END { if (rps == "" || n == "") exit 1; print rps, n }' "$outf" ||
    { cat "$outf" >&2; die "cannot parse wrk output"; }
}

for round in $(seq 1 "$rounds"); do
  load_now="$(load_avg)"
  load_seen+=" ${load_now%% *}"
  log "warm round $round/$rounds (load average $load_now)"
  for ref in digest tag; do
    path="/v2/apps/small/manifests/1"
    [[ "$ref" == digest ]] && path="/v2/apps/small/manifests/$small_digest"
    for target in direct portcullis; do
      url="$registry$path"
      [[ "$target" == portcullis ]] && url="$portcullis$path"
      before="$(upstream_manifest_requests)"
      r0="$(cpu_ms "$registry_pid")" p0="$(cpu_ms "$portcullis_pid")"
      v="$(manifest_wrk "$url")"
      read -r rps n <<<"$v"
      record "rps_${ref}_$target" "$round" "$rps"
      # CPU per request (us), summed over rounds in the report: the registry's and Portcullis's.
      record "rcpu_${ref}_$target" "$round" "$(($(cpu_ms "$registry_pid") - r0)) $n"
      record "pcpu_${ref}_$target" "$round" "$(($(cpu_ms "$portcullis_pid") - p0)) $n"
      if [[ "$target" == portcullis ]]; then
        v="$(awk -v u="$(($(upstream_manifest_requests) - before))" -v n="$n" 'BEGIN { printf "%.3f\n", u / n }')"
        record "upstream_per_req_$ref" "$round" "$v"
      fi
    done
  done
done
stop_portcullis
load_at_end="$(load_avg)"
load_seen+=" ${load_at_end%% *}"

# ---------------------------------------------------------------- report
median() {
  awk -F'\t' -v m="$1" '$1 == m {print $3}' "$results" | sort -g |
    awk '{v[NR] = $1} END { if (NR == 0) exit 1; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
maximum() { awk -F'\t' -v m="$1" '$1 == m {print $3}' "$results" | sort -g | tail -n1; }
# min..max over rounds of the per-round ratio A/B.
spread() {
  awk -F'\t' -v a="$1" -v b="$2" '$1 == a {x[$2] = $3} $1 == b {y[$2] = $3}
    END { for (r in x) if (y[r] > 0) { q = x[r] / y[r]; if (lo == "" || q < lo) lo = q; if (hi == "" || q > hi) hi = q }
          printf "%.2f..%.2f\n", lo, hi }' "$results"
}
# Microseconds of CPU per request of metric $1 ("ms requests" per round), over all rounds.
us_per_req() {
  awk -F'\t' -v m="$1" '$1 == m { split($3, f, " "); ms += f[1]; n += f[2] }
    END { if (n > 0) printf "%.0f\n", ms * 1000 / n; else print "n/a" }' "$results"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2fx\n", a / b }'; }
ms() { awk -v v="$1" 'BEGIN { printf "%.0f ms", v }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; }
pass() { # value op threshold, op is <=, >= or <
  if awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
      ok = (op == ">=") ? (v + 0 >= t + 0) : (op == "<=") ? (v + 0 <= t + 0) : (v + 0 < t + 0); exit !ok }'
  then echo PASS; else echo FAIL; fi
}

declare -A med
for m in cold_gzip cold_zstd bsdtar gzip igzip zstd rps_digest_direct rps_digest_portcullis \
  rps_tag_direct rps_tag_portcullis upstream_per_req_digest upstream_per_req_tag; do
  med[$m]="$(median "$m")"
done
hwm_max="$(mb "$(printf '%s\n' "$(maximum hwm_gzip)" "$(maximum hwm_zstd)" | sort -g | tail -n1)")"

r_gzip="$(ratio "${med[cold_gzip]}" "${med[bsdtar]}")"
r_zstd="$(ratio "${med[cold_zstd]}" "${med[zstd]}")"
r_digest="$(ratio "${med[rps_digest_portcullis]}" "${med[rps_digest_direct]}")"
r_tag="$(ratio "${med[rps_tag_portcullis]}" "${med[rps_tag_direct]}")"

report="$work/report.md"
{
  echo "# Portcullis assessment benchmark"
  echo
  load_max="$(tr ' ' '\n' <<<"$load_seen" | sort -g | tail -n1)"
  echo "- Machine: $cores cores ($(uname -m)), $(date -u +%Y-%m-%dT%H:%MZ); load average at start $load_at_start, at end $load_at_end; 1-minute load at start, each round, end: $load_seen."
  awk -v l="$load_max" -v c="$cores" 'BEGIN { if (l > c) print "- NOTE: load average above the core count during the run: other work was running; ratios are more trustworthy than absolute times." }'
  echo "- Layer: Debian 12 \`debootstrap --variant=minbase --include=openssh-server\` (openssh-server $sshd_version), one deterministic pax tar of $(mb "$(($(stat -c %s "$tar_file") / 1024))") MB: gzip -6 $(mb "$(($(stat -c %s "$gz_file") / 1024))") MB, zstd -3 $(mb "$(($(stat -c %s "$zst_file") / 1024))") MB. MB = 10^6 bytes."
  echo "- Cold: $reps repetitions, each a fresh Portcullis ($("$binary" version 2>/dev/null || echo '?')) on an empty store timing one HEAD by tag (verdict DENIED, no-ssh-server), interleaved with the peers reading the same layer files from the page cache; medians. The assessment also fetches the blobs from docker-registry $(docker-registry --version 2>/dev/null | awk '{print $3}') over loopback, on the same cores."
  echo "- Warm: wrk -t2 -c16 -d${wrk_seconds}s, $rounds rounds interleaved direct/portcullis; GET of apps/small (allowed) with Accept: $oci after one warm-up pull; medians. Portcullis writes an access log to a file."
  echo
  echo "| measurement | Portcullis | peer | peer median | ratio (median) | per round | target | result |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "| cold assessment, gzip image | $(ms "${med[cold_gzip]}") | \`bsdtar -tf\` | $(ms "${med[bsdtar]}") | $r_gzip | $(spread cold_gzip bsdtar) | <= 0.7x | $(pass "${r_gzip%x}" "<=" 0.7) |"
  echo "| cold assessment, gzip image | $(ms "${med[cold_gzip]}") | \`igzip -dc\` | $(ms "${med[igzip]}") | $(ratio "${med[cold_gzip]}" "${med[igzip]}") | $(spread cold_gzip igzip) | | |"
  echo "| cold assessment, gzip image | $(ms "${med[cold_gzip]}") | \`gzip -dc\` | $(ms "${med[gzip]}") | $(ratio "${med[cold_gzip]}" "${med[gzip]}") | $(spread cold_gzip gzip) | | |"
  echo "| cold assessment, zstd image | $(ms "${med[cold_zstd]}") | \`zstd -dc\` | $(ms "${med[zstd]}") | $r_zstd | $(spread cold_zstd zstd) | <= 1.3x | $(pass "${r_zstd%x}" "<=" 1.3) |"
  echo "| peak RSS (VmHWM) after a cold assessment, max over runs | $hwm_max MB | | | | | < 128 MB | $(pass "$hwm_max" "<" 128) |"
  echo "| warm by-digest manifest GET, c=16 | $(printf '%.0f' "${med[rps_digest_portcullis]}")/s | direct | $(printf '%.0f' "${med[rps_digest_direct]}")/s | $r_digest | $(spread rps_digest_portcullis rps_digest_direct) | >= 5x | $(pass "${r_digest%x}" ">=" 5) |"
  echo "| warm by-tag manifest GET, c=16 | $(printf '%.0f' "${med[rps_tag_portcullis]}")/s | direct | $(printf '%.0f' "${med[rps_tag_direct]}")/s | $r_tag | $(spread rps_tag_portcullis rps_tag_direct) | >= 0.95x | $(pass "${r_tag%x}" ">=" 0.95) |"
  echo
  echo "CPU time (user+sys, medians; the daemon's from /proc in 10 ms ticks, the peers' from rusage). Less sensitive to other work on the machine than wall time; a daemon that overlaps fetching, hashing and inflating on several threads can spend more CPU than wall time."
  echo
  echo "| CPU | Portcullis | peer | peer median | ratio | docker-registry meanwhile (serving the blobs) |"
  echo "|---|---|---|---|---|---|"
  echo "| cold assessment, gzip image | $(ms "$(median cpu_cold_gzip)") | \`bsdtar -tf\` | $(ms "$(median cpu_bsdtar)") | $(ratio "$(median cpu_cold_gzip)" "$(median cpu_bsdtar)") | $(ms "$(median rcpu_cold_gzip)") |"
  echo "| cold assessment, gzip image | $(ms "$(median cpu_cold_gzip)") | \`igzip -dc\` | $(ms "$(median cpu_igzip)") | $(ratio "$(median cpu_cold_gzip)" "$(median cpu_igzip)") | |"
  echo "| cold assessment, zstd image | $(ms "$(median cpu_cold_zstd)") | \`zstd -dc\` | $(ms "$(median cpu_zstd)") | $(ratio "$(median cpu_cold_zstd)" "$(median cpu_zstd)") | $(ms "$(median rcpu_cold_zstd)") |"
  echo
  echo "| warm GET c=16: CPU us per request (all rounds) | docker-registry | Portcullis | together |"
  echo "|---|---|---|---|"
  for ref in digest tag; do
    for target in direct portcullis; do
      rc="$(us_per_req "rcpu_${ref}_$target")" pc="$(us_per_req "pcpu_${ref}_$target")"
      echo "| by $ref, $([[ "$target" == direct ]] && echo direct || echo "through Portcullis") | $rc | $pc | $((rc + pc)) |"
    done
  done
  echo
  echo "| detail | value |"
  echo "|---|---|"
  tag_bound="$(ratio "$(us_per_req rcpu_tag_direct)" "$(($(us_per_req rcpu_tag_portcullis) + $(us_per_req pcpu_tag_portcullis)))")"
  echo "| by-tag req/s ceiling when registry and Portcullis share the cores: direct CPU per request / (registry HEAD + Portcullis) CPU per request | $tag_bound |"
  echo "| peak RSS after a cold assessment, median gzip / zstd | $(mb "$(median hwm_gzip)") / $(mb "$(median hwm_zstd)") MB |"
  echo "| peak RSS of an idle daemon just started | $(mb "$(median rss_start_gzip)") MB |"
  echo "| \`igzip -dc\` / \`bsdtar -tf\` (the issue's 0.5x reference) | $(ratio "${med[igzip]}" "${med[bsdtar]}") |"
  echo "| upstream manifest requests per Portcullis GET, by digest / by tag | ${med[upstream_per_req_digest]} / ${med[upstream_per_req_tag]} |"
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
