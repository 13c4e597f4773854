#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, test and run
# Calico-TS: the Debian packages of the real parts (nftables, iproute2, etcd,
# BIRD) and the npm packages of package-lock.json. Idempotent: what is already
# there is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(iproute2 nftables etcd-server bird2 conntrack iputils-ping netcat-openbsd procps python3 make g++ containernetworking-plugins iperf3 openssl)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the daemons it installs; ours are started by the lab and the tests.
  for svc in etcd bird; do
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
    pkill -x "$svc" >/dev/null 2>&1 || true
  done
fi

if ! command -v node >/dev/null 2>&1; then
  echo "Node.js 20 is required" >&2
  exit 1
fi

# npm ci only when package-lock.json changed since the last install.
stamp=node_modules/.calico-ts-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
