// What `kvms import` reports: per-KVM counts, totals, unaddressable entries, failures; as a table or JSON.
import type { NotImported } from './source.js';

export type KvmAction = 'create' | 'exists' | 'failed';

export interface EntryCounts {
  created: number;
  updated: number;
  unchanged: number;
  pruned: number;
  unaddressable: number;
  failed: number;
}

export interface ImportRow extends EntryCounts {
  scope: string;
  kvm: string;
  /** create: the KVM was (or, dry run, would be) created; exists: it was there. */
  action: KvmAction;
  note?: string;
}

/** An entry the API cannot take as it should (an empty name; a `/` in a name that needs an update or delete). */
export interface UnaddressableEntry {
  scope: string;
  kvm: string;
  entry: string;
  /** created-only: it was created by POST and can never be updated or deleted; not-applied: what the source needs was not done. */
  kind: 'created-only' | 'not-applied';
  reason: string;
}

export interface ImportFailure {
  scope: string;
  kvm: string;
  entry?: string;
  message: string;
}

export interface ImportSummary {
  source: string;
  target: string;
  dryRun: boolean;
  prune: boolean;
  kvms: { total: number; created: number; existing: number; notImported: number; failed: number };
  entries: EntryCounts;
  rows: ImportRow[];
  notImported: NotImported[];
  unaddressable: UnaddressableEntry[];
  failures: ImportFailure[];
  calls: { sent: number; retried: number; quotaWaits: number; unavailable: number };
  seconds: number;
  complete: boolean;
}

export function emptyCounts(): EntryCounts {
  return { created: 0, updated: 0, unchanged: 0, pruned: 0, unaddressable: 0, failed: 0 };
}

export function addCounts(into: EntryCounts, from: EntryCounts): void {
  for (const k of Object.keys(into) as (keyof EntryCounts)[]) into[k] += from[k];
}

/** Up to this many KVMs every row is listed; above it only those with changes, unaddressable entries or failures. */
const MAX_LISTED = 200;
const HEADERS = ['scope', 'KVM', 'KVM action', 'create', 'update', 'unchanged', 'prune', 'unaddressable', 'failed'];

function table(rows: string[][]): string[] {
  const widths = HEADERS.map((_h, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd());
}

function cells(r: ImportRow): string[] {
  return [r.scope, r.kvm, r.action, r.created, r.updated, r.unchanged, r.pruned, r.unaddressable, r.failed].map(String);
}

export function formatImportSummary(s: ImportSummary): string {
  const verb = s.dryRun ? 'Dry run (nothing changed): plan' : 'Import';
  const lines = [`${verb} of ${s.source} into ${s.target}${s.prune ? ' (with --prune)' : ''}`];
  const interesting = (r: ImportRow) => r.action !== 'exists' || r.created + r.updated + r.pruned + r.unaddressable + r.failed > 0;
  const listed = s.rows.length <= MAX_LISTED ? s.rows : s.rows.filter(interesting);
  if (listed.length > 0) lines.push(...table([HEADERS, ...listed.map(cells)]));
  if (listed.length < s.rows.length) lines.push(`(${s.rows.length - listed.length} KVM(s) already up to date not listed)`);
  for (const r of listed) if (r.note) lines.push(`  ${r.scope} / ${r.kvm}: ${r.note}`);
  if (s.notImported.length > 0) {
    lines.push('Not imported:');
    for (const n of s.notImported) lines.push(`  ${n.scope} / ${n.name}: ${n.reason}: ${n.detail}`);
  }
  if (s.unaddressable.length > 0) {
    lines.push('Entries the API cannot address by name:');
    for (const u of s.unaddressable) lines.push(`  ${u.scope} / ${u.kvm} / ${JSON.stringify(u.entry)}: ${u.reason}`);
  }
  if (s.failures.length > 0) {
    lines.push('Failed:');
    for (const f of s.failures.slice(0, 100)) lines.push(`  ${f.scope} / ${f.kvm}${f.entry !== undefined ? ` / ${JSON.stringify(f.entry)}` : ''}: ${f.message}`);
    if (s.failures.length > 100) lines.push(`  (${s.failures.length - 100} more in --json)`);
  }
  const e = s.entries;
  const would = s.dryRun ? 'to ' : '';
  lines.push(
    `KVMs: ${s.kvms.total} (${would}create ${s.kvms.created}, existing ${s.kvms.existing}, failed ${s.kvms.failed}), not imported ${s.kvms.notImported}`,
    `entries: ${would}create ${e.created}, ${would}update ${e.updated}, unchanged ${e.unchanged}, ${would}prune ${e.pruned}, unaddressable ${e.unaddressable}, failed ${e.failed}`,
    `API calls: ${s.calls.sent} (${s.calls.retried} retried, ${s.calls.quotaWaits} quota waits, ${s.calls.unavailable} unavailable) in ${s.seconds.toFixed(1)} s`,
  );
  return lines.join('\n');
}
