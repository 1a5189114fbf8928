import { installSignalHandlers } from '../node/signals.ts';
import { parseCommand, USAGE } from './args.ts';
import { EXIT, UsageError } from './errors.ts';
import { bumpGenerationCommand, gcCommand, migrateCommand } from './maintenance.ts';
import { type Output, type Serving, serve } from './serve.ts';

const consoleOutput: Output = {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
};

/**
 * Runs the `syncline` command. Resolves with an exit code when the command (`migrate`, `gc`) is
 * done or failed to start; a server that started keeps running until SIGTERM/SIGINT, which close it and exit 0.
 */
export async function run(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  out = consoleOutput,
): Promise<number | null> {
  try {
    const command = parseCommand(argv);
    if (command.kind === 'help') {
      out.log(USAGE);
      return EXIT.ok;
    }
    if (command.kind === 'migrate') {
      await migrateCommand(command.args, env, out);
      return EXIT.ok;
    }
    if (command.kind === 'gc') {
      await gcCommand(command.args, env, out);
      return EXIT.ok;
    }
    if (command.kind === 'bump-generation') {
      await bumpGenerationCommand(command.args, env, out);
      return EXIT.ok;
    }
    // Handlers go in before the server starts: a SIGTERM that arrives right after the banner
    // (or during startup) must close gracefully, not hit Node's default "die at once".
    let starting: Promise<Serving> | undefined;
    const uninstall = installSignalHandlers(async () => (await starting)?.close(), {
      onSignal: (signal) => out.log(`Received ${signal}, finishing in-flight requests and closing…`),
      onForce: (signal) => out.error(`Received ${signal} again: exiting now without waiting.`),
      onError: (error) =>
        out.error(`syncline: shutdown failed: ${error instanceof Error ? error.message : String(error)}`),
    });
    starting = serve(command.args, env, out);
    try {
      await starting;
    } catch (error) {
      uninstall();
      throw error;
    }
    return null;
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(`syncline: ${error.message}`);
      out.error('Run "syncline --help" for usage.');
      return EXIT.usage;
    }
    out.error(`syncline: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failure;
  }
}
