// examples/tour/main.ts: the tour as a program, against a running server (examples/tour/server.ts):
// `npm run tour -- alice` (SYNCLINE_URL defaults to http://127.0.0.1:8787/sync). It signs its own
// token with SYNCLINE_JWT_SECRET, as your backend would (see examples/auth/issue-token.ts).
import { issueSyncToken } from '../auth/issue-token.ts';
import { openClient } from './client.ts';
import { tour } from './tour.ts';

const userId = process.argv[2] ?? 'alice';
const secret = process.env.SYNCLINE_JWT_SECRET!;
const client = openClient({
  url: process.env.SYNCLINE_URL ?? 'http://127.0.0.1:8787/sync',
  path: `./data/${userId}.db`,
  getToken: async () => (await issueSyncToken(secret, userId)).token,
});
let connected: boolean | undefined;
const { list, stop } = await tour(client, userId, {
  render: (titles) => console.log(`tasks: ${titles.join(', ')}`),
  toast: (message) => console.error(`! ${message}`),
  showStatus: (status) => {
    if (status.connected === connected) return;
    connected = status.connected;
    console.log(connected ? 'connected' : 'not connected');
  },
});
await client.sync(); // wait for this run's writes to reach the server before exiting
const tasks = await client.db.tasks.find({ where: { listId: list.id }, orderBy: [['title', 'asc']] });
console.log(
  `synced: ${tasks.map((t) => `${t.title}${t.done ? ' (done)' : ''}`).join(', ')}; pending ${client.status.pending}`,
);
stop();
await client.close();
