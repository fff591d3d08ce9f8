// `kvms verify`: the KVMs the export plan promises, digested from the dump, against what the importer would read from the tree.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { InputError, InterruptedError } from '../errors.js';
import { scopeKey, ScopeLabels } from '../kvm/model.js';
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
  /** Worker threads that decrypt the dump (default: the cores less one, at most 4; 0: the main thread does it). */
  threads?: number;
}

/** Bytes of a full digest (HMAC-SHA256). */
const DIGEST_BYTES = 32;
const NOT_READ = -1;
const FAILED = -2;

/**
 * The dump side of every expected KVM, by its place in the expected list: its entry count (or NOT_READ, FAILED) and
 * its digest in one buffer. A few dozen bytes per KVM whatever their number, no object per KVM.
 */
class DumpContents {
  private readonly slots = new Map<string, number>();
  /** Per expected KVM, the slot it reads (the first of its key: a KVM expected twice reads the same content). */
  private readonly slotOf: Int32Array;
  private readonly counts: Int32Array;
  private readonly digests: Buffer;

  constructor(keys: readonly string[]) {
    this.slotOf = new Int32Array(keys.length);
    keys.forEach((key, i) => {
      const first = this.slots.get(key);
      if (first === undefined) this.slots.set(key, i);
      this.slotOf[i] = first ?? i;
    });
    this.counts = new Int32Array(keys.length).fill(NOT_READ);
    this.digests = Buffer.alloc(keys.length * DIGEST_BYTES);
  }

  /** The KVM of `key` read (a later read of the same KVM replaces an earlier one); false when it is not expected. */
  set(key: string, content: ContentDigest | undefined): boolean {
    const slot = this.slots.get(key);
    if (slot === undefined) return false;
    if (content === undefined) this.counts[slot] = FAILED;
    else {
      this.counts[slot] = content.entries;
      this.digests.write(content.digest, slot * DIGEST_BYTES, DIGEST_BYTES, 'hex');
    }
    return true;
  }

  /** Whether expected KVM `i` was read (decrypted or not). */
  read(i: number): boolean {
    return this.counts[this.slotOf[i]!] !== NOT_READ;
  }

  failed(i: number): boolean {
    return this.counts[this.slotOf[i]!] === FAILED;
  }

  entries(i: number): number {
    return this.counts[this.slotOf[i]!]!;
  }

