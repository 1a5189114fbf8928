#!/usr/bin/env node
// The `syncline` command: the built CLI, in this process (so the server receives SIGTERM/SIGINT
// itself: no forwarding, no doubled Ctrl-C, and its exit code is ours). A .ts schema or config
// module loads through the app's tsx (see dist/cli/load.js); .js and .mjs modules need nothing.
await import('../dist/cli/main.js');
