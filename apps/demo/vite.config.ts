/**
 * Builds the demo app from the package sources (`@syncline/source` condition: no
 * `npm run build` needed), with the service worker at `/sw.js` and the list of every built file
 * at `/shell.json` (what the worker caches as the app shell).
 */
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

/** Files of `public/`, copied as they are (not in the bundle). */
const PUBLIC_FILES = ['/manifest.webmanifest', '/icon.svg'];

/** Emits `shell.json`: every file of the build but the worker itself, as absolute paths. */
function shellList(): Plugin {
  return {
    name: 'syncline-demo-shell-list',
    apply: 'build',
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((name) => name !== 'sw.js' && !name.endsWith('.map'))
        .map((name) => `/${name}`)
        .concat(PUBLIC_FILES)
        .sort();
      this.emitFile({ type: 'asset', fileName: 'shell.json', source: JSON.stringify(files) });
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), shellList()],
  resolve: { conditions: ['@syncline/source', ...defaultClientConditions] },
  build: {
    target: 'es2022',
    emptyOutDir: true,
    rollupOptions: {
      input: { main: `${import.meta.dirname}/index.html`, sw: `${import.meta.dirname}/src/sw.ts` },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
