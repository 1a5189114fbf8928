import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SynclineError } from '@syncline/core';
import { MIN_SECRET_BYTES } from './jwt.ts';

/** File name of the dev secret inside the data directory. */
export const DEV_SECRET_FILE = 'dev-secret';

/**
 * Returns the dev-mode HS256 secret kept in `<dataDir>/dev-secret`, creating it (random, mode
 * 0600) on first use. Keeping it means tokens handed out before a restart stay valid.
 *
 * @example
 * const secret = await loadOrCreateDevSecret('./data');
 */
export async function loadOrCreateDevSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, DEV_SECRET_FILE);
  const existing = await readSecret(file);
  if (existing !== null) return existing;
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  // Written whole under a private name, then linked into place: link fails if another process won
  // meanwhile (then its secret wins), and nobody ever reads a half-written file.
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    // The umask may have widened nothing, but never leave a secret readable by others.
    await chmod(temp, 0o600);
    try {
      await link(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        const raced = await readSecret(file);
        if (raced !== null) return raced;
      }
      throw error;
    }
  } finally {
    await unlink(temp).catch(() => {});
  }
  return secret;
}

async function readSecret(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const secret = text.trim();
  if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    throw new SynclineError(
      'invalid',
      `The dev secret in ${file} is shorter than ${MIN_SECRET_BYTES} bytes. Delete the file to generate a new one.`,
    );
  }
  return secret;
}
