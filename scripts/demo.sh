#!/usr/bin/env bash
# The README's demo: install what is missing and build; then
#  1. the static part: load the example manifests, validate them, show what
#     each policy selects and the connectivity the reference policy model
#     computes, with reasons;
#  2. the live part (as root): a calico-lab — a host and pods, each in a
#     network namespace of its own, calico-node enforcing policy with nftables —
#     showing the pod-to-pod matrix of real connections before and after a few
#     policies, then taking the lab down again.
#   bash scripts/demo.sh [manifest-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run build --silent
node --import tsx scripts/demo.ts "${1:-examples}" || echo "(the static part failed with exit $?; the live part follows)"

if [ "$(id -u)" != 0 ]; then
  echo
  echo "(the live part makes network namespaces and needs root: run again as root to see it)"
  exit 0
fi

lab() { bin/calico-lab "$@"; }
export CALICO_LAB_NAME=demo
LAB_DIR=$(mktemp -d /tmp/calico-lab-demo.XXXXXX)/lab
export LAB_DIR
trap 'lab down >/dev/null 2>&1 || true; rm -rf "$(dirname "$LAB_DIR")"' EXIT
heading() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

heading "Live: calico-lab up (one host, sqlite datastore, calico-node in the host's namespace)"
lab up
lab ns add shop --labels team=shop
lab ns add tools --labels team=tools
lab pod add shop/frontend --labels role=frontend --serve http=tcp:80
lab pod add shop/backend --labels role=backend --serve http=tcp:80
lab pod add shop/db --labels role=db --serve http=tcp:80
lab pod add tools/debug --labels role=debug --serve http=tcp:80
lab pods

heading "TCP port 80 before any policy: rows are clients, columns servers (. connects, X blocked)"
lab matrix --port 80 --protocol tcp

heading "Policies: a security tier keeps tools out of shop; in shop, backend takes frontend only, db takes backend only"
policies=$(cat <<'YAML'
apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: security
spec:
  order: 100
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.no-tools-into-shop
spec:
  tier: security
  selector: projectcalico.org/namespace == 'shop'
  types: [Ingress]
  ingress:
  - action: Deny
    source:
      namespaceSelector: team == 'tools'
  - action: Pass
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: backend-from-frontend
  namespace: shop
spec:
  podSelector:
    matchLabels: {role: backend}
  ingress:
  - from:
    - podSelector:
        matchLabels: {role: frontend}
    ports:
    - port: http
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-from-backend
  namespace: shop
spec:
  podSelector:
    matchLabels: {role: db}
  ingress:
  - from:
    - podSelector:
        matchLabels: {role: backend}
YAML
)
# Shown, then applied (not `tee /dev/stderr`, which truncates a redirected log).
printf '%s\n' "$policies"
printf '%s\n' "$policies" | lab ctl apply -f -
lab sync

heading "TCP port 80 after the policies (real packets, enforced by calico-node)"
lab matrix --port 80 --protocol tcp

heading "One probe: tools/debug -> shop/frontend"
lab probe tools/debug shop/frontend --port 80 --protocol tcp || echo "(exit $?: blocked by the security tier)"

heading "calico-lab down"
lab down
