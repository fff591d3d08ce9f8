// Builds typed yargs CommandModules whose handlers resolve env variables, check required options and then run.
import type { Argv, CommandModule } from 'yargs';
import type { RunContext } from './context.js';
import { declareOptions, requireOptions, resolveOptions, type OptionSpecs } from './options.js';

/** Options of a command after env resolution, keyed by flag name (`export-dir`). */
export type OptionValues = Record<string, unknown>;

export interface AmuCommandSpec<V extends OptionValues> {
  command: string;
  describe: string;
  options: OptionSpecs;
  examples?: [string, string][];
  /** Fills values from elsewhere (e.g. what an export recorded) before the required ones are checked. */
  prepare?: (values: V, ctx: RunContext) => Promise<void>;
  /** Flags that must have a value, given the others (e.g. `--vault` only with `--src opdk`). */
  required: (values: V) => string[];
  run: (values: V, ctx: RunContext) => Promise<void>;
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

export function defineCommand<V extends OptionValues>(
  spec: AmuCommandSpec<V>,
  pending: PendingRun,
  env: NodeJS.ProcessEnv,
): CommandModule {
  return {
    command: spec.command,
    describe: spec.describe,
    builder: (y: Argv) => {
      declareOptions(y, spec.options);
      for (const [cmd, text] of spec.examples ?? []) y.example(cmd, text);
      return y;
    },
    handler: (argv) => {
      pending.run = async (ctx) => {
        const values = resolveOptions(argv as Record<string, unknown>, spec.options, env) as V;
        for (const [flag, option] of Object.entries(spec.options)) {
          if (option.secret && typeof values[flag] === 'string') ctx.out.addSecret(values[flag]);
        }
        await spec.prepare?.(values, ctx);
        requireOptions(values, spec.required(values));
        await spec.run(values, ctx);
      };
    },
  };
}
