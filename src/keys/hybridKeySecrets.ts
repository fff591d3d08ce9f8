// Apigee hybrid KVM keys from Kubernetes secrets: one key (org or environment) or every key of the org for a keys file.
//
// Environments for the keys file: `--envs` when given; else they are read from the secret names.
// A plain name `<org>-<env>-encryption-keys` gives the env; an encoded name
// `<org[:15]>-<env[:15]>-<sha7>-encryption-keys` gives it only when the env is not shortened (the
// hash is checked); a shortened one cannot be reversed and is reported, asking for `--envs`.
// Reading Cassandra for the env list would need the client pod; the secrets are what the keys come from.
import type { KubeAdapter } from '../adapters/kube/index.js';
import { ForbiddenError, InputError, UsageError } from '../errors.js';
import { toHex } from './hex.js';
import { decodeSecretKey, SECRET_DATA_KEYS, type SecretDataKey } from './hybridKeys.js';
import {
  envEncodedName,
  envSecretCandidates,
  KEY_SECRET_PREFIX,
  KEY_SECRET_SUFFIX,
  orgSecretCandidates,
  shortName,
} from '../cluster/secretNames.js';

export interface KeyLookup {
  namespace: string;
  org: string;
  /** The environment's key (envKvmEncryptionKey); the org key (kvmEncryptionKey) when absent. */
  env?: string | undefined;
  /** The secret to read instead of the candidate names. */
  secret?: string | undefined;
  /** Told every secret text read (data values, keys as hex) before anything else happens with it. */
  onSecret?: ((text: string) => void) | undefined;
  /** The last line of the error when no secret exists (default: how to name the secret). */
  hint?: string;
}

export interface FoundKey {
  key: Buffer;
  secret: string;
  dataKey: SecretDataKey;
}

export interface AllKeysLookup {
  namespace: string;
  org: string;
  /** The environments; found from the secret names when absent. */
  envs?: string[] | undefined;
  /** The org-level secret to read instead of the candidate names. */
  orgSecret?: string | undefined;
  onSecret?: (text: string) => void;
}

export interface AllKeys {
  org: FoundKey;
  envs: Record<string, FoundKey>;
  /** How the environments were chosen. */
  envSource: 'option' | 'secrets';
  /** Secrets that look like env key secrets of the org but whose env cannot be told, or that hold no env key. */
  skipped: string[];
}

/** What is needed to read a key: the candidates, the data key, and the words for messages. */
interface KeyTarget {
  candidates: string[];
  dataKey: SecretDataKey;
  what: string;
  hint: string;
}

const SECRET_HINT = 'name the secret with --secret NAME (SECRET), or check --namespace and --org';
const ENVS_HINT = 'check --namespace, --org and --envs';

function keyTarget(lookup: KeyLookup): KeyTarget {
  const candidates = lookup.secret ? [lookup.secret] : lookup.env ? envSecretCandidates(lookup.org, lookup.env) : orgSecretCandidates(lookup.org);
  const hint = lookup.hint ?? SECRET_HINT;
  return lookup.env
    ? { candidates, dataKey: SECRET_DATA_KEYS.envKvm, what: `environment ${lookup.env} of org ${lookup.org}`, hint }
    : { candidates, dataKey: SECRET_DATA_KEYS.kvm, what: `org ${lookup.org}`, hint };
}

/** Registers every value of a secret's data as secret text. */
function registerSecretData(data: Record<string, Buffer>, onSecret: ((text: string) => void) | undefined): void {
  for (const value of Object.values(data)) {
    onSecret?.(value.toString('latin1').trim());
    onSecret?.(value.toString('latin1'));
  }
}

