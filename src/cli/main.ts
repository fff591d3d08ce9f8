// Runs amu: parses the command line, runs the chosen command, reports errors and returns the exit code.
import { buildCli } from './root.js';
import { commandGroups } from '../commands/index.js';
import type { CliIo, RunContext } from './context.js';
import { GLOBAL_OPTIONS, type PendingRun } from './command.js';
import { AmuError, ExitCode, InterruptedError, exitCodeFor, type ExitCodeValue } from '../errors.js';
import { Output } from './output.js';
import { resolveOptions } from './options.js';
import { fsErrorToAmu } from '../fsErrors.js';
import { scrubProcessEnv } from './childEnv.js';
import { maskArguments } from './quoteInput.js';

interface ParseOutcome {
  error?: Error | undefined;
  output: string;
  argv: Record<string, unknown>;
}

function parse(args: string[], io: CliIo, pending: PendingRun): Promise<ParseOutcome> {
  const width = (io.stdout as { columns?: number }).columns ?? 100;
  const parser = buildCli(commandGroups, io.env, pending, Math.min(width, 120));
  return new Promise((resolve) => {
    void parser.parse(args, {}, (error, argv, output) => {
      resolve({ error: error ?? undefined, output, argv: argv as Record<string, unknown> });
    });
  });
}

function globalOutput(argv: Record<string, unknown>, io: CliIo): Output {
  let flags: Record<string, unknown> = {};
  try {
    flags = resolveOptions(argv, GLOBAL_OPTIONS, io.env);
  } catch {
    flags = { debug: argv.debug, quiet: argv.quiet };
  }
  return new Output(io, { debug: flags.debug === true, quiet: flags.quiet === true });
}

/** The command words of a failed parse (at most group and command), for the help hint; stray arguments are left out. */
function commandWords(argv: Record<string, unknown>): string[] {
  const words = ((argv._ as unknown[] | undefined) ?? []).map(String);
  const leading: string[] = [];
  for (const word of words.slice(0, 2)) {
    if (!/^[a-z][a-z-]*$/.test(word)) break;
    leading.push(word);
  }
  return leading;
}

/** Shows an error the way users should see it: message and details, a stack trace only with --debug. */
export function reportError(thrown: unknown, out: Output): ExitCodeValue {
  const err = fsErrorToAmu(thrown) ?? thrown;
  if (err instanceof AmuError) {
    out.error([err.message, ...err.details].join('\n'));
    if (err.cause) out.debug(`cause: ${String((err.cause as Error)?.stack ?? err.cause)}`);
    out.debug(err.stack ?? '');
  } else {
    const message = err instanceof Error ? err.message : String(err);
    out.error(`internal error: ${message}${out.debugEnabled ? '' : ' (run with --debug for details)'}`);
    out.debug(err instanceof Error ? (err.stack ?? '') : '');
  }
  return exitCodeFor(err);
}

/** Answers the shell completion script's `amu --get-yargs-completions <words>` call. */
async function complete(words: string[], io: CliIo): Promise<number> {
  const parser = buildCli(commandGroups, io.env, {});
  // yargs calls back once per pass and answers completions in a later pass: keep the last output.
  let answer = '';
  await parser.parseAsync(['--get-yargs-completions', ...words], {}, (_err, _argv, output) => {
    if (output) answer = output;
  });
  io.stdout.write(answer ? `${answer}\n` : '');
  return ExitCode.ok;
}

/** Runs one amu invocation in-process; `signal` aborts it (SIGINT). */
export async function runCli(args: string[], io: CliIo, signal: AbortSignal = new AbortController().signal): Promise<number> {
  if (args[0] === '--get-yargs-completions') return complete(args.slice(1), io);
  const pending: PendingRun = {};
  const { error, output, argv } = await parse(args, io, pending);
  const out = globalOutput(argv, io);
  if (error) {
    // yargs quotes what was typed ("Unknown argument: <a key typed without --kek>"): never echo it whole.
    out.error(maskArguments(error.message, args));
    const commandPath = commandWords(argv).join(' ');
    out.info(`Run "amu ${commandPath ? `${commandPath} ` : ''}--help" for usage.`);
    return ExitCode.usage;
  }
  if (!pending.run) {
    if (output) out.result(output);
    return ExitCode.ok;
  }
  const ctx: RunContext = { io, out, signal };
  try {
    await pending.run(ctx);
    return ExitCode.ok;
  } catch (err) {
    // Whatever failed once the user pressed Ctrl-C failed because of it: report the interruption (exit 130).
    if (signal.aborted && !(err instanceof InterruptedError)) {
      return reportError(new InterruptedError('interrupted; nothing half-written was kept', [], { cause: err }), out);
    }
    return reportError(err, out);
  }
}

/** The process entry point used by bin/amu. */
export async function main(): Promise<void> {
  const controller = new AbortController();
  const onSignal = (name: string) => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    process.stderr.write(`\namu: ${name} received, stopping and cleaning up (again to force)\n`);
    controller.abort(new InterruptedError(`interrupted by ${name}`));
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  // amu reads its options from a copy; the process keeps no secret variable for children that libraries start.
  const env = { ...process.env };
  scrubProcessEnv();
  const io: CliIo = {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
  };
  const code = await runCli(process.argv.slice(2), io, controller.signal);
  process.exitCode = code;
}
