// Options and opening of the dump a KVM command reads (export, verify): which source, which keys, which files.
import type { OptionSpecs } from '../../cli/options.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import type { KvmSource } from '../../core/export/source.js';

export interface SourceValues {
  [key: string]: unknown;
  src?: 'opdk' | 'hybrid';
  org?: string;
  kek?: string;
  'emigrate-dir'?: string;
}

export const SOURCE_OPTIONS: OptionSpecs = {
  src: { ...OPTION.src, choices: ['opdk'], describe: 'Source platform: opdk (Edge for Private Cloud)' },
  ...pick('org', 'kek', 'emigrate-dir'),
};

/** The options a source needs, given the ones already known. */
export function requiredSourceOptions(values: SourceValues): string[] {
  const always = ['src', 'org', 'emigrate-dir'];
  if (values.src === 'opdk') return [...always, 'kek'];
  return always;
}

/** Opens the org's dump in the emigrate folder as a KVM source. */
export async function openKvmSource(values: SourceValues): Promise<KvmSource> {
  const { parseHexKey } = await import('../../core/crypto/hex.js');
  const { kvmDumpPath } = await import('../../core/emigrate/dumpFiles.js');
  const { EdgeKvmSource } = await import('../../core/export/edgeSource.js');
  const { cassandraCliColumns, checkDumpExists } = await import('../../core/export/edgeColumns.js');
  const kek = parseHexKey(values.kek!, 'the KEK (--kek / KEK)');
  const file = kvmDumpPath(values['emigrate-dir']!, values.org!);
  await checkDumpExists(file, `amu kvms emigrate --src opdk --org ${values.org} --emigrate-dir ${values['emigrate-dir']}`);
  return new EdgeKvmSource(file, cassandraCliColumns(file), kek);
}
