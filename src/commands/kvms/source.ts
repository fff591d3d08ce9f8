// Options and opening of the dump a KVM command reads (export, verify): which source, which keys, which files.
import { promises as fsp } from 'node:fs';
import { InputError } from '../../cli/errors.js';
import type { OptionSpecs } from '../../cli/options.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import type { KvmSource } from '../../core/export/source.js';
import type { HybridKeys } from '../../core/export/hybridSource.js';

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
  const { parseHexKey } = await import('../../core/crypto/hex.js');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read the keys file ${file}: ${(err as Error).message}`);
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
  const { parseHexKey } = await import('../../core/crypto/hex.js');
  const { checkDumpExists, kvmDumpPath } = await import('../../core/emigrate/dumpFiles.js');
  const { EdgeKvmSource } = await import('../../core/export/edgeSource.js');
  const { cassandraCliColumns } = await import('../../core/export/edgeColumns.js');
  const kek = parseHexKey(values.kek!, 'the KEK (--kek / KEK)');
  const file = kvmDumpPath(values['emigrate-dir']!, values.org!);
  await checkDumpExists(file, `amu kvms emigrate --src opdk --org ${values.org} --emigrate-dir ${values['emigrate-dir']}`);
  const { cqlEdgeColumns, isCqlDumpFile } = await import('../../core/dump/dumpReaders.js');
  const columns = (await isCqlDumpFile(file)) ? cqlEdgeColumns(file) : cassandraCliColumns(file);
  const { CheckedKvmSource } = await import('../../export/checkedSource.js');
  return new CheckedKvmSource(new EdgeKvmSource(file, columns, kek), [file]);
}

async function fileExists(file: string): Promise<boolean> {
  return fsp.stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function openHybridSource(values: SourceValues): Promise<KvmSource> {
  const { parseHexKey } = await import('../../core/crypto/hex.js');
  const { checkDumpExists, kvmDumpPath, descriptorDumpPath } = await import('../../core/emigrate/dumpFiles.js');
  const { HybridKvmSource, cqlshEntryReaders } = await import('../../core/export/hybridSource.js');
  const keys: HybridKeys = values.dek ? { all: parseHexKey(values.dek, 'the key (--dek / DEK)') } : await readKeysFile(values['keys-file']!);
  const entries = kvmDumpPath(values['emigrate-dir']!, values.org!);
  await checkDumpExists(entries, `amu kvms emigrate --src hybrid --org ${values.org} --emigrate-dir ${values['emigrate-dir']} --hybrid-version <version>`);
  const descriptorFile = descriptorDumpPath(values['emigrate-dir']!, values.org!);
  const descriptors = (await fileExists(descriptorFile)) ? descriptorFile : undefined;
  const { cqlHybridReaders, isCqlDumpFile } = await import('../../core/dump/dumpReaders.js');
  const readers = (await isCqlDumpFile(entries)) ? cqlHybridReaders(entries, descriptors) : cqlshEntryReaders(entries, descriptors);
  const { CheckedKvmSource } = await import('../../export/checkedSource.js');
  return new CheckedKvmSource(new HybridKvmSource(entries, readers, keys), descriptors ? [entries, descriptors] : [entries]);
}

/** Opens the org's dump in the emigrate folder as a KVM source. */
export async function openKvmSource(values: SourceValues): Promise<KvmSource> {
  return values.src === 'hybrid' ? openHybridSource(values) : openEdgeSource(values);
}
