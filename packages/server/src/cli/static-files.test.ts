import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { UsageError } from './errors.ts';
import { staticRoutes } from './static-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'syncline-static-'));
const outside = mkdtempSync(join(tmpdir(), 'syncline-outside-'));
writeFileSync(join(dir, 'index.html'), '<!doctype html><p>app</p>');
writeFileSync(join(dir, 'sw.js'), 'self;');
writeFileSync(join(dir, 'manifest.webmanifest'), '{}');
writeFileSync(join(dir, '.source-hash'), 'secret-ish');
mkdirSync(join(dir, 'assets'));
writeFileSync(join(dir, 'assets', 'main-abc.js'), 'console.log(1)');
writeFileSync(join(dir, 'assets', 'blob.bin'), 'x');
writeFileSync(join(outside, 'passwd'), 'root');
symlinkSync(join(outside, 'passwd'), join(dir, 'link'));
symlinkSync(outside, join(dir, 'linked-dir'));
afterAll(() => {
  for (const d of [dir, outside]) rmSync(d, { recursive: true, force: true });
});

const routes = staticRoutes(dir);
const get = (path: string) => routes.find((r) => r.method === 'GET' && r.path === path);

describe('staticRoutes', () => {
  test('only the regular files found at start-up are routes: no dotfiles, no symlinks out', () => {
    expect(
      routes
        .filter((r) => r.method === 'GET')
        .map((r) => r.path)
        .sort(),
    ).toEqual([
      '/',
      '/assets/blob.bin',
      '/assets/main-abc.js',
      '/index.html',
      '/manifest.webmanifest',
      '/sw.js',
    ]);
    expect(routes.filter((r) => r.method === 'HEAD')).toHaveLength(6);
  });

  test('content types, caching, and the service worker scope', async () => {
    const page = await get('/')!.handler(new Request('http://x/'));
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<p>app</p>');
    const asset = await get('/assets/main-abc.js')!.handler(new Request('http://x/'));
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    const sw = await get('/sw.js')!.handler(new Request('http://x/'));
    expect(sw.headers.get('service-worker-allowed')).toBe('/');
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    const manifest = await get('/manifest.webmanifest')!.handler(new Request('http://x/'));
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json; charset=utf-8');
    const bytes = await get('/assets/blob.bin')!.handler(new Request('http://x/'));
    expect(bytes.headers.get('content-type')).toBe('application/octet-stream');
  });

  test('a directory without index.html, or no directory, is a usage error', () => {
    expect(() => staticRoutes(join(dir, 'assets'))).toThrow(UsageError);
    expect(() => staticRoutes(join(dir, 'missing'))).toThrow(/not a readable directory/);
  });
});
