#!/usr/bin/env bash
# Type-checks examples/electron as a user's app: against the packed @syncline/* tarballs (the
# published .d.ts, the same entry points a user imports), with Electron's real types.
#
# The example is outside the workspaces (its `electron` dependency's postinstall downloads the
# Electron binary, which the root install must never do). Here it is installed with
# ELECTRON_SKIP_BINARY_DOWNLOAD=1 and --ignore-scripts: electron's package ships its .d.ts, and
# nothing in a type check needs a binary (better-sqlite3 is not compiled either). Nothing is
# saved: the example's package.json keeps the versions a user installs from the registry.
#
# Usage: scripts/check-electron-example.sh   (after `npm ci`; builds the packages if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
packs="$root/.tmp/electron-example-packs"
rm -rf "$packs"
mkdir -p "$packs"
# `npm pack` runs each package's prepack build; after `npm run build` it is an up-to-date check.
for pkg in core client electron react store-sqlite; do
  npm pack --workspace "packages/$pkg" --pack-destination "$packs" --loglevel=error >/dev/null
done
cd examples/electron
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm install --no-save --no-package-lock --ignore-scripts \
  --no-audit --no-fund --prefer-offline --loglevel=error "$packs"/*.tgz
# The entry points resolved are the installed tarballs', not the workspace's sources.
node -e "const p=require.resolve('@syncline/electron/preload');if(!p.includes('examples/electron/node_modules'))throw new Error(p)"
./node_modules/.bin/tsc -p tsconfig.json
echo "examples/electron type-checks against the packed @syncline/* packages"
