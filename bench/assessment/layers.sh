# Test layers for the assessment benchmark (sourced by run.sh, which defines log and die).
#
# The Debian 12 rootfs comes from `debootstrap --variant=minbase --include=openssh-server
# bookworm` against the mirror this machine's apt uses (read at run time, never written here).
# The rootfs and the layers made from it are cached in $bench_cache, so only the first run
# downloads and compresses; every file appears by rename only when complete.

# URI of the first enabled apt source that serves suite $1: deb822 *.sources first, then
# one-line sources.list and *.list. Prints nothing if none does.
apt_mirror() {
  local suite="$1" f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    uri="$(awk -v suite="$suite" '
      function finish() {
        if (found == "" && enabled && types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "") {
          split(uris, u, " "); found = u[1]
        }
        types = ""; uris = ""; suites = ""; enabled = 1
      }
      BEGIN { enabled = 1 }
      /^#/ { next }
      /^[ \t]*$/ { finish(); next }
      /^[^ \t][^:]*:/ {
        key = substr($0, 1, index($0, ":") - 1); val = substr($0, index($0, ":") + 1)
        gsub(/^[ \t]+|[ \t]+$/, "", val); gsub(/[ \t]+/, " ", val)
        if (key == "Types") types = val
        if (key == "URIs") uris = val
        if (key == "Suites") suites = val
        if (key == "Enabled") enabled = (val != "no")
      }
      END { finish(); print found }' "$f")"
    [[ -n "$uri" ]] && { echo "$uri"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    uri="$(awk -v suite="$suite" '
      { sub(/#.*/, "") }
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' "$f")"
    [[ -n "$uri" ]] && { echo "$uri"; return 0; }
  done
  return 0
}

# Prints the cached rootfs directory, building it first if needed (a few minutes, once).
# Serialised with flock so two runs never debootstrap into the same place.
bench_rootfs() {
  local name="bookworm-minbase+openssh-server" dir="$bench_cache/rootfs" mirror
  local final="$dir/$name" tmp="$dir/$name.tmp"
  mkdir -p "$dir"
  exec {rootfs_lock}>"$dir/$name.lock"
  flock "$rootfs_lock"
  if [[ ! -d "$final" ]]; then
    [[ "$(id -u)" == 0 ]] || die "debootstrap needs root (or a cached rootfs at $final)"
    mirror="$(apt_mirror bookworm)"
    [[ -n "$mirror" ]] || die "no apt source on this machine serves bookworm"
    # A killed debootstrap may leave /proc or /sys mounted in its target.
    if [[ -e "$tmp" ]]; then
      awk -v d="$tmp/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
        while read -r m; do umount -l "$m" || true; done
      rm -rf "$tmp"
    fi
    mkdir -p "$dir/debs"
    log "debootstrap --variant=minbase --include=openssh-server bookworm from $mirror (once; log: $dir/$name.log)"
    debootstrap --variant=minbase --include=openssh-server --cache-dir="$dir/debs" \
      bookworm "$tmp" "$mirror" >"$dir/$name.log" 2>&1 ||
      { tail -n 20 "$dir/$name.log" >&2; die "debootstrap failed"; }
    [[ -x "$tmp/usr/sbin/sshd" ]] || die "debootstrap left no /usr/sbin/sshd in $tmp"
    mv "$tmp" "$final"
  fi
  exec {rootfs_lock}>&-
  echo "$final"
}

# Writes $1.tar, $1.tar.gz and $1.tar.zst of the tree $2 unless they exist: a deterministic
# pax tar (sorted, mtime 0, numeric owners, no atime/ctime), gzip -6 -n, zstd -3. Like the
# Debian images on Docker Hub, without apt's downloaded .debs and package lists (86 MB that no
# container uses); what is left is the issue's reference layer: about 150 MB of tar, 57 MB gzip.
bench_layers() {
  local base="$1" root="$2"
  [[ -f "$base.tar" && -f "$base.tar.gz" && -f "$base.tar.zst" ]] && return 0
  mkdir -p "$(dirname "$base")"
  log "making the layers $base.tar{,.gz,.zst} (once)"
  (cd "$root" && LC_ALL=C find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort) >"$base.list"
  # Sockets cannot go into a tar; GNU tar skips them with a warning.
  LC_ALL=C tar -C "$root" --sort=name --format=pax \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --exclude='var/cache/apt/archives/*.deb' --exclude='var/lib/apt/lists/*' \
    --mtime=@0 --numeric-owner -cf "$base.tar.part" -T "$base.list" 2> >(grep -v 'socket ignored' >&2) ||
    die "tar of $root failed"
  gzip -6 -n -c "$base.tar.part" >"$base.tar.gz.part"
  zstd -q -3 -c "$base.tar.part" >"$base.tar.zst.part"
  mv "$base.tar.gz.part" "$base.tar.gz"
  mv "$base.tar.zst.part" "$base.tar.zst"
  mv "$base.tar.part" "$base.tar"
  rm -f "$base.list"
}

# ---------------------------------------------------------------- pushing

sha256_of_file() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

# Pushes file $2 as a blob of repository $1 to the registry at $registry (monolithic upload).
push_blob() {
  local repo="$1" file="$2" digest location
  digest="$(sha256_of_file "$file")"
  location="$(curl -fsS -X POST -o /dev/null -D - "$registry/v2/$repo/blobs/uploads/" |
    tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')"
  [[ -n "$location" ]] || die "upload POST for $repo gave no Location"
  [[ "$location" == http* ]] || location="$registry$location"
  curl -fsS -X PUT -H 'Content-Type: application/octet-stream' -H 'Expect:' -T "$file" -o /dev/null \
    "$location&digest=$digest" || die "blob upload of $file to $repo failed"
}

# Pushes a one-layer OCI image REPO:TAG with layer file LAYER of MEDIA_TYPE whose uncompressed
# tar is TAR (for the config's diff_id); sets variable $5 to the manifest digest.
push_image() {
  local repo="$1" tag="$2" layer="$3" media_type="$4" tar="$6" dir
  dir="$(mktemp -d "$work/push.XXXXXX")"
  printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$(sha256_of_file "$tar")" >"$dir/config.json"
  push_blob "$repo" "$dir/config.json"
  push_blob "$repo" "$layer"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",%s,%s}' \
    "$(printf '"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s}' \
      "$(sha256_of_file "$dir/config.json")" "$(stat -c %s "$dir/config.json")")" \
    "$(printf '"layers":[{"mediaType":"%s","digest":"%s","size":%s}]' \
      "$media_type" "$(sha256_of_file "$layer")" "$(stat -c %s "$layer")")" >"$dir/manifest.json"
  curl -fsS -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$dir/manifest.json" -o /dev/null "$registry/v2/$repo/manifests/$tag" ||
    die "manifest PUT $repo:$tag failed"
  printf -v "$5" '%s' "$(sha256_of_file "$dir/manifest.json")"
  rm -rf "$dir"
}