/** Names of the key secrets in the namespace (`*-encryption-keys`), or a note why they cannot be listed. */
async function existingKeySecrets(kube: KubeAdapter, namespace: string): Promise<string> {
  try {
    const names = (await kube.listSecretNames(namespace)).filter((n) => n.endsWith(KEY_SECRET_SUFFIX)).sort();
    return names.length > 0 ? `*${KEY_SECRET_SUFFIX} secrets in namespace ${namespace}: ${names.join(', ')}` : `namespace ${namespace} has no *${KEY_SECRET_SUFFIX} secret`;
  } catch (err) {
    return `the secrets of namespace ${namespace} cannot be listed: ${(err as Error).message}`;
  }
}

/** Reads the first candidate secret that exists; an InputError naming what was tried and what exists otherwise. */
async function readFirstSecret(kube: KubeAdapter, namespace: string, target: KeyTarget): Promise<{ name: string; data: Record<string, Buffer> }> {
  // A Role that grants "get" by resourceName refuses the candidate names it does not list: try the next one.
  const forbidden: string[] = [];
  for (const name of target.candidates) {
    let data: Record<string, Buffer> | undefined;
    try {
      data = await kube.readSecret(namespace, name);
    } catch (err) {
      if (!(err instanceof ForbiddenError) || target.candidates.length === 1) throw err;
      forbidden.push(name);
      continue;
    }
    if (data) return { name, data };
  }
  if (forbidden.length > 0) {
    throw new ForbiddenError(`no readable key secret of ${target.what} in namespace ${namespace}: RBAC forbids reading ${forbidden.join(', ')}`, [
      `tried: ${target.candidates.join(', ')}`,
      'allow "get" on the key secret in the Role amu runs under ("amu kek rbac" prints one that names every candidate), or name it with --secret',
    ]);
  }
  throw new InputError(`no key secret of ${target.what} in namespace ${namespace}`, [
    `tried: ${target.candidates.join(', ')}`,
    await existingKeySecrets(kube, namespace),
    target.hint,
  ]);
}

/** The raw key of a data entry; an InputError naming the entries the secret has when it is missing. */
function keyFromSecret(namespace: string, name: string, data: Record<string, Buffer>, dataKey: SecretDataKey): Buffer {
  const entry = data[dataKey];
  if (!entry) {
    const keys = Object.keys(data).sort();
    throw new InputError(`secret ${namespace}/${name} has no ${dataKey}`, [keys.length > 0 ? `its data keys: ${keys.join(', ')}` : 'its data is empty']);
  }
  return decodeSecretKey(entry, `secret ${namespace}/${name}, ${dataKey}`);
}

/** The KVM key of the org (kvmEncryptionKey) or of one environment (envKvmEncryptionKey). */
export async function readKvmKey(kube: KubeAdapter, lookup: KeyLookup): Promise<FoundKey> {
  const target = keyTarget(lookup);
  const { name, data } = await readFirstSecret(kube, lookup.namespace, target);
  registerSecretData(data, lookup.onSecret);
  const key = keyFromSecret(lookup.namespace, name, data, target.dataKey);
  lookup.onSecret?.(toHex(key));
  return { key, secret: name, dataKey: target.dataKey };
}

/** What a secret name says about the org's environments. */
export type SecretNameMeaning = { kind: 'org' } | { kind: 'env'; env: string } | { kind: 'unresolved' } | { kind: 'other' };

/** The name without the suffix, and without the `apigee-` prefix as a second reading. */
function baseReadings(name: string): string[] {
  const base = name.slice(0, -KEY_SECRET_SUFFIX.length);
  return base.startsWith(KEY_SECRET_PREFIX) ? [base, base.slice(KEY_SECRET_PREFIX.length)] : [base];
}

/** Reads one name (without suffix) as an env secret name of the org. */
function envOfBase(base: string, org: string): SecretNameMeaning {
  const shortPrefix = `${shortName(org)}-`;
  const encoded = base.startsWith(shortPrefix) ? /^(.+)-[0-9a-f]{7}$/.exec(base.slice(shortPrefix.length)) : null;
  if (encoded && envEncodedName(org, encoded[1]!) === base) return { kind: 'env', env: encoded[1]! };
  if (encoded && encoded[1]!.length === 15) return { kind: 'unresolved' };
  if (base.startsWith(`${org}-`) && base.length > org.length + 1) return { kind: 'env', env: base.slice(org.length + 1) };
  return { kind: 'other' };
}

