/**
 * Done-when 8 (issue 2): `npm start` serves, and the README's own curl block, run verbatim
 * against it, pushes and pulls. The server runs on a free port and a temp data directory.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { tempDir } from './helpers/server.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = tempDir();
afterAll(() => dir.cleanup());

async function freePort(): Promise<number> {
  return await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function curlBlock(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = readme.match(/<!-- readme-curl -->\s*```sh\n([\s\S]*?)```/);
  if (!m?.[1]) throw new Error('README has no <!-- readme-curl --> sh block');
  return m[1];
}

test('npm start serves the demo, and the README curl block pushes and pulls against it', async () => {
  const port = await freePort();
  // The README's `npm start`, with the port and data file moved out of the way (later flags win).
  const child = spawn(
    'npm',
    ['start', '--', '--port', String(port), '--db', `sqlite:${join(dir.path, 'data', 'syncline.db')}`],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes(`127.0.0.1:${port}`)) resolve();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${out}`)));
    });
    const { stdout } = await promisify(execFile)('bash', ['-c', `set -euo pipefail\n${curlBlock()}`], {
      env: { ...process.env, SYNCLINE: `http://127.0.0.1:${port}` },
    });
    const [push, pull] = stdout.trim().split('\n');
    expect(JSON.parse(push!)).toMatchObject({
      results: [{ seq: 1, status: 'applied', record: { id: 'list-1', name: 'Groceries' } }],
    });
    const lists = JSON.parse(pull!).collections.lists;
    expect(lists.changes).toEqual([
      expect.objectContaining({ id: 'list-1', name: 'Groceries', ownerId: 'alice', deletedAt: null }),
    ]);
    expect(lists.hasMore).toBe(false);
  } finally {
    // npm runs the server in a child process group: stop the whole group, as a terminal's Ctrl-C would.
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
  }
});
