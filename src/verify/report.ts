// Text and JSON forms of a `kvms verify` result: KVM names, counts and short keyed digests, never entry names or values.
import type { VerifyResult, VerifyRow, VerifyTotals } from './verifyExport.js';

/** Up to this many KVMs every row is listed; above it only the rows that are not OK. */
export const MAX_LISTED_ROWS = 200;

const HEADERS = ['scope', 'KVM', 'dump', 'export', 'status'];

function count(n: number | null): string {
  return n === null ? '-' : String(n);
}

function cells(row: VerifyRow): string[] {
  return [row.scope, row.kvm, count(row.dumpEntries), count(row.exportEntries), row.status];
}

/** Left-aligned text columns, right-aligned counts. */
function formatTable(rows: string[][]): string[] {
  const widths = HEADERS.map((_h, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const numeric = new Set([2, 3]);
  return rows.map((r) => r.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '));
}

function noteLines(rows: VerifyRow[]): string[] {
  const lines: string[] = [];
  for (const r of rows) {
    const where = `${r.scope} / ${r.kvm}${r.dumpScope ? ` (from ${r.dumpScope})` : ''}`;
    if (r.status === 'different') lines.push(`  ${where}: content differs (digest of this run: dump ${r.dumpDigest}, export ${r.exportDigest})`);
    if (r.note) lines.push(`  ${where}: ${r.note}`);
  }
  return lines.length > 0 ? ['Notes:', ...lines] : [];
}

export function formatTotals(t: VerifyTotals): string {
  const statuses = `${t.ok} OK, ${t.missing} missing, ${t.different} different, ${t.extra} extra, ${t.undecryptable} undecryptable, ${t.conflict} conflict`;
  return `total: ${t.kvms} KVM(s): ${statuses}; entries: dump ${t.dumpEntries}, export ${t.exportEntries}`;
}

/** The table (all rows up to MAX_LISTED_ROWS, else the ones not OK and a count), notes, warnings and the totals line. */
export function formatVerifyResult(result: VerifyResult): string {
  const listAll = result.kvms.length <= MAX_LISTED_ROWS;
  const listed = listAll ? result.kvms : result.kvms.filter((r) => r.status !== 'OK');
  const lines = [`Verify of ${result.exportDir} (${result.tree}) against ${result.source}: ${result.ok ? 'OK' : 'DIFFERENCES'}`];
  if (listed.length > 0) lines.push(...formatTable([HEADERS, ...listed.map(cells)]));
  if (!listAll) lines.push(`(${result.totals.ok} OK KVM(s) not listed)`);
  lines.push(...noteLines(listed));
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  lines.push(formatTotals(result.totals));
  return lines.join('\n');
}

/** What `--json` prints. */
export function verifyJson(result: VerifyResult): { ok: boolean; kvms: VerifyRow[]; totals: VerifyTotals; warnings: string[] } {
  return { ok: result.ok, kvms: result.kvms, totals: result.totals, warnings: result.warnings };
}
