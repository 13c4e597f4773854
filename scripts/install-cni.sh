#!/usr/bin/env bash
# Installs the CNI plugins `calico` and `calico-ipam` into a CNI plugin
# directory (default /opt/cni/bin) as small wrappers that run this checkout's
# build, so the directory holds ordinary files a runtime can exec with its
# clean environment. (A symbolic link to bin/calico works as well.)
#   bash scripts/install-cni.sh [DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/opt/cni/bin}
node=$(command -v node)
for plugin in calico:calico-main.js calico-ipam:ipam-main.js; do
  name=${plugin%%:*}
  main=${plugin#*:}
  if [ ! -f "$root/dist/cni/$main" ]; then
    echo "install-cni: $root/dist/cni/$main is missing; run npm run build first" >&2
    exit 1
  fi
  mkdir -p "$dir"
  # Written beside the target and renamed, so a runtime never execs half a file.
  printf '#!/bin/sh\nexec "%s" "%s/dist/cni/%s" "$@"\n' "$node" "$root" "$main" > "$dir/.$name.tmp"
  chmod 755 "$dir/.$name.tmp"
  mv -f "$dir/.$name.tmp" "$dir/$name"
done
echo "installed calico and calico-ipam into $dir"
