/**
 * The preload script `@syncline/electron/preload`, bundled by `scripts/bundle-preload.mjs` into
 * one CommonJS file (`dist/preload.cjs`): a sandboxed preload runs no ESM and may `require` only
 * `electron` and a few built-ins. Not compiled by `tsc` (see tsconfig.json).
 */
import { exposeBridge, type PreloadElectron, type PreloadWindow } from './bridge.ts';

declare const require: (id: 'electron') => PreloadElectron;
declare const window: PreloadWindow;

exposeBridge(require('electron'), window);
