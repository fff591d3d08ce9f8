// `kvms verify --live`: the target's KVMs read back through the Apigee API (every page), digested as verify digests a tree.
import { ApiError, type ApigeeClient } from '../apigee/client.js';
import { kvmPath, type TargetScope } from '../apigee/paths.js';
import type { PlannedKvm } from '../export/plan.js';
import { scopeKey } from '../kvm/model.js';
import type { KvmEntry } from '../kvm/model.js';
import type { ContentDigester } from './digest.js';
import type { ExportTree, TreeKvm } from './readExportTree.js';

export interface LiveTreeOptions {
  client: ApigeeClient;
  org: string;
  /** KVMs read at once. */
  concurrency: number;
  signal?: AbortSignal;
  /** The run's keyed digester (verifyAgainst's): the dump side uses the same one. */
  digester: ContentDigester;
}

/** The org scope and every environment and proxy the plans put KVMs in. */
function scopesOf(plans: PlannedKvm[]): TargetScope[] {
  const scopes = new Map<string, TargetScope>([['org', { kind: 'org' }]]);
  for (const p of plans) if (p.target.scope.kind !== 'revision') scopes.set(scopeKey(p.target.scope), p.target.scope);
  return [...scopes.values()];
}

/**
 * Reads every KVM of the scopes the dump has KVMs in (so KVMs the dump lacks there show as extra), one KVM's entries
 * at a time per worker; a scope the target lacks holds no KVMs (its KVMs show as missing) and is named in a warning.
 */
export async function readLiveTree(options: LiveTreeOptions, plans: PlannedKvm[]): Promise<ExportTree> {
  const { client, org } = options;
  const tree: ExportTree = { layout: 'Apigee API', kvms: [], warnings: [] };
  const work: { scope: TargetScope; name: string }[] = [];
  for (const scope of scopesOf(plans)) {
    try {
      for (const name of await client.listKvms(org, scope)) work.push({ scope, name });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404) || scope.kind === 'org') throw err;
      tree.warnings.push(`the ${scope.kind === 'env' ? `environment ${scope.env}` : `proxy ${scope.proxy}`} does not exist in the target organization ${org}`);
    }
  }
  let next = 0;
  const worker = async () => {
    while (next < work.length && !options.signal?.aborted) {
      const { scope, name } = work[next++]!;
      const entries: KvmEntry[] = [];
      for await (const page of client.listEntries(org, scope, name)) entries.push(...page);
      const kvm: TreeKvm = { scope, name, file: kvmPath(org, scope, name), ...options.digester.digest(entries) };
      tree.kvms.push(kvm);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, work.length)) }, worker));
  return tree;
}
