#!/usr/bin/env node
// The `syncline` command. Registers tsx's loader in this process, then runs the TypeScript CLI,
// so .ts schema and config modules load too. In-process (rather than a child node) means the
// server receives SIGTERM/SIGINT itself: no forwarding, no doubled Ctrl-C, and its exit code is ours.
await import('tsx');
await import('../src/cli/main.ts');
