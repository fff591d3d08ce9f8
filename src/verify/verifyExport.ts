// `kvms verify`: the KVMs the export plan promises, digested from the dump, against what the importer would read from the tree.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { InputError, InterruptedError } from '../errors.js';
import { scopeLabel } from '../kvm/model.js';
import { planExport, type PlannedKvm, type SkipReason } from '../export/plan.js';
import { descriptorKey, type KvmSource } from '../export/source.js';
import type { ApigeecliNaming } from '../export/targets/apigeecli.js';
import { createTarget, type TargetKind } from '../export/targets/index.js';
import type { PlacedKvm } from '../export/targets/target.js';
import { ContentDigester, shortDigest, type ContentDigest } from './digest.js';
import { readExportTree, type ExportTree, type TreeKvm } from './readExportTree.js';

export type VerifyStatus = 'OK' | 'missing' | 'different' | 'extra' | 'undecryptable' | 'conflict';

/** One KVM compared: names, counts and short digests only, never an entry name or value. */
export interface VerifyRow {
  /** Scope in the target: `org`, `env prod`, `proxy p1`. */
  scope: string;
  kvm: string;
  /** The dump's scope when it is not the target's (a revision-scoped KVM). */
  dumpScope?: string;
  status: VerifyStatus;
  dumpEntries: number | null;
  exportEntries: number | null;
  dumpDigest: string | null;
  exportDigest: string | null;
  /** The file the importer reads it from, relative to the export folder. */
  file: string | null;
  note?: string;
}

export interface VerifyTotals {
  kvms: number;
  ok: number;
  missing: number;
  different: number;
  extra: number;
  undecryptable: number;
  conflict: number;
  dumpEntries: number;
  exportEntries: number;
}

export interface VerifyResult {
  ok: boolean;
  source: string;
  exportDir: string;
  /** The layout read, e.g. `apigeecli files (current naming)`. */
  tree: string;
  kvms: VerifyRow[];
  totals: VerifyTotals;
  /** Files the importer skips that no row explains. */
  warnings: string[];
}

export interface VerifyOptions {
  source: KvmSource;
  target: TargetKind;
  exportDir: string;
  includeCustomReports: boolean;
  apigeecliNaming: ApigeecliNaming;
  signal?: AbortSignal;
  /** Key of the run's digests (default: random); only tests give one. */
  digestKey?: Buffer;
  /** Worker threads that decrypt the dump (default 0: none, the main thread does it). */
  threads?: number;
}

type DumpContent = { kind: 'read'; content: ContentDigest } | { kind: 'failed' };

/** Deliberate choices of the plan: such KVMs are not meant to be in the tree. Every other skip is a loss and shows as missing. */
const NOT_MEANT_TO_BE_WRITTEN: ReadonlySet<SkipReason> = new Set(['custom-report', 'superseded-revision']);

function isExpected(plan: PlannedKvm): boolean {
  return !plan.skip || !NOT_MEANT_TO_BE_WRITTEN.has(plan.skip.reason);
}

/** The same name check the export's writer applies, so verify expects exactly what the export plans. */
function unrepresentableCheck(options: VerifyOptions): (kvm: PlacedKvm) => string | undefined {
  const writer = createTarget(options.target, options.exportDir, {
    org: '',
    apigeecliNaming: options.apigeecliNaming,
    mavenProject: false,
    mavenPluginVersion: '',
  });
  return (kvm) => writer.unrepresentable(kvm);
}

/**
 * Second pass over the dump: each expected KVM reduced to count and digest as it is decrypted, so no values are held.
 * With threads (and a source that can), worker threads decrypt and render each KVM as an apigeecli file (as export
 * does), and the main thread digests those bytes; else the main thread decrypts and digests.
 */
