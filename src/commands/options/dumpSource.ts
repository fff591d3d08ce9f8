// Options and opening of the dump a KVM command reads (export, verify): which source, which keys, which files.
import { promises as fsp } from 'node:fs';
import { InputError } from '../../errors.js';
import type { OptionSpecs } from '../../cli/options.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import type { KvmSource } from '../../export/source.js';
import type { HybridKeys } from '../../export/hybridSource.js';

export interface SourceValues {
  [key: string]: unknown;
  src?: 'opdk' | 'hybrid';
  org?: string;
  kek?: string;
  dek?: string;
  'keys-file'?: string;
  'emigrate-dir'?: string;
}

export const SOURCE_OPTIONS: OptionSpecs = {
  src: OPTION.src,
  ...pick('org', 'kek', 'dek', 'keys-file', 'emigrate-dir'),
};

/** The options a source needs, given the ones already known (`a|b`: one of them). */
export function requiredSourceOptions(values: SourceValues): string[] {
  const always = ['src', 'org', 'emigrate-dir'];
  if (values.src === 'opdk') return [...always, 'kek'];
  if (values.src === 'hybrid') return [...always, 'dek|keys-file'];
  return always;
}

/** Reads `{"org": "<hex>", "envs": {"<env>": "<hex>"}}` as written by `amu kek export --src hybrid --keys-file`. */
export async function readKeysFile(file: string): Promise<HybridKeys> {
  const { parseHexKey } = await import('../../keys/hex.js');
  const { jsonProblem } = await import('../../cli/quoteInput.js');
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the keys file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // V8's message can quote the file (the keys themselves): only the position is shown.
    throw new InputError(`the keys file ${file} is not JSON: ${jsonProblem(err)}`);
  }
  const shape = parsed as { org?: unknown; envs?: unknown };
  if (typeof shape !== 'object' || shape === null || (shape.envs !== undefined && (typeof shape.envs !== 'object' || shape.envs === null))) {
    throw new InputError(`the keys file ${file} is not {"org": "<hex>", "envs": {"<env>": "<hex>"}}`);
  }
  const keys: HybridKeys = { envs: {} };
  if (shape.org !== undefined) keys.org = parseHexKey(String(shape.org), `the org key in ${file}`);
  for (const [env, hex] of Object.entries((shape.envs ?? {}) as Record<string, unknown>)) {
    keys.envs![env] = parseHexKey(String(hex), `the key of environment ${env} in ${file}`);
  }
  return keys;
}

async function openEdgeSource(values: SourceValues): Promise<KvmSource> {
  const { parseHexKey } = await import('../../keys/hex.js');
  const { openEdgeDump } = await import('../../dumps/openDump.js');
  const { EdgeKvmSource } = await import('../../export/edgeSource.js');
  const kek = parseHexKey(values.kek!, 'the KEK (--kek / KEK)');
  const { file, columns, layout } = await openEdgeDump(values['emigrate-dir']!, values.org!);
  const { CheckedKvmSource } = await import('../../export/checkedSource.js');
  return new CheckedKvmSource(new EdgeKvmSource(file, columns, kek, layout ? { file, layout } : undefined), [file]);
}

async function openHybridSource(values: SourceValues): Promise<KvmSource> {
  const { parseHexKey } = await import('../../keys/hex.js');
  const { openHybridDump } = await import('../../dumps/openDump.js');
  const { HybridKvmSource } = await import('../../export/hybridSource.js');
  const keys: HybridKeys = values.dek ? { all: parseHexKey(values.dek, 'the key (--dek / DEK)') } : await readKeysFile(values['keys-file']!);
  const { file, readers } = await openHybridDump(values['emigrate-dir']!, values.org!);
  const { CheckedKvmSource } = await import('../../export/checkedSource.js');
  const files = readers.descriptorName !== undefined ? [file, readers.descriptorName] : [file];
  return new CheckedKvmSource(new HybridKvmSource(file, readers, keys), files);
}

/** The dump files a source reads (the hybrid descriptors only when they are there), for the export's report. */
export async function sourceDumpFiles(values: SourceValues): Promise<string[]> {
  const { kvmDumpPath, descriptorDumpPath } = await import('../../dumps/layout.js');
  const entries = kvmDumpPath(values['emigrate-dir']!, values.org!);
  if (values.src !== 'hybrid') return [entries];
  const descriptors = descriptorDumpPath(values['emigrate-dir']!, values.org!);
  const present = await fsp.stat(descriptors).then((s) => s.isFile(), () => false);
  return present ? [entries, descriptors] : [entries];
}

/** Opens the org's dump in the emigrate folder as a KVM source. */
export async function openKvmSource(values: SourceValues): Promise<KvmSource> {
  return values.src === 'hybrid' ? openHybridSource(values) : openEdgeSource(values);
}
