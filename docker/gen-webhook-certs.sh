#!/usr/bin/env bash
# Makes the TLS material for Portcullis's admission webhooks and the webhook configurations with
# the CA bundle filled in. Needs only bash, openssl and coreutils/sed (Debian 12).
#
# Writes into OUT_DIR:
#   ca.crt, ca.key          the webhook CA (reused when both already exist, so that rotating the
#                           serving certificate keeps the caBundle the API server trusts)
#   tls.crt, tls.key        the serving certificate for Service portcullis.portcullis-system
#   validatingwebhookconfiguration.yaml, mutatingwebhookconfiguration.yaml
#                           copies of docker/kubernetes/*webhookconfiguration.yaml, caBundle filled
#   kustomization.yaml      an overlay of docker/kubernetes that uses those two copies
# With --apply it then runs kubectl: the namespace, the TLS Secret, and the overlay.
set -euo pipefail

readonly NAMESPACE=portcullis-system
readonly SERVICE=portcullis
readonly SECRET=portcullis-tls
readonly PLACEHOLDER=PORTCULLIS_CA_BUNDLE
readonly WEBHOOK_FILES=(validatingwebhookconfiguration.yaml mutatingwebhookconfiguration.yaml)

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S_DIR="$SCRIPT_DIR/kubernetes"
KUBECTL="${KUBECTL:-kubectl}"

usage() {
  cat <<EOF
Usage: $(basename "$0") [--apply] [--extra-san DNS]... [--days N] OUT_DIR

Makes a CA and a serving certificate for the Portcullis webhooks (Service $SERVICE in namespace
$NAMESPACE) and writes them, the filled-in webhook configurations and a kustomize overlay
to OUT_DIR. Without --apply nothing leaves OUT_DIR.

Options:
  --apply            also run: kubectl apply the namespace, create/update Secret $SECRET,
                     and kubectl apply -k OUT_DIR (the whole deployment, CA bundle filled in)
  --extra-san DNS    add a DNS name to the serving certificate, e.g. the name nodes use to
                     reach the registry mirror over TLS (repeatable)
  --days N           validity of the serving certificate in days (default 365)
  -h, --help         show this help

Environment: KUBECTL (default: kubectl) is the kubectl command used by --apply.
EOF
}

die() {
  echo "$(basename "$0"): $*" >&2
  exit 1
}

# Runs a command silently, but shows its output if it fails.
quiet() {
  local log
  if ! log="$("$@" 2>&1)"; then
    echo "$log" >&2
    die "failed: $*"
  fi
}

apply=0
days=365
extra_sans=()
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --apply) apply=1 ;;
    --extra-san)
      [ $# -ge 2 ] || die "--extra-san needs a DNS name"
      [[ "$2" =~ ^[A-Za-z0-9*]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || die "not a DNS name: $2"
      extra_sans+=("$2")
      shift
      ;;
    --days)
      [ $# -ge 2 ] || die "--days needs a number"
      [[ "$2" =~ ^[1-9][0-9]{0,4}$ ]] || die "not a number of days: $2"
      days="$2"
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*)
      usage >&2
      die "unknown option: $1"
      ;;
    *)
      [ -z "$out" ] || die "only one OUT_DIR, got '$out' and '$1'"
      out="$1"
      ;;
  esac
  shift
done
if [ -z "$out" ]; then
  usage >&2
  exit 2
fi
command -v openssl >/dev/null || die "openssl not found"
[ "$apply" -eq 0 ] || command -v "$KUBECTL" >/dev/null || die "--apply needs kubectl ($KUBECTL not found)"
for f in "${WEBHOOK_FILES[@]}"; do
  grep -q "caBundle: $PLACEHOLDER\$" "$K8S_DIR/$f" || die "$K8S_DIR/$f has no 'caBundle: $PLACEHOLDER'"
done

mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
umask 077

# Our own openssl config, so the result does not depend on the system's openssl.cnf.
sans="DNS:$SERVICE.$NAMESPACE.svc,DNS:$SERVICE.$NAMESPACE.svc.cluster.local"
sans+=",DNS:$SERVICE.$NAMESPACE,DNS:$SERVICE"
for san in "${extra_sans[@]+"${extra_sans[@]}"}"; do sans+=",DNS:$san"; done
cat >"$work/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $sans
EOF

if [ -s "$out/ca.crt" ] && [ -s "$out/ca.key" ]; then
  echo "reusing the CA in $out (delete ca.crt and ca.key for a new one)"
else
  quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ca.key"
  quiet openssl req -config "$work/openssl.cnf" -new -x509 -key "$work/ca.key" -sha256 -days 3650 \
    -subj "/CN=portcullis-webhook-ca" -extensions ca_ext -out "$work/ca.crt"
  mv "$work/ca.key" "$out/ca.key"
  mv "$work/ca.crt" "$out/ca.crt"
fi

quiet openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/tls.key"
quiet openssl req -config "$work/openssl.cnf" -new -key "$work/tls.key" \
  -subj "/CN=$SERVICE.$NAMESPACE.svc" -out "$work/tls.csr"
quiet openssl x509 -req -in "$work/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" \
  -set_serial "0x$(openssl rand -hex 16)" -sha256 -days "$days" \
  -extfile "$work/openssl.cnf" -extensions server_ext -out "$work/tls.crt"
quiet openssl verify -CAfile "$out/ca.crt" "$work/tls.crt"
mv "$work/tls.key" "$out/tls.key"
mv "$work/tls.crt" "$out/tls.crt"
chmod 0644 "$out/ca.crt" "$out/tls.crt"

# The webhook configurations with the CA filled in (base64 characters never clash with sed's |).
ca_bundle="$(base64 -w0 <"$out/ca.crt")"
umask 022
for f in "${WEBHOOK_FILES[@]}"; do
  {
    echo "# Written by docker/gen-webhook-certs.sh: docker/kubernetes/$f"
    echo "# with the CA bundle filled in."
    sed -e '1,/^[^#]/{/^#/d}' -e "s|caBundle: $PLACEHOLDER\$|caBundle: $ca_bundle|" "$K8S_DIR/$f"
  } >"$out/$f"
done

# An overlay of the base: the copies above are strategic-merge patches that carry the CA bundle.
base="$(realpath --relative-to="$out" "$K8S_DIR")"
cat >"$out/kustomization.yaml" <<EOF
# Written by docker/gen-webhook-certs.sh: docker/kubernetes with the webhook CA bundle filled in.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $base
patches:
  - path: validatingwebhookconfiguration.yaml
  - path: mutatingwebhookconfiguration.yaml
EOF

echo "wrote $out: ca.crt ca.key tls.crt tls.key ${WEBHOOK_FILES[*]} kustomization.yaml"
if [ "$apply" -eq 0 ]; then
  echo "next: $(basename "$0") --apply $out   (or see docker/README.md)"
  exit 0
fi

"$KUBECTL" apply -f "$K8S_DIR/namespace.yaml"
"$KUBECTL" -n "$NAMESPACE" create secret tls "$SECRET" --cert="$out/tls.crt" --key="$out/tls.key" \
  --dry-run=client -o yaml | "$KUBECTL" apply -f -
"$KUBECTL" apply -k "$out"
