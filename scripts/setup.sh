#!/usr/bin/env bash
# One-time setup on a fresh machine: pnpm (pinned), then the workspace's dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$want" ]; then
  npm install -g "pnpm@$want"
fi
# better-sqlite3 is compiled here (no prebuilt download); pnpm's node-gyp ignores the machine's npm
# settings, so point it at the Node headers Debian/NodeSource install under /usr.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi
pnpm install --frozen-lockfile
