#!/usr/bin/env bash
# Makes sure the machine has what the end-to-end and storage tests need: Debian's Chromium, a
# running PostgreSQL server and the sqlite3 shell. `pnpm test` calls this first, so the README's test command works on a
# fresh machine; it does nothing when both are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
[ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
# The sqlite3 shell: the ledger's lock test runs the exact `.backup` command docs/ledger.md gives.
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
if ((${#need[@]})); then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "The tests need: ${need[*]}. Install them (Debian: apt-get install -y ${need[*]})." >&2
    exit 1
  fi
  echo "Installing ${need[*]} from Debian (first run only)..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ -z "${ASSENT_TEST_PG:-}" ]; then
  bash scripts/ci-postgres.sh
fi
