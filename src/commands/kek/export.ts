// `amu kek export`: prints the KEK of an Edge vault, or a hybrid KVM key, as hex (the only thing on stdout); or writes a hybrid keys file.
import { promises as fsp } from 'node:fs';
import type { CommandHandler } from '../../cli/command.js';
import type { RunContext } from '../../cli/context.js';
import { InputError, UsageError } from '../../errors.js';
import { openKube, type KubeValues } from '../options/hybridCluster.js';

interface KekExportValues extends KubeValues {
  src?: 'opdk' | 'hybrid';
  vault?: string;
  storepass?: string;
  keypass?: string;
  alias: string;
  org?: string;
  env?: string;
  secret?: string;
  'keys-file'?: string;
  envs?: string;
}

async function readVault(file: string): Promise<Buffer> {
  try {
    return await fsp.readFile(file);
  } catch (err) {
    throw new InputError(`cannot read the vault ${file}: ${(err as Error).message}`);
  }
}

/** The options each source needs. */
function requiredOptions(values: KekExportValues): string[] {
  if (values.src === 'opdk') return ['src', 'vault', 'storepass'];
  if (values.src === 'hybrid') return ['src', 'org'];
  return ['src'];
}

/** Options that only make sense together. */
function checkHybridCombination(values: KekExportValues): void {
  if (values['keys-file'] !== undefined && values.env !== undefined) {
    throw new UsageError('--env and --keys-file exclude each other: the keys file holds every environment (choose them with --envs)');
  }
  if (values['keys-file'] === undefined && values.envs !== undefined) {
    throw new UsageError('--envs is for --keys-file; for one environment\'s key use --env');
  }
}

/** Edge: the KEK from the JCEKS vault. */
async function exportEdgeKek(values: KekExportValues, ctx: RunContext): Promise<void> {
  const { readJceksSecretKey } = await import('../../keys/jceks/jceks.js');
  const { toHex } = await import('../../keys/hex.js');
  const vault = await readVault(values.vault!);
  const key = readJceksSecretKey(
    vault,
    { storepass: values.storepass!, alias: values.alias, ...(values.keypass ? { keypass: values.keypass } : {}) },
    values.vault,
  );
  const hex = toHex(key.key);
  ctx.out.debug(`alias ${key.alias}: ${key.algorithm} key of ${key.key.length} bytes`);
  ctx.out.result(hex);
}

/** Hybrid: one key, the env's with --env, else the org's. */
async function printHybridKey(values: KekExportValues, ctx: RunContext): Promise<void> {
  const { readKvmKey } = await import('../../keys/hybridKeySecrets.js');
  const { isDefaultHybridKey } = await import('../../keys/hybridKeys.js');
  const { toHex } = await import('../../keys/hex.js');
  const kube = await openKube(values, ctx);
  const found = await readKvmKey(kube, {
    namespace: values.namespace,
    org: values.org!,
    env: values.env,
    secret: values.secret,
    onSecret: (text) => ctx.out.addSecret(text),
  });
  ctx.out.info(`${found.dataKey} of secret ${values.namespace}/${found.secret}: AES-${found.key.length * 8} key`);
  if (isDefaultHybridKey(found.key)) ctx.out.warn("this is Apigee hybrid's shipped default key (iloveapis1234567)");
  ctx.out.result(toHex(found.key));
}

/** Hybrid: every key of the org into a 0600 JSON file; nothing secret on stdout. */
async function writeHybridKeysFile(values: KekExportValues, ctx: RunContext): Promise<void> {
  const { readAllKvmKeys, keysFileText, parseEnvList } = await import('../../keys/hybridKeySecrets.js');
  const { writeFileAtomic } = await import('../../fs/secureFs.js');
  const file = values['keys-file']!;
  const envs = values.envs !== undefined ? parseEnvList(values.envs) : undefined;
  const kube = await openKube(values, ctx);
  const keys = await readAllKvmKeys(kube, {
    namespace: values.namespace,
    org: values.org!,
    envs,
    orgSecret: values.secret,
    onSecret: (text) => ctx.out.addSecret(text),
  });
  try {
    await writeFileAtomic(file, keysFileText(keys));
  } catch (err) {
    throw new UsageError(`cannot write the keys file ${file}: ${(err as Error).message}`);
  }
  for (const note of keys.skipped) ctx.out.warn(`not in the keys file: ${note}`);
  const how = keys.envSource === 'option' ? 'given with --envs' : 'found from the secret names';
  const envList = Object.entries(keys.envs).map(([env, k]) => `${env} (${k.secret})`).sort().join(', ');
  ctx.out.info(`Wrote ${file} (0600): org key (${keys.org.secret}); environment keys ${how}: ${envList}`);
}

async function exportHybridKey(values: KekExportValues, ctx: RunContext): Promise<void> {
  checkHybridCombination(values);
  if (values['keys-file'] !== undefined) await writeHybridKeysFile(values, ctx);
  else await printHybridKey(values, ctx);
}

export const handler: CommandHandler<KekExportValues> = {
  required: requiredOptions,
  run: async (values, ctx) => {
    if (values.src === 'hybrid') await exportHybridKey(values, ctx);
    else await exportEdgeKek(values, ctx);
  },
};
