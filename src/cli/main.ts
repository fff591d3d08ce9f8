// Runs amu: parses the command line, runs the chosen command, reports errors and returns the exit code.
import { buildCli, commandTree } from './root.js';
import { explainUnknown } from './suggest.js';
import { commandGroups } from '../commands/index.js';
import type { CliIo, RunContext } from './context.js';
import { GLOBAL_OPTIONS, type PendingRun } from './command.js';
import { AmuError, ExitCode, InterruptedError, exitCodeFor, type ExitCodeValue } from '../errors.js';
import { Output } from './output.js';
import { resolveOptions } from './options.js';
import { fsErrorToAmu } from '../fsErrors.js';
import { scrubProcessEnv } from './childEnv.js';
import { maskArguments } from './quoteInput.js';
import { helpWidth } from './fastPath.js';
import { applyHeapSettings } from './heapSettings.js';

interface ParseOutcome {
  error?: Error | undefined;
  output: string;
  argv: Record<string, unknown>;
}

function parse(args: string[], io: CliIo, pending: PendingRun): Promise<ParseOutcome> {
  const parser = buildCli(commandGroups, io.env, pending, helpWidth((io.stdout as { columns?: number }).columns));
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

/** Shows an error the way users should see it: message and details, a stack trace only with --debug. */
export function reportError(thrown: unknown, out: Output): ExitCodeValue {
  const err = fsErrorToAmu(thrown) ?? thrown;
  if (err instanceof AmuError) {
    out.error(err.message, err.details);
    if (err.cause) out.debug(`cause: ${String((err.cause as Error)?.stack ?? err.cause)}`);
    out.debug(err.stack ?? '');
  } else {
    const message = err instanceof Error ? err.message : String(err);
    out.error(`internal error: ${message}${out.debugEnabled ? '' : ' (run with --debug for details)'}`);
    out.debug(err instanceof Error ? (err.stack ?? '') : '');
  }
  return exitCodeFor(err);
}

/** The known command words at the start of `words`: `amu`, `amu kvms`, `amu kvms export`. */
function knownCommandPath(words: readonly string[]): string {
  const group = commandTree(commandGroups).groups.find((g) => g.name === words[0]);
  if (!group) return 'amu';
  return group.commands.includes(String(words[1])) ? `amu ${group.name} ${String(words[1])}` : `amu ${group.name}`;
}

/** A command line yargs refused: what is unknown and the closest known name, else yargs' reason; exit 2. */
function reportUsage(args: string[], error: Error, pending: PendingRun, out: Output): ExitCodeValue {
  const problem = explainUnknown(args, commandTree(commandGroups), pending.options);
  if (problem) out.error(problem.message, problem.details);
  else {
    // yargs' own messages may span lines (invalid choices): each line is shown (and escaped) as a line.
    // yargs quotes what was typed ("Unknown argument: <a key typed without --kek>"): never echo it whole.
    const [first = '', ...rest] = maskArguments(error.message, args).split('\n');
    out.error(first, rest);
  }
  const helpFor = problem?.helpFor ?? knownCommandPath(args.filter((a) => !a.startsWith('-')));
  out.info(`Run "${helpFor} --help" for usage.`);
  return ExitCode.usage;
}

/** `amu completion --help`: yargs' completion command would print the script; this says what it does instead. */
const COMPLETION_HELP = `amu completion

Print a bash/zsh completion script for amu on stdout; add it to the shell's startup file.

Examples:
  # bash
  amu completion >> ~/.bashrc
  # zsh
  amu completion >> ~/.zshrc`;

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
  if (args[0] === 'completion' && args.some((a) => a === '--help' || a === '-h')) {
    new Output(io).resultText(COMPLETION_HELP);
    return ExitCode.ok;
  }
  const pending: PendingRun = {};
  const { error, output, argv } = await parse(args, io, pending);
  const out = globalOutput(argv, io);
  if (error) return reportUsage(args, error, pending, out);
  if (!pending.run) {
    if (output) out.resultText(output);
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

/**
 * A reader that went away (`amu ... | head`) closes the pipe: writes then fail with EPIPE. That is no error of
 * amu's: later output to that stream is dropped (Output checks `destroyed`) and the command ends with its own code.
 */
export function ignoreClosedPipe(stream: NodeJS.WritableStream & { destroy(): void }): void {
  stream.on('error', () => {
    // Whatever broke the stream (EPIPE, a closed terminal), nothing more can be shown on it.
    stream.destroy();
  });
}

/** The process entry point used by bin/amu. */
export async function main(): Promise<void> {
  applyHeapSettings();
  ignoreClosedPipe(process.stdout);
  ignoreClosedPipe(process.stderr);
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
