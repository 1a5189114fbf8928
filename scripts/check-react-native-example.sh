#!/usr/bin/env bash
# Type-checks examples/react-native (App.tsx, native.ts, index.js and the rest) against the real
# react-native, NetInfo, react-native-background-fetch and op-sqlite type definitions, and the
# built @syncline/* packages it links with `file:` (their published .d.ts in dist/).
#
# The example is outside the workspaces: react-native and its peers must never enter the root
# install (decision 0016). Here it is installed with --ignore-scripts (nothing native is built;
# a type check needs none of it) and nothing is saved: its package.json keeps the versions a
# user installs. About 20 s and 600 MB of node_modules in examples/react-native/.
#
# Usage: scripts/check-react-native-example.sh   (after `npm ci`)
set -euo pipefail
cd "$(dirname "$0")/.."
# The file: links resolve to the packages' dist/ (an up-to-date check when already built).
npm run build --silent
cd examples/react-native
npm install --no-save --no-package-lock --ignore-scripts --legacy-peer-deps \
  --no-audit --no-fund --prefer-offline --loglevel=error
# Its own TypeScript, and react-native's types (the tsconfig's `types: ["react-native"]`).
node -e "require.resolve('react-native/package.json')"
./node_modules/.bin/tsc -p tsconfig.json
echo "examples/react-native type-checks against react-native $(node -p "require('react-native/package.json').version") and the built @syncline/* packages"
