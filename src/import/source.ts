// What `kvms import` imports: the dump (decrypted and planned exactly as export does) or an amu export tree, scopes env-mapped.
import { InputError } from '../errors.js';
import { addressability, type TargetScope } from '../apigee/paths.js';
import { planExport, type PlannedKvm } from '../export/plan.js';
import { descriptorKey, type KvmSource } from '../export/source.js';
import type { KvmEntry, Scope } from '../kvm/model.js';
import type { PlacedKvm } from '../export/targets/target.js';
import type { ApigeecliNaming } from '../export/targets/apigeecli.js';
import { checkEnvMap, mapScope, type EnvMap } from './envMap.js';

/** A KVM to import: where it goes in the target, and where it comes from (for messages). */
export interface ImportKvm {
  scope: TargetScope;
  name: string;
  origin: string;
}

/** A KVM of the source that is not imported, and why. */
export interface NotImported {
  scope: string;
  name: string;
  reason: string;
  detail: string;
  /** False for deliberate choices (custom reports, superseded revisions); true for losses. */
  loss: boolean;
}

export type ImportItem = { kvm: ImportKvm; entries: KvmEntry[] } | { kvm: ImportKvm; failed: string };

export interface ImportSource {
  description: string;
  /** Every KVM to import, known before any value is read. */
  kvms: ImportKvm[];
  notImported: NotImported[];
  /** The KVMs' entries, one KVM at a time (memory follows the largest KVM). */
  read(signal?: AbortSignal): AsyncIterable<ImportItem>;
}

/** Why the Apigee API cannot hold a KVM at this place (its name or its scope's name cannot be a URL path segment). */
export function apigeeUnrepresentable(kvm: PlacedKvm): string | undefined {
  const s = kvm.scope;
  const scopeName = s.kind === 'env' ? s.env : s.kind === 'proxy' || s.kind === 'revision' ? s.proxy : undefined;
  if (scopeName !== undefined && addressability(scopeName) !== 'ok') return `the Apigee API cannot address the ${s.kind === 'env' ? 'environment' : 'proxy'} name ${JSON.stringify(scopeName)}`;
  if (addressability(kvm.name) !== 'ok') return `the Apigee API cannot address a KVM named ${JSON.stringify(kvm.name)} in a URL path`;
  return undefined;
}

const DELIBERATE = new Set(['custom-report', 'superseded-revision']);

function label(scope: Scope): string {
  return scope.kind === 'org' ? 'org' : scope.kind === 'env' ? `env ${scope.env}` : `proxy ${scope.proxy}`;
}

export interface DumpImportOptions {
  source: KvmSource;
  includeCustomReports: boolean;
  envMap: EnvMap;
}

/** The dump, planned as `kvms export` plans it (scopes, revision -> proxy, custom reports, duplicates), then env-mapped. */
export async function dumpImportSource(options: DumpImportOptions): Promise<ImportSource> {
  const index = await options.source.index();
  const plans = planExport(index.kvms, { includeCustomReports: options.includeCustomReports, unrepresentable: apigeeUnrepresentable });
  checkEnvMap(options.envMap, plans.flatMap((p) => (p.target.scope.kind === 'env' ? [p.target.scope.env] : [])));
  const place = (p: PlannedKvm): ImportKvm => ({ scope: mapScope(p.target.scope, options.envMap) as TargetScope, name: p.target.name, origin: p.descriptor.origin });
  const wanted = new Map(plans.filter((p) => !p.skip).map((p) => [descriptorKey(p.descriptor), place(p)]));
  const notImported = plans
    .filter((p) => p.skip)
    .map((p) => ({ scope: label(p.target.scope), name: p.target.name, reason: p.skip!.reason, detail: p.skip!.detail, loss: !DELIBERATE.has(p.skip!.reason) }));
  return {
    description: options.source.description,
    kvms: [...wanted.values()],
    notImported,
    async *read() {
      for await (const item of options.source.read((d) => wanted.has(descriptorKey(d)))) {
        const kvm = wanted.get(descriptorKey(item.descriptor));
        if (!kvm) continue;
        if (item.kind === 'failed') yield { kvm, failed: item.reason };
        else yield { kvm, entries: item.kvm.entries };
      }
    },
  };
}

export interface TreeImportOptions {
  target: 'apigeecli' | 'maven';
  exportDir: string;
  apigeecliNaming: ApigeecliNaming;
  envMap: EnvMap;
}

/** An amu export tree, read as its importer reads it (the verify tree reader); KVMs it holds twice are not imported. */
export async function treeImportSource(options: TreeImportOptions): Promise<ImportSource> {
  const { readExportTree, readTreeKvmEntries } = await import('../verify/readExportTree.js');
  const tree = await readExportTree(options);
  if (tree.kvms.length === 0) {
    throw new InputError(`${options.exportDir} holds no KVM files of an export tree for ${options.target}: nothing to import`, [
      options.target === 'apigeecli' ? 'Is it an apigeecli tree (--tgt), with the naming it was written with (--apigeecli-naming)?' : 'Is it a maven tree (--tgt)?',
    ]);
  }
  checkEnvMap(options.envMap, tree.kvms.flatMap((k) => (k.scope.kind === 'env' ? [k.scope.env] : [])));
  const notImported: NotImported[] = [];
  const usable = tree.kvms.filter((k) => {
    const problem = k.conflict ?? apigeeUnrepresentable(k);
    if (problem) notImported.push({ scope: label(k.scope), name: k.name, reason: k.conflict ? 'conflict' : 'unrepresentable-name', detail: problem, loss: true });
    return !problem;
  });
  const place = (k: (typeof usable)[number]): ImportKvm => ({ scope: mapScope(k.scope, options.envMap) as TargetScope, name: k.name, origin: k.file });
  return {
    description: `${options.exportDir} (${tree.layout})`,
    kvms: usable.map(place),
    notImported,
    async *read(signal?: AbortSignal) {
      for (const k of usable) {
        if (signal?.aborted) return;
        yield { kvm: place(k), entries: await readTreeKvmEntries(options.exportDir, k) };
      }
    },
  };
}
