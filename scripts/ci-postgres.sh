#!/usr/bin/env bash
# Starts the machine's PostgreSQL cluster for the test suite and lets the local `postgres` role
# connect over the Unix socket without a password (peer auth fails for root). Test machines only.
set -euo pipefail
read -r version cluster _ < <(pg_lsclusters --no-header | head -n 1)
hba="/etc/postgresql/${version}/${cluster}/pg_hba.conf"
if grep -qE '^local\s+all\s+postgres\s+peer' "$hba"; then
  sed -i -E 's/^(local\s+all\s+postgres\s+)peer/\1trust/' "$hba"
fi
pg_ctlcluster "$version" "$cluster" start 2>/dev/null || pg_ctlcluster "$version" "$cluster" reload
for _ in $(seq 1 30); do
  psql -U postgres -Atc 'select 1' >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "PostgreSQL did not come up" >&2
exit 1