/** Classifies a secret name: the org's key secret, an env key secret of the org (env known or not), or something else. */
export function readSecretName(name: string, org: string): SecretNameMeaning {
  if (!name.endsWith(KEY_SECRET_SUFFIX)) return { kind: 'other' };
  if (orgSecretCandidates(org).includes(name)) return { kind: 'org' };
  let unresolved = false;
  for (const base of baseReadings(name)) {
    const meaning = envOfBase(base, org);
    if (meaning.kind === 'env') return meaning;
    unresolved ||= meaning.kind === 'unresolved';
  }
  return unresolved ? { kind: 'unresolved' } : { kind: 'other' };
}

/** The environments named by the key secrets of the namespace, and the names that look like env secrets but cannot be read. */
export function envsFromSecretNames(names: string[], org: string): { envs: string[]; unresolved: string[] } {
  const envs = new Set<string>();
  const unresolved: string[] = [];
  for (const name of names) {
    const meaning = readSecretName(name, org);
    if (meaning.kind === 'env') envs.add(meaning.env);
    else if (meaning.kind === 'unresolved') unresolved.push(name);
  }
  return { envs: [...envs].sort(), unresolved: unresolved.sort() };
}

/** Splits `--envs a,b,c` into distinct names. */
export function parseEnvList(text: string): string[] {
  const envs = [...new Set(text.split(',').map((e) => e.trim()).filter(Boolean))];
  if (envs.length === 0) throw new UsageError('--envs (ENVS) names no environment');
  return envs;
}

/** Reads the key of an env found from a secret name; undefined (and noted) when its secret holds no env key. */
async function discoveredEnvKey(kube: KubeAdapter, lookup: AllKeysLookup, env: string, skipped: string[]): Promise<FoundKey | undefined> {
  try {
    return await readKvmKey(kube, { namespace: lookup.namespace, org: lookup.org, env, onSecret: lookup.onSecret });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    skipped.push(`env "${env}": ${err.message}`);
    return undefined;
  }
}

/** The org key and every environment key of the org. */
export async function readAllKvmKeys(kube: KubeAdapter, lookup: AllKeysLookup): Promise<AllKeys> {
  const common = { namespace: lookup.namespace, org: lookup.org, onSecret: lookup.onSecret };
  const org = await readKvmKey(kube, { ...common, secret: lookup.orgSecret });
  const envs: Record<string, FoundKey> = {};
  if (lookup.envs) {
    for (const env of lookup.envs) envs[env] = await readKvmKey(kube, { ...common, env, hint: ENVS_HINT });
    return { org, envs, envSource: 'option', skipped: [] };
  }
  const names = await kube.listSecretNames(lookup.namespace);
  const found = envsFromSecretNames(names, lookup.org);
  const skipped = found.unresolved.map((name) => `secret ${name}: its environment name is shortened and cannot be read back`);
  for (const env of found.envs) {
    const key = await discoveredEnvKey(kube, lookup, env, skipped);
    if (key) envs[env] = key;
  }
  if (Object.keys(envs).length === 0) {
    throw new InputError(`no environment key secret of org ${lookup.org} found in namespace ${lookup.namespace}`, [
      ...skipped,
      await existingKeySecrets(kube, lookup.namespace),
      'name the environments with --envs a,b,c (ENVS)',
    ]);
  }
  return { org, envs, envSource: 'secrets', skipped };
}

/** The keys file: `{"org": "<hex>", "envs": {"<env>": "<hex>"}}`, envs sorted by name. */
export function keysFileText(keys: AllKeys): string {
  const envs: Record<string, string> = {};
  for (const env of Object.keys(keys.envs).sort()) envs[env] = toHex(keys.envs[env]!.key);
  return `${JSON.stringify({ org: toHex(keys.org.key), envs }, null, 2)}\n`;
}