  /** The digest in hex, as ContentDigester gives it. */
  digest(i: number): string {
    const slot = this.slotOf[i]!;
    return this.digests.toString('hex', slot * DIGEST_BYTES, (slot + 1) * DIGEST_BYTES);
  }
}

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
  options: { source: KvmSource; signal: AbortSignal; threads: number },
  expected: PlannedKvm[],
  digester: ContentDigester,
  digestKey: Buffer,
): Promise<DumpContents> {
  const keys = expected.map((p) => descriptorKey(p.descriptor));
  const contents = new DumpContents(keys);
  // An Edge dump (cassandra-cli text, or CQL with text cells): count and digest per KVM straight from its bytes, on worker threads when given.
  const digested = options.source.readDigested?.(expected.map((p) => p.descriptor), digestKey, options.threads);
  if (digested) {
    for await (const batch of digested) {
      if (options.signal.aborted) throw new InterruptedError('verify interrupted');
      for (const item of batch) contents.set(descriptorKey(item.descriptor), item.kind === 'failed' ? undefined : item);
    }
  } else {
    const wanted = new Set(keys);
    for await (const item of options.source.read((d) => wanted.has(descriptorKey(d)))) {
      if (options.signal.aborted) throw new InterruptedError('verify interrupted');
      contents.set(descriptorKey(item.descriptor), item.kind === 'failed' ? undefined : digester.digest(item.kvm.entries));
    }
  }
  const lost = expected.filter((_p, i) => !contents.read(i));
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

/** Compares expected KVM `i` with what the importer would create for it. */
function expectedRow(plan: PlannedKvm, dump: DumpContents, i: number, tree: TreeKvm | undefined, labels: ScopeLabels): VerifyRow {
  if (tree && !tree.conflict && plan.descriptor.scope.kind !== 'revision' && !dump.failed(i)) {
    // The common row (OK or different) as one literal of fixed shape: 100k rows built by spreads take several times the memory.
    const digest = dump.digest(i);
    const same = tree.digest === digest;
    // Equal digests share their short form.
    const dumpDigest = shortDigest(digest);
    return {
      scope: labels.of(plan.target.scope),
      kvm: plan.target.name,
      exportEntries: tree.entries,
      exportDigest: same ? dumpDigest : shortDigest(tree.digest),
      file: tree.file,
      dumpEntries: dump.entries(i),
      dumpDigest,
      status: same ? 'OK' : 'different',
    };
  }
  const row = {
    scope: labels.of(plan.target.scope),
    kvm: plan.target.name,
    ...(plan.descriptor.scope.kind === 'revision' ? { dumpScope: labels.of(plan.descriptor.scope) } : {}),
    ...treeSide(tree),
  };
  if (dump.failed(i)) {
    const note = 'its values do not decrypt with this KEK ("amu kvms export" says which entry fails)';
    return { ...row, status: 'undecryptable', dumpEntries: null, dumpDigest: null, note };
  }
  const digest = dump.digest(i);
  const dumpSide = { dumpEntries: dump.entries(i), dumpDigest: shortDigest(digest) };
  if (!tree) {
    const note = missingNote(plan);
    return { ...row, ...dumpSide, status: 'missing', ...(note ? { note } : {}) };
  }
  if (tree.conflict) return { ...row, ...dumpSide, status: 'conflict', note: tree.conflict };
  return { ...row, ...dumpSide, status: tree.digest === digest ? 'OK' : 'different' };
}

/** A KVM the importer would create that the plan does not promise. */
function extraRow(tree: TreeKvm, notMeant: string | undefined, labels: ScopeLabels): VerifyRow {
  const notes = [notMeant ? `in the dump but not meant to be exported: ${notMeant}` : undefined, tree.conflict].filter(Boolean);
  return {
    scope: labels.of(tree.scope),
    kvm: tree.name,
    status: 'extra',
    dumpEntries: null,
    dumpDigest: null,
    ...treeSide(tree),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

const SCOPE_RANK: Record<string, number> = { org: 0, env: 1, proxy: 2 };

/**
 * org, then environments, then proxies; within a scope by KVM name. In place, and only when not in order already;
 * each scope's rank worked out once, not per comparison.
 */
function sortRows(rows: VerifyRow[]): VerifyRow[] {
  const ranks = new Map<string, number>();
  const rankOf = (scope: string): number => {
    let rank = ranks.get(scope);
    if (rank === undefined) {
      rank = SCOPE_RANK[scope.split(' ')[0]!] ?? 3;
      ranks.set(scope, rank);
    }
    return rank;
  };
  const order = (a: VerifyRow, b: VerifyRow): number => {
    if (a.scope !== b.scope) {
      const ra = rankOf(a.scope);
      const rb = rankOf(b.scope);
      if (ra !== rb) return ra - rb;
      return a.scope < b.scope ? -1 : 1;
    }
    if (a.kvm !== b.kvm) return a.kvm < b.kvm ? -1 : 1;
    return 0;
  };
  for (let i = 1; i < rows.length; i++) if (order(rows[i - 1]!, rows[i]!) > 0) return rows.sort(order);
  return rows;
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

/** Rows of every expected KVM (`expected`, in the order the dump side has them), then of every KVM in the tree that none of them claims. */
function compare(plans: PlannedKvm[], expected: PlannedKvm[], dump: DumpContents, tree: ExportTree): { rows: VerifyRow[]; warnings: string[] } {
  // By scope, then by name (the names themselves as keys: no key string per KVM), the last tree KVM of that
  // scope and name, and whether a plan claims it.
  const inTree = new Map<string, Map<string, number>>();
  tree.kvms.forEach((k, i) => {
    const scope = scopeKey(k.scope);
    let names = inTree.get(scope);
    if (names === undefined) inTree.set(scope, (names = new Map()));
    names.set(k.name, i);
  });
  const claimed = new Uint8Array(tree.kvms.length);
  const labels = new ScopeLabels();
  const rows: VerifyRow[] = [];
  expected.forEach((plan, i) => {
    const at = inTree.get(scopeKey(plan.target.scope))?.get(plan.target.name);
    if (at !== undefined) claimed[at] = 1;
    rows.push(expectedRow(plan, dump, i, at === undefined ? undefined : tree.kvms[at], labels));
  });
  const notMeant = new Map(plans.filter((p) => !isExpected(p)).map((p) => [descriptorKey(p.target), p.skip!.detail]));
  // The rows are sorted next (scope, then name, each pair once): the order extras are met in does not matter.
  for (const names of inTree.values()) {
    for (const at of names.values()) {
      const kvm = tree.kvms[at]!;
      if (!claimed[at]) rows.push(extraRow(kvm, notMeant.get(descriptorKey(kvm)), labels));
    }
  }
  return { rows: sortRows(rows), warnings: tree.warnings };
}

/**
 * Worker threads that decrypt the dump by default: all cores but this thread's (which reads the tree meanwhile),
 * at most four; none on one core.
 */
function verifyThreads(): number {
  return Math.max(0, Math.min(os.availableParallelism() - 1, 4));
}

/** Waits for both sides; when one fails the other is stopped (through `stop`) and the first failure is thrown. */
async function bothSides<A, B>(a: Promise<A>, b: Promise<B>, stop: AbortController): Promise<[A, B]> {
  let first: { error: unknown } | undefined;
  const failed = (error: unknown) => {
    first ??= { error };
    stop.abort();
  };
  const [ra, rb] = await Promise.all([a.catch(failed), b.catch(failed)]);
  if (first) throw first.error;
  return [ra as A, rb as B];
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
  /** Worker threads that decrypt the dump (default: the cores less one, at most 4; 0: the main thread does it). */
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
  const expected = plans.filter(isExpected);
  // Both sides at once: the dump's on worker threads (where the source can), the tree's on this thread.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const [tree, dump] = await bothSides(
    readTree(plans, digester),
    digestDump({ source: options.source, signal, threads: options.threads ?? verifyThreads() }, expected, digester, digestKey),
    stop,
  );
  const { rows, warnings } = compare(plans, expected, dump, tree);
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