async function digestDump(
  options: { source: KvmSource; signal?: AbortSignal | undefined; threads?: number | undefined },
  expected: PlannedKvm[],
  digester: ContentDigester,
  digestKey: Buffer,
): Promise<Map<string, DumpContent>> {
  const wanted = new Set(expected.map((p) => descriptorKey(p.descriptor)));
  const contents = new Map<string, DumpContent>();
  // The main thread by default (`--export-threads` for workers); a dump read from its bytes where the source can.
  const threads = options.threads ?? 0;
  // An Edge cassandra-cli dump: count and digest per KVM straight from the dump's bytes (on worker threads if asked).
  const digested = options.source.readDigested?.([...wanted], digestKey, threads);
  if (digested) {
    for await (const batch of digested) {
      if (options.signal?.aborted) throw new InterruptedError('verify interrupted');
      for (const item of batch) {
        contents.set(descriptorKey(item.descriptor), item.kind === 'failed' ? { kind: 'failed' } : { kind: 'read', content: { entries: item.entries, digest: item.digest } });
      }
    }
  } else {
    for await (const item of options.source.read((d) => wanted.has(descriptorKey(d)))) {
      if (options.signal?.aborted) throw new InterruptedError('verify interrupted');
      const content: DumpContent = item.kind === 'failed' ? { kind: 'failed' } : { kind: 'read', content: digester.digest(item.kvm.entries) };
      contents.set(descriptorKey(item.descriptor), content);
    }
  }
  const lost = expected.filter((p) => !contents.has(descriptorKey(p.descriptor)));
  if (lost.length > 0) {
    const names = lost.map((p) => `${p.descriptor.name} (${p.descriptor.origin})`).join(', ');
    throw new InputError(`${options.source.description} changed while it was read: not found again: ${names}`);
  }
  return contents;
}

function missingNote(plan: PlannedKvm): string | undefined {
  return plan.skip ? `not exported: ${plan.skip.detail}` : undefined;
}

function treeSide(tree: TreeKvm | undefined): Pick<VerifyRow, 'exportEntries' | 'exportDigest' | 'file'> {
  return { exportEntries: tree?.entries ?? null, exportDigest: tree ? shortDigest(tree.digest) : null, file: tree?.file ?? null };
}

/** Compares one expected KVM with what the importer would create for it. */
function expectedRow(plan: PlannedKvm, dump: DumpContent, tree: TreeKvm | undefined): VerifyRow {
  const row = {
    scope: scopeLabel(plan.target.scope),
    kvm: plan.target.name,
    ...(plan.descriptor.scope.kind === 'revision' ? { dumpScope: scopeLabel(plan.descriptor.scope) } : {}),
    ...treeSide(tree),
  };
  if (dump.kind === 'failed') {
    const note = 'its values do not decrypt with this KEK ("amu kvms export" says which entry fails)';
    return { ...row, status: 'undecryptable', dumpEntries: null, dumpDigest: null, note };
  }
  const dumpSide = { dumpEntries: dump.content.entries, dumpDigest: shortDigest(dump.content.digest) };
  if (!tree) {
    const note = missingNote(plan);
    return { ...row, ...dumpSide, status: 'missing', ...(note ? { note } : {}) };
  }
  if (tree.conflict) return { ...row, ...dumpSide, status: 'conflict', note: tree.conflict };
  return { ...row, ...dumpSide, status: tree.digest === dump.content.digest ? 'OK' : 'different' };
}

