/** Types of `bundle-size.mjs`, for `test/bundle-size.test.ts`. */

export declare const BROWSER_ENTRIES: string[];
export declare const GZIP_LIMIT_BYTES: number;
export declare const CONDITIONS: string[];

export interface BrowserBundle {
  entries: string[];
  /** Minified output size. */
  rawBytes: number;
  /** gzip (level 9) of the minified output. */
  gzipBytes: number;
  gzipLimitBytes: number;
  /** Minified bytes in the output per package, largest first. */
  packages: Array<{ name: string; bytes: number }>;
  /** Minified bytes in the output per input file, largest first. */
  files: Array<{ path: string; bytes: number }>;
  /** Every input file esbuild read (relative to the repository root), tree-shaken away or not. */
  inputs: string[];
  /** Node built-in imports (marked external so the build completes), with their importers. */
  nodeImports: Array<{ specifier: string; importer: string }>;
  /** Input files from packages/server, pg or better-sqlite3. */
  forbiddenInputs: Array<{ path: string; why: string }>;
  /** Every failed check, in words; empty when the bundle is fine. */
  failures: string[];
}

export declare function measureBrowserBundle(options?: {
  entries?: string[];
  gzipLimitBytes?: number;
}): Promise<BrowserBundle>;
