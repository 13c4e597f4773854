#!/usr/bin/env bash
# Every test of Calico-TS: installs what is missing, builds, type-checks, lints,
# then runs the unit, integration and end-to-end tests. Needs root (the
# integration tests make network namespaces of their own).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run build
npm run typecheck
npm run lint
npm test
