#!/usr/bin/env bash
# The README's demo: install what is missing, build, then load the example
# manifests, validate them, show what each policy selects and the
# connectivity the reference policy model computes, with reasons.
#   bash scripts/demo.sh [manifest-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run build --silent
exec node --import tsx scripts/demo.ts "${1:-examples}"