/** A KVM the importer would create that the plan does not promise. */
function extraRow(tree: TreeKvm, notMeant: string | undefined): VerifyRow {
  const notes = [notMeant ? `in the dump but not meant to be exported: ${notMeant}` : undefined, tree.conflict].filter(Boolean);
  return {
    scope: scopeLabel(tree.scope),
    kvm: tree.name,
    status: 'extra',
    dumpEntries: null,
    dumpDigest: null,
    ...treeSide(tree),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

const SCOPE_RANK: Record<string, number> = { org: 0, env: 1, proxy: 2 };

function rankOf(row: VerifyRow): number {
  return SCOPE_RANK[row.scope.split(' ')[0]!] ?? 3;
}

/** org, then environments, then proxies; within a scope by KVM name (each row's rank worked out once, not per comparison). */
function sortRows(rows: VerifyRow[]): VerifyRow[] {
  const ranked = rows.map((row) => ({ row, rank: rankOf(row) }));
  ranked.sort((a, b) => {
    if (a.rank !== b.rank) return a.rank - b.rank;
    if (a.row.scope !== b.row.scope) return a.row.scope < b.row.scope ? -1 : 1;
    if (a.row.kvm !== b.row.kvm) return a.row.kvm < b.row.kvm ? -1 : 1;
    return 0;
  });
  return ranked.map((r) => r.row);
}

function totalsOf(rows: VerifyRow[]): VerifyTotals {
  const count = (status: VerifyStatus) => rows.filter((r) => r.status === status).length;
  return {
    kvms: rows.length,
    ok: count('OK'),
    missing: count('missing'),
    different: count('different'),
    extra: count('extra'),
    undecryptable: count('undecryptable'),
    conflict: count('conflict'),
    dumpEntries: rows.reduce((n, r) => n + (r.dumpEntries ?? 0), 0),
    exportEntries: rows.reduce((n, r) => n + (r.exportEntries ?? 0), 0),
  };
}

/** Rows of every expected KVM, then of every KVM in the tree that none of them claims. */
function compare(plans: PlannedKvm[], dump: Map<string, DumpContent>, tree: ExportTree): { rows: VerifyRow[]; warnings: string[] } {
  const inTree = new Map(tree.kvms.map((k) => [descriptorKey(k), k]));
  const claimed = new Set<string>();
  const rows: VerifyRow[] = [];
  for (const plan of plans.filter(isExpected)) {
    const key = descriptorKey(plan.target);
    claimed.add(key);
    rows.push(expectedRow(plan, dump.get(descriptorKey(plan.descriptor))!, inTree.get(key)));
  }
  const notMeant = new Map(plans.filter((p) => !isExpected(p)).map((p) => [descriptorKey(p.target), p.skip!.detail]));
  for (const [key, kvm] of inTree) if (!claimed.has(key)) rows.push(extraRow(kvm, notMeant.get(key)));
  return { rows: sortRows(rows), warnings: tree.warnings };
}

/** Checks that the tree holds, as its importer reads it, exactly the KVMs and entries the export of this dump should write. */
export async function verifyExport(options: VerifyOptions): Promise<VerifyResult> {
  const tree = (_plans: PlannedKvm[], digester: ContentDigester) =>
    readExportTree({ target: options.target, exportDir: options.exportDir, apigeecliNaming: options.apigeecliNaming, digester });
  return verifyAgainst({ ...options, unrepresentable: unrepresentableCheck(options), where: path.resolve(options.exportDir) }, tree);
}

export interface VerifyAgainstOptions {
  source: KvmSource;
  includeCustomReports: boolean;
  /** The target's check of names it cannot hold, as its export or import applies it. */
  unrepresentable: (kvm: PlacedKvm) => string | undefined;
  /** Where the target scope of a planned KVM is in what is checked (`kvms verify --live --env-map`). */
  mapScope?: (scope: PlacedKvm['scope']) => PlacedKvm['scope'];
  /** What is checked, for the report: a folder, or an organization at an API. */
  where: string;
  signal?: AbortSignal;
  /** Key of the run's digests (default: random); only tests give one. */
  digestKey?: Buffer | undefined;
  /** Worker threads that decrypt the dump (default 0: none, the main thread does it). */
  threads?: number | undefined;
}

/**
 * The comparison of every `kvms verify`: the dump planned as export plans it, against KVMs read from elsewhere (an
 * export tree, or the target through the API) given the plans so a reader can limit itself to the scopes they name.
 */
export async function verifyAgainst(
  options: VerifyAgainstOptions,
  readTree: (plans: PlannedKvm[], digester: ContentDigester) => Promise<ExportTree>,
): Promise<VerifyResult> {
  const index = await options.source.index();
  const plans = planExport(index.kvms, { includeCustomReports: options.includeCustomReports, unrepresentable: options.unrepresentable });
  if (options.mapScope) for (const p of plans) p.target = { ...p.target, scope: options.mapScope(p.target.scope) };
  // One random key per run: both sides compare, and the digests printed reveal nothing about the values.
  const digestKey = options.digestKey ?? randomBytes(32);
  const digester = new ContentDigester(digestKey);
  const tree = await readTree(plans, digester);
  const dump = await digestDump(options, plans.filter(isExpected), digester, digestKey);
  const { rows, warnings } = compare(plans, dump, tree);
  return {
    ok: rows.every((r) => r.status === 'OK'),
    source: options.source.description,
    exportDir: options.where,
    tree: tree.layout,
    kvms: rows,
    totals: totalsOf(rows),
    warnings: [...(index.warnings ?? []), ...warnings],
  };
}
