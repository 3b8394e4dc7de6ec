#!/usr/bin/env bash
# Makes a throwaway CA and one leaf certificate for the simulator's host names (test and demo only).
# Output goes to .tmp/tls (git-ignored); nothing private is ever committed.
set -euo pipefail
out="${1:-$(dirname "$0")/../.tmp/tls}"
mkdir -p "$out"
cd "$out"
[ -f leaf.pem ] && [ -f ca.pem ] && [ "${FORCE:-0}" != 1 ] && exit 0
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
  -subj "/CN=bitwarden-connect test CA" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj "/CN=bitwarden-simulator" 2>/dev/null
cat > leaf.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:identity.bitwarden.com,DNS:api.bitwarden.com,DNS:identity.bitwarden.eu,DNS:api.bitwarden.eu,DNS:localhost,DNS:*.selfhosted.test,DNS:selfhosted.test,DNS:*.example.test,DNS:attacker.test,IP:127.0.0.1,IP:::1
EXT
openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 3650 -extfile leaf.ext 2>/dev/null
rm -f leaf.csr leaf.ext ca.srl
