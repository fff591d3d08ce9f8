// Decides, before any value is read, which KVMs are written where and which are left out, and why.
import { ScopeGroups, type Scope } from '../kvm/model.js';
import type { PlacedKvm } from './targets/target.js';
import { descriptorKey, type KvmDescriptor } from './source.js';

export type SkipReason = 'custom-report' | 'superseded-revision' | 'unrepresentable-name' | 'duplicate-name' | 'decrypt-failed';

export interface PlannedKvm {
  descriptor: KvmDescriptor;
  /** The scope it is written in: revision scope becomes proxy scope. */
  target: PlacedKvm;
  skip?: { reason: SkipReason; detail: string };
}

export interface PlanOptions {
  includeCustomReports: boolean;
  /** The target's check of names it cannot hold. */
  unrepresentable: (kvm: PlacedKvm) => string | undefined;
}

/** Edge keeps custom report definitions in org KVMs named `CustomReports<org>#<uuid>`. */
export function isCustomReportKvm(d: KvmDescriptor): boolean {
  return d.scope.kind === 'org' && /^CustomReports.*#[0-9a-fA-F-]{8,}$/.test(d.name);
}

function placed(d: KvmDescriptor): PlacedKvm {
  const scope: Scope = d.scope.kind === 'revision' ? { kind: 'proxy', proxy: d.scope.proxy } : d.scope;
  return { scope, name: d.name };
}

/** Proxy scope has no revisions on X/hybrid: a proxy-scoped KVM of the same name wins, else the highest revision. */
function markSupersededRevisions(plans: PlannedKvm[]): void {
  if (!plans.some((p) => p.descriptor.scope.kind === 'revision')) return;
  const groups = new Map<string, PlannedKvm[]>();
  for (const p of plans) {
    if (p.skip || p.target.scope.kind !== 'proxy') continue;
    const key = descriptorKey({ scope: p.target.scope, name: p.target.name.toLowerCase() });
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  for (const group of groups.values()) {
    const revisions = group.filter((p) => p.descriptor.scope.kind === 'revision');
    if (revisions.length === 0) continue;
    const proxyScoped = group.find((p) => p.descriptor.scope.kind !== 'revision');
    const winner = proxyScoped ?? revisions.reduce((best, p) => (revisionOf(p) > revisionOf(best) ? p : best));
    for (const p of revisions) {
      if (p !== winner) p.skip = { reason: 'superseded-revision', detail: supersededDetail(winner.descriptor) };
    }
  }
}

function revisionOf(p: PlannedKvm): number {
  const s = p.descriptor.scope;
  const n = s.kind === 'revision' ? Number(s.revision) : NaN;
  return Number.isFinite(n) ? n : -1;
}

function supersededDetail(winner: KvmDescriptor): string {
  const s = winner.scope;
  return s.kind === 'revision' ? `revision ${s.revision} of the same KVM is exported instead` : 'the proxy-scoped KVM of the same name is exported instead';
}

/** Two KVMs that would land in the same place (possible in hybrid dumps): both are refused rather than one lost. */
function markDuplicates(plans: PlannedKvm[]): void {
  // By scope, then name (no key string per KVM).
  const byScope = new ScopeGroups(() => new Map<string, PlannedKvm>());
  for (const p of plans) {
    if (p.skip) continue;
    const seen = byScope.of(p.target.scope);
    const first = seen.get(p.target.name);
    if (!first) {
      seen.set(p.target.name, p);
      continue;
    }
    const detail = `another KVM of the same name and scope is in the dump (${first.descriptor.origin} and ${p.descriptor.origin})`;
    p.skip = { reason: 'duplicate-name', detail };
    if (!first.skip) first.skip = { reason: 'duplicate-name', detail };
  }
}

export function planExport(descriptors: KvmDescriptor[], options: PlanOptions): PlannedKvm[] {
  const plans: PlannedKvm[] = descriptors.map((descriptor) => ({ descriptor, target: placed(descriptor) }));
  for (const p of plans) {
    if (!options.includeCustomReports && isCustomReportKvm(p.descriptor)) {
      p.skip = { reason: 'custom-report', detail: "Edge's own storage of a custom report (use --include-custom-reports to export it)" };
      continue;
    }
    const problem = options.unrepresentable(p.target);
    if (problem) p.skip = { reason: 'unrepresentable-name', detail: problem };
  }
  markSupersededRevisions(plans);
  markDuplicates(plans);
  return plans;
}
