// Counts of an export run, per scope kind, and their text and JSON forms for the end-of-run summary.
import type { Scope } from '../kvm/model.js';
import { scopeLabel } from '../kvm/model.js';
import type { SkipReason } from './plan.js';
import type { SourceNote } from './source.js';

export type ScopeKind = Scope['kind'];
export const SCOPE_KINDS: ScopeKind[] = ['org', 'env', 'proxy', 'revision'];

export interface ScopeCounts {
  /** KVMs found in the dump (pseudo-KVMs holding keys are not counted). */
  kvms: number;
  encryptedKvms: number;
  plainKvms: number;
  exportedKvms: number;
  exportedEntries: number;
}

export interface SkippedKvm {
  scope: string;
  name: string;
  reason: SkipReason;
  detail: string;
}

/** One KVM of the dump and what became of it, for the machine-readable report. */
export interface KvmReport {
  /** Where it is written (revision scope becomes proxy scope). */
  scope: string;
  name: string;
  /** Where it was in the dump, when that differs from `scope`. */
  dumpScope?: string;
  encrypted: boolean;
  /** Entries written; null when it was not written. */
  entries: number | null;
  status: 'exported' | SkipReason;
  reason?: string;
}

export interface ExportSummary {
  org: string;
  source: string;
  target: string;
  exportDir: string;
  rowsRead: number;
  byScope: Record<ScopeKind, ScopeCounts>;
  skipped: SkippedKvm[];
  sourceNotes: SourceNote[];
  files: string[];
  /** Things about the export the user must know before importing it. */
  warnings: string[];
  complete: boolean;
  /** Every KVM of the dump, in dump order. */
  kvms: KvmReport[];
  /** Every file amu wrote in the export folder (relative, `/`-separated): what a later --overwrite may replace. */
  written?: string[];
}

export function emptyCounts(): Record<ScopeKind, ScopeCounts> {
  const counts = {} as Record<ScopeKind, ScopeCounts>;
  for (const kind of SCOPE_KINDS) counts[kind] = { kvms: 0, encryptedKvms: 0, plainKvms: 0, exportedKvms: 0, exportedEntries: 0 };
  return counts;
}

export function skippedEntry(scope: Scope, name: string, reason: SkipReason, detail: string): SkippedKvm {
  return { scope: scopeLabel(scope), name, reason, detail };
}

/** Reasons that mean something the user has is missing from the export (not deliberate choices). */
export function isLoss(reason: SkipReason): boolean {
  return reason === 'unrepresentable-name' || reason === 'duplicate-name' || reason === 'decrypt-failed';
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? pad(c, widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

export function formatSummary(s: ExportSummary): string {
  const lines: string[] = [];
  lines.push(`Export of org ${s.org} from ${s.source} for ${s.target}: ${s.complete ? 'complete' : 'INCOMPLETE'}`);
  const headers = ['scope', 'KVMs', 'encrypted', 'plain', 'exported', 'entries'];
  const widths = [10, 6, 10, 6, 9, 9];
  lines.push(row(headers, widths));
  const total = { kvms: 0, encryptedKvms: 0, plainKvms: 0, exportedKvms: 0, exportedEntries: 0 };
  for (const kind of SCOPE_KINDS) {
    const c = s.byScope[kind];
    for (const k of Object.keys(total) as (keyof ScopeCounts)[]) total[k] += c[k];
    lines.push(row([kind, c.kvms, c.encryptedKvms, c.plainKvms, c.exportedKvms, c.exportedEntries].map(String), widths));
  }
  lines.push(row(['total', total.kvms, total.encryptedKvms, total.plainKvms, total.exportedKvms, total.exportedEntries].map(String), widths));
  if (s.skipped.length > 0) {
    lines.push(`Not exported: ${s.skipped.length} KVM(s)`);
    for (const k of s.skipped) lines.push(`  [${k.reason}] ${k.scope} / ${k.name}: ${k.detail}`);
  }
  for (const warning of s.warnings) lines.push(`Warning: ${warning}`);
  for (const note of s.sourceNotes) lines.push(`Left out by the reader: ${note.count} ${note.reason}${note.detail ? ` (${note.detail})` : ''}`);
  lines.push(`Rows read: ${s.rowsRead}. Files written: ${s.files.length} in ${s.exportDir}`);
  return lines.join('\n');
}
