// Option specs shared by all commands: every `--some-thing` may come from `SOME_THING`; flags win; missing ones are named together.
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { quoteWord } from './quoteInput.js';

export type OptionType = 'string' | 'boolean' | 'number';

export interface OptionSpec {
  type: OptionType;
  describe: string;
  choices?: readonly string[];
  default?: string | boolean | number;
  /** A password or key: masked in all output. */
  secret?: boolean;
  /** The variable it is read from when not the flag's own name (`--token` reads APIGEE_TOKEN). */
  env?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** `--export-dir` reads `EXPORT_DIR`. */
export function envVarName(flag: string): string {
  return flag.toUpperCase().replace(/-/g, '_');
}

/** `export-dir` → `exportDir`, the key yargs gives the value under. */
export function camelName(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The variable an option is read from. */
export function variableOf(flag: string, spec: OptionSpec): string {
  return spec.env ?? envVarName(flag);
}

/** Declares options to yargs without defaults or demands: amu applies env values, defaults and checks itself. */
export function declareOptions<T>(y: Argv<T>, specs: OptionSpecs): Argv<T> {
  for (const [flag, spec] of Object.entries(specs)) {
    const extra = spec.default !== undefined ? ` (default: ${String(spec.default)})` : '';
    y.option(flag, {
      type: spec.type,
      describe: `${spec.describe}${extra} [env: ${variableOf(flag, spec)}]`,
      ...(spec.choices ? { choices: spec.choices as string[] } : {}),
      requiresArg: spec.type !== 'boolean',
    });
  }
  return y;
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off', '']);

function valueFromEnv(flag: string, spec: OptionSpec, raw: string): string | boolean | number {
  const variable = variableOf(flag, spec);
  if (spec.type === 'boolean') {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    throw new UsageError(`${variable} must be true or false (1/0, yes/no), not ${spec.secret ? '"***"' : quoteWord(raw)}`);
  }
  if (spec.type === 'number') {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${variable} must be a number, not ${spec.secret ? '"***"' : quoteWord(raw)}`);
    return n;
  }
  return raw;
}

/**
 * Returns the values of `specs` keyed by flag name: the flag if given, else the env variable, else the default.
 * Empty env variables count as unset for strings and numbers.
 */
export function resolveOptions(
  argv: Record<string, unknown>,
  specs: OptionSpecs,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(specs)) {
    let value = argv[flag] ?? argv[camelName(flag)];
    if (value === undefined) {
      const raw = env[variableOf(flag, spec)];
      if (raw !== undefined && !(raw === '' && spec.type !== 'boolean')) value = valueFromEnv(flag, spec, raw);
    }
    if (value === undefined) value = spec.default;
    if (Array.isArray(value)) value = value[value.length - 1];
    if (value !== undefined && spec.choices && !spec.choices.includes(String(value))) {
      throw new UsageError(
        `--${flag} (${variableOf(flag, spec)}) must be one of ${spec.choices.join(', ')}, not ${spec.secret ? '"***"' : quoteWord(String(value))}`,
      );
    }
    if (spec.type === 'string' && typeof value === 'string' && value === '') value = undefined;
    values[flag] = value;
  }
  return values;
}

/**
 * Fails with one message naming every missing option, as flag and as variable. An entry `a|b` means
 * one of the two is needed.
 */
export function requireOptions(values: Record<string, unknown>, flags: readonly string[], context = ''): void {
  const missing = flags.filter((entry) => entry.split('|').every((flag) => values[flag] === undefined));
  if (missing.length === 0) return;
  const lines = missing.map((entry) => `  ${entry.split('|').map((flag) => `--${flag}  (or ${envVarName(flag)})`).join(', or ')}`);
  const noun = missing.length === 1 ? 'option' : 'options';
  throw new UsageError(`missing required ${noun}${context ? ` ${context}` : ''}:`, lines);
}
