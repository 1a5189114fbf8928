/**
 * Entry point of the `syncline` command (run under tsx: `tsx packages/server/src/cli/main.ts serve …`,
 * or through `bin/syncline.js`).
 */
import { run } from './run.ts';

const code = await run(process.argv.slice(2));
// null: the server is running; the signal handlers decide the exit code.
if (code !== null) process.exit(code);
