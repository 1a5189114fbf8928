/**
 * The demo as a newcomer runs it: `npm start` (build the app if its sources changed, then
 * `syncline serve --dev --static apps/demo/dist`) as a child in its own process group, on a free
 * port and a temporary SQLite file, with none of this machine's Syncline or database settings.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type CliChild, stopCli } from '../../helpers/serve-cli.ts';
import { tempDir } from '../../helpers/server.ts';
import { ROOT } from '../../helpers/source.ts';

/** A running demo server. */
export interface DemoServer {
  /** e.g. `http://127.0.0.1:40123` */
  url: string;
  output(): string;
  /** Stops the whole process group (SIGTERM, SIGKILL after 10 s) and removes the data. */
  stop(): Promise<void>;
}

/** Starts `npm start -- --port 0 --db sqlite:<temp>` and resolves once it listens. */
export async function startDemo(): Promise<DemoServer> {
  const dir = tempDir('syncline-demo-');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['SYNCLINE_JWT_SECRET', 'SYNCLINE_JWKS_URL', 'DATABASE_URL', 'PORT']) delete env[key];
  const child: CliChild = spawn(
    'npm',
    ['start', '--', '--port', '0', '--db', `sqlite:${join(dir.path, 'demo.db')}`],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let out = '';
  const stop = async () => {
    await stopCli(child);
    dir.cleanup();
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const match = /Syncline listening on (http:\/\/\S+)/.exec(out);
        if (match?.[1]) resolve(match[1]);
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before listening:\n${out}`)));
    });
    return { url, output: () => out, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
