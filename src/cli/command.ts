// Commands as data: each declares its name, help, options and required ones once; its handler module is imported only when it runs.
import type { Argv, CommandModule } from 'yargs';
import type { RunContext } from './context.js';
import { GROUP } from './optionCatalog.js';
import { declareOptions, givenAsFlag, inapplicable, requireOptions, resolveOptions, variableOf, type OptionSpecs, type RunShape } from './options.js';

/** Options of a command after env resolution, keyed by flag name (`export-dir`). */
export type OptionValues = Record<string, unknown>;

/** What a command's module exports as `handler`: the work, and what it needs to know before it. */
export interface CommandHandler<V extends OptionValues> {
  /** Fills values from elsewhere (e.g. what an export recorded) before the required ones are checked. */
  prepare?(values: V, ctx: RunContext): Promise<void>;
  /** The source, reader and target of a run, to warn about options that do not apply (default: --src and --tgt). */
  shape?(values: V): RunShape;
  run(values: V, ctx: RunContext): Promise<void>;
}

/** A command as `amu --help` shows it; `load` imports its module (and so its dependencies) only when it runs. */
export interface CommandDeclaration {
  name: string;
  describe: string;
  options: OptionSpecs;
  /** [command, what it does]: shown as `# what it does` over the command, broken before options to fit 80 columns. */
  examples?: [string, string][];
  /** Flags that must have a value, given the others (e.g. `--vault` only with `--src opdk`); help marks them too. */
  required(values: OptionValues): string[];
  /** `--help` marks that say more than `required` can (`required unless the export's report has it`). */
  requiredNotes?: Record<string, string>;
  load(): Promise<{ handler: CommandHandler<OptionValues> }>;
}

/** `amu <group> <command>`: a group and the commands in it, in help order. */
export interface CommandGroup {
  name: string;
  describe: string;
  commands: CommandDeclaration[];
}

/** Where a parsed command leaves the work to do; the CLI runs it after yargs is done parsing. */
export interface PendingRun {
  run?: (ctx: RunContext) => Promise<void>;
  /** The options of the command yargs chose, for suggestions when a flag is misspelt. */
  options?: string[];
}

/** Global options every command takes; kept here so the handler can apply their env variables too. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  debug: { type: 'boolean', group: GROUP.REPORTING, describe: 'Show stack traces and the commands run (secrets masked)' },
  quiet: { type: 'boolean', group: GROUP.REPORTING, describe: 'Print only results and errors: no progress, no info' },
};

/** Examples are broken before an option so that no line is longer than this (fits 80 columns with the indent). */
export const EXAMPLE_WIDTH = 76;

/** What an example does, as `# ` comment lines of at most `width` characters. */
export function exampleComment(text: string, width = EXAMPLE_WIDTH): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line !== '#' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = '#';
    }
    line = `${line} ${word}`;
  }
  return [...lines, line];
}

/** A command as lines of at most `width` characters, continued with ` \`, broken only before a `--option`. */
export function exampleLines(command: string, width = EXAMPLE_WIDTH): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of command.split(/ (?=--)/)) {
    if (line !== '' && line.length + 1 + word.length + 2 > width) {
      lines.push(`${line} \\`);
      line = `    ${word}`;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** `[required]`, `[required with --src opdk]`, `[required: this or --dek]`: from the `required` function, per source. */
export function requiredMarks(declaration: CommandDeclaration): Record<string, string> {
  const sources = (declaration.options.src?.choices ?? []) as string[];
  const always = declaration.required({});
  const bySource = sources.map((src) => ({ src, entries: declaration.required({ src }) }));
  const marks: Record<string, string> = {};
  for (const entry of new Set([...always, ...bySource.flatMap((s) => s.entries)])) {
    const where = bySource.filter((s) => s.entries.includes(entry)).map((s) => s.src);
    const scope = always.includes(entry) || where.length === sources.length ? '' : ` with --src ${where.join(' or ')}`;
    const flags = entry.split('|');
    for (const flag of flags) {
      const others = flags.filter((f) => f !== flag).map((f) => `--${f}`);
      marks[flag] = `required${scope}${others.length > 0 ? `: this or ${others.join(' or ')}` : ''}`;
    }
  }
  for (const [flag, note] of Object.entries(declaration.requiredNotes ?? {})) marks[flag] = note;
  return marks;
}

/** Warns about each option given on the command line that this run does not use; variables may be set for other runs. */
function warnInapplicable(options: OptionSpecs, shape: RunShape, argv: Record<string, unknown>, values: OptionValues, ctx: RunContext): void {
  for (const [flag, option] of Object.entries(options)) {
    const why = inapplicable(option, shape);
    if (!why || values[flag] === undefined || values[flag] === option.default) continue;
    if (givenAsFlag(argv, flag)) ctx.out.warn(`--${flag} is ignored: it ${why}`);
    else ctx.out.debug(`${variableOf(flag, option)} is set but not used: --${flag} ${why}`);
  }
}

/** The yargs module of a declared command: parsing sets `pending.run`, which loads the handler and runs it. */
export function commandModule(declaration: CommandDeclaration, pending: PendingRun, env: NodeJS.ProcessEnv): CommandModule {
  return {
    command: declaration.name,
    describe: declaration.describe,
    builder: (y: Argv) => {
      pending.options = Object.keys(declaration.options);
      declareOptions(y, declaration.options, requiredMarks(declaration));
      for (const [cmd, text] of declaration.examples ?? []) {
        for (const line of [...exampleComment(text), ...exampleLines(cmd)]) y.example(line, '');
      }
      return y;
    },
    handler: (argv) => {
      pending.run = async (ctx) => {
        const values = resolveOptions(argv as Record<string, unknown>, declaration.options, env);
        for (const [flag, option] of Object.entries(declaration.options)) {
          if (option.secret && typeof values[flag] === 'string') ctx.out.addSecret(values[flag]);
        }
        const { handler } = await declaration.load();
        await handler.prepare?.(values, ctx);
        requireOptions(values, declaration.required(values));
        const shape = handler.shape ? handler.shape(values) : { src: values.src as string | undefined, tgt: values.tgt as string | undefined };
        warnInapplicable(declaration.options, shape, argv as Record<string, unknown>, values, ctx);
        await handler.run(values, ctx);
      };
    },
  };
}
