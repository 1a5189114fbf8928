/**
 * Entry point of the `syncline` command (`bin/syncline.js` runs the built file; in this repository
 * `npm start` runs it from source: `tsx --conditions=@syncline/source packages/server/src/cli/main.ts serve …`).
 */
import { run } from './run.ts';

const code = await run(process.argv.slice(2));
// null: the server is running; the signal handlers decide the exit code.
if (code !== null) process.exit(code);
