/**
 * Realtime end to end on SQLite (issue 11, done-when 1 and 4): the real client's socket against
 * the real `/sync/ws`, with the poll an hour away, so only pokes can bring changes in time.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signDevToken } from '@syncline/server';
import { afterAll, afterEach, expect, test } from 'vitest';
import {
  type E2eClient,
  realtimeClient,
  seenAt,
  statusIs,
  twoClients,
  writeToVisible,
} from './helpers/realtime-e2e.ts';
import { e2eRules, e2eSchema } from './helpers/schema.ts';
import { type CliChild, serveCli, stopCli } from './helpers/serve-cli.ts';
import { startServer, TEST_SECRET, tempDir } from './helpers/server.ts';

const dir = tempDir('syncline-rt-e2e-');
const clients: E2eClient[] = [];
const children: CliChild[] = [];
let srv: Awaited<ReturnType<typeof startServer>> | undefined;

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});
afterAll(async () => {
  for (const child of children) await stopCli(child);
  await srv?.close();
  dir.cleanup();
});

async function server() {
  srv ??= await startServer({ dbPath: join(dir.path, 'server.db'), schema: e2eSchema, rules: e2eRules });
  return srv;
}

test("a write on A is in B's store and seen by B's watch within 1 s (poll an hour away)", async ({
  annotate,
}) => {
  const s = await server();
  const { p50, max } = await twoClients(s.url, await s.token('alice'), 'alice', clients, 'sqlite');
  await annotate(`write → B's watch: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms (20 writes)`);
});

test('a token that expires closes the socket with 4401; the client is back within 1 s with a fresh one', async ({
  annotate,
}) => {
  const s = await server();
  const asked: boolean[] = [];
  let short = true;
  const b = await realtimeClient(
    s.url,
    async ({ forceRefresh }) => {
      asked.push(forceRefresh);
      // The first token lives 2 s; every refreshed one an hour.
      if (short && !forceRefresh) return signDevToken(TEST_SECRET, 'bob', 2);
      short = false;
      return signDevToken(TEST_SECRET, 'bob', 3600);
    },
    clients,
  );
  const lost = await statusIs(b, (st) => !st.realtime);
  const lostAt = performance.now();
  await statusIs(b, (st) => st.realtime);
  const back = performance.now() - lostAt;
  await annotate(`socket back ${back.toFixed(0)} ms after the 4401`);
  expect(lost.realtime).toBe(false);
  expect(asked).toContain(true);
  expect(back).toBeLessThan(1000);
  // The renewed socket still brings pokes.
  const a = await realtimeClient(s.url, () => signDevToken(TEST_SECRET, 'bob', 3600), clients);
  await writeToVisible(a, b, 'bob', 3);
});

test('the server is SIGKILLed and restarted: every client reconnects and catches up, nothing lost', async ({
  annotate,
}) => {
  const root = resolvePath(fileURLToPath(new URL('..', import.meta.url)));
  const module = join(dir.path, 'schema.ts');
  // The CLI loads `schema` and `rules` exports; the shared test schema names them differently.
  writeFileSync(
    module,
    `export { e2eSchema as schema, e2eRules as rules } from ${JSON.stringify(join(root, 'test/helpers/schema.ts'))};\n`,
  );
  const db = `sqlite:${join(dir.path, 'killed.db')}`;
  const first = await serveCli(['--schema', module, '--db', db, '--port', '0'], dir.path);
  children.push(first.child);
  const port = new URL(first.url).port;
  const url = `${first.url}/sync`;
  const token = await signDevToken(TEST_SECRET, 'carol', 3600);
  const a = await realtimeClient(url, () => token, clients);
  const b = await realtimeClient(url, () => token, clients);
  await writeToVisible(a, b, 'carol', 3);

  process.kill(-first.child.pid!, 'SIGKILL');
  await Promise.all([statusIs(a, (st) => !st.realtime), statusIs(b, (st) => !st.realtime)]);
  // Written while the server is dead: kept in A's outbox.
  await a.db.notes.insert({ ownerId: 'carol', title: 'while-dead' });
  const downAt = performance.now();
  const second = await serveCli(['--schema', module, '--db', db, '--port', port], dir.path);
  children.push(second.child);
  const seen = seenAt(b, 'carol', 'while-dead');
  await Promise.all([statusIs(a, (st) => st.realtime), statusIs(b, (st) => st.realtime)]);
  await seen;
  await annotate(`caught up ${(performance.now() - downAt).toFixed(0)} ms after the restart began`);
  const after = await writeToVisible(a, b, 'carol', 3);
  console.log(
    `realtime e2e (sqlite, after a SIGKILL restart): write → watch p50 ${after.p50.toFixed(1)} ms, max ${after.max.toFixed(1)} ms`,
  );
  await statusIs(a, (st) => st.pending === 0);
  const titles = (await b.db.notes.find({ where: { ownerId: 'carol' } })).map((r) => r.title);
  expect(titles).toHaveLength(7);
  expect(new Set(titles).size).toBe(7);
  expect(titles).toContain('while-dead');
});
