import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const pages = fileURLToPath(new URL('../pages/', import.meta.url));

/** A bundled file served to the browser: path (e.g. `/app.js`) → contents. */
export type Bundle = Map<string, { type: string; body: string }>;

const html = (script: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>syncline test</title></head><body><pre id="status"></pre><script type="module" src="${script}"></script></body></html>`;

/**
 * Bundles the test pages with esbuild in memory (no files written): the conformance page (with
 * `vitest` aliased to the in-page shim), the multi-tab app page and its service worker, and the
 * realtime page.
 */
export async function buildPages(): Promise<Bundle> {
  const result = await build({
    entryPoints: {
      conformance: `${pages}conformance.ts`,
      app: `${pages}app.ts`,
      sw: `${pages}sw.ts`,
      realtime: `${pages}realtime.ts`,
    },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome110',
    outdir: '/out',
    alias: { vitest: `${pages}vitest-shim.ts` },
    // The package sources, as every other test runs them: without this esbuild takes `dist/`,
    // which exists only after a build (the pack test's prepack makes one midway through `npm test`).
    conditions: ['@syncline/source', 'browser', 'module'],
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  const files: Bundle = new Map();
  for (const out of result.outputFiles) {
    files.set(out.path.replace('/out', ''), { type: 'text/javascript; charset=utf-8', body: out.text });
  }
  files.set('/conformance.html', { type: 'text/html; charset=utf-8', body: html('/conformance.js') });
  files.set('/app.html', { type: 'text/html; charset=utf-8', body: html('/app.js') });
  files.set('/realtime.html', { type: 'text/html; charset=utf-8', body: html('/realtime.js') });
  return files;
}
