// Option specs shared by all commands: every `--some-thing` may come from `SOME_THING`; flags win; missing ones are named together.
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { quoteWord } from './quoteInput.js';

export type OptionType = 'string' | 'boolean' | 'number';

/** Where an option has an effect; given elsewhere it is ignored, with a warning. */
export interface Applicability {
  src?: 'opdk' | 'hybrid';
  /** The Cassandra readers that use it (cassandra-cli, cql, cqlsh-pod). */
  readers?: readonly string[];
  tgt?: 'apigeecli' | 'maven';
}

/** What a run is about, as far as options care: the source, the reader it uses, the target. */
export interface RunShape {
  src?: string | undefined;
  reader?: string | undefined;
  tgt?: string | undefined;
}

export interface OptionSpec {
  type: OptionType;
  describe: string;
  /** The `--help` section it is listed under. */
  group?: string;
  appliesTo?: Applicability;
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

/**
 * Declares options to yargs without defaults or demands (amu applies env values, defaults and checks itself),
 * each under its group, with its `[required ...]` mark from `marks` and its variable.
 */
export function declareOptions<T>(y: Argv<T>, specs: OptionSpecs, marks: Readonly<Record<string, string>> = {}): Argv<T> {
  const groups = new Map<string, string[]>();
  for (const [flag, spec] of Object.entries(specs)) {
    const extra = spec.default !== undefined ? ` (default: ${String(spec.default)})` : '';
    const mark = marks[flag] ? ` [${marks[flag]}]` : '';
    y.option(flag, {
      type: spec.type,
      describe: `${spec.describe}${extra}${mark} [env: ${variableOf(flag, spec)}]`,
      ...(spec.choices ? { choices: spec.choices as string[] } : {}),
      requiresArg: spec.type !== 'boolean',
    });
    if (spec.group) groups.set(spec.group, [...(groups.get(spec.group) ?? []), flag]);
  }
  for (const [title, flags] of groups) y.group(flags, title);
  return y;
}

/** Why a given option has no effect in a run of this shape (`applies to --src hybrid only`), or undefined. */
export function inapplicable(spec: OptionSpec, shape: RunShape): string | undefined {
  const a = spec.appliesTo;
  if (!a) return undefined;
  if (a.src && shape.src && shape.src !== a.src) return `applies to --src ${a.src} only, not --src ${shape.src}`;
  if (a.readers && shape.reader && !a.readers.includes(shape.reader)) {
    return `applies to the ${a.readers.join(' and ')} reader${a.readers.length > 1 ? 's' : ''} only, and this run uses ${shape.reader}`;
  }
  if (a.tgt && shape.tgt && shape.tgt !== a.tgt) return `applies to --tgt ${a.tgt} only, not --tgt ${shape.tgt}`;
  return undefined;
}

/** True when the user gave the option on the command line (not from a variable, not a default). */
export function givenAsFlag(argv: Record<string, unknown>, flag: string): boolean {
  return argv[flag] !== undefined || argv[camelName(flag)] !== undefined;
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
