// Commands as data: each declares its name, help and options once; its handler module is imported only when it runs.
import type { Argv, CommandModule } from 'yargs';
import type { RunContext } from './context.js';
import { declareOptions, requireOptions, resolveOptions, type OptionSpecs } from './options.js';

/** Options of a command after env resolution, keyed by flag name (`export-dir`). */
export type OptionValues = Record<string, unknown>;

/** What a command's module exports as `handler`: the options it needs given the others, and the work. */
export interface CommandHandler<V extends OptionValues> {
  /** Flags that must have a value, given the others (e.g. `--vault` only with `--src opdk`). */
  required(values: V): string[];
  run(values: V, ctx: RunContext): Promise<void>;
}

/** A command as `amu --help` shows it; `load` imports its module (and so its dependencies) only when it runs. */
export interface CommandDeclaration {
  name: string;
  describe: string;
  options: OptionSpecs;
  examples?: [string, string][];
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
}

/** Global options every command takes; kept here so the handler can apply their env variables too. */
export const GLOBAL_OPTIONS: OptionSpecs = {
  debug: { type: 'boolean', describe: 'Show stack traces and the commands run (secrets masked)' },
  quiet: { type: 'boolean', describe: 'Print only results and errors: no progress, no info' },
};

/** The yargs module of a declared command: parsing sets `pending.run`, which loads the handler and runs it. */
export function commandModule(declaration: CommandDeclaration, pending: PendingRun, env: NodeJS.ProcessEnv): CommandModule {
  return {
    command: declaration.name,
    describe: declaration.describe,
    builder: (y: Argv) => {
      declareOptions(y, declaration.options);
      for (const [cmd, text] of declaration.examples ?? []) y.example(cmd, text);
      return y;
    },
    handler: (argv) => {
      pending.run = async (ctx) => {
        const values = resolveOptions(argv as Record<string, unknown>, declaration.options, env);
        for (const [flag, option] of Object.entries(declaration.options)) {
          if (option.secret && typeof values[flag] === 'string') ctx.out.addSecret(values[flag]);
        }
        const { handler } = await declaration.load();
        requireOptions(values, handler.required(values));
        await handler.run(values, ctx);
      };
    },
  };
}
