// Apigee hybrid: dumps the org's kvm_map_entry and kvm_map_descriptor rows with cqlsh in amu's client pod, checked before they are kept.
//
// Query decision: `SELECT * FROM kvm_<org>_hybrid.<table> WHERE tid = '<org>' ALLOW FILTERING`, as the
// bash amu did. `tid` is only the first column of the partition key (kvm_map_entry:
// (tid, a_scp, map, ver, key); kvm_map_descriptor: (tid, a_scp)), so Cassandra needs ALLOW
// FILTERING (filtering on partition key columns exists since Cassandra 3.10; hybrid runs 3.11 or
// 4.x). The keyspace belongs to one org, so the scan costs what an unfiltered SELECT costs; the
// filter keeps any row of another tenant out of the dump. The risk of a filter is silence: if the
// tenant id were not the org name, the dump would be empty and look fine. So an empty result is
// checked with `SELECT tid ... LIMIT 1`: rows of another tenant make it an error.
import { createReadStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { KubeAdapter } from '../adapters/kube/index.js';
import { ExternalError, InputError } from '../errors.js';
import { DurableDumpWriter } from '../dumps/durableWriter.js';
import { noRowsError } from '../dumps/emptyOrg.js';
import { clearLeftovers } from '../dumps/leftovers.js';
import { mkdirPrivate } from '../fs/secureFs.js';
import { readLines } from '../dumps/lines.js';
import type { ClientPod } from '../cluster/clientPod.js';
import { parseCqlshTable, type CqlshSummary } from '../dumps/cqlshTable.js';
import { checkCqlshRun, podRef, queryCqlsh, runCqlsh, selectInput, type CqlshRun } from '../cluster/cqlshExec.js';
import { checkColumns, DESCRIPTOR_COLUMNS, ENTRY_COLUMNS } from '../dumps/hybridRows.js';
import { cqlString, hybridKeyspace } from '../cluster/keyspaces.js';
import { descriptorDumpPath, kvmDumpPath, metadataPath, replaceDumpAndMetadata } from '../dumps/layout.js';
import type { DumpReader, DumpedTable } from './reader.js';

export interface CqlshPodEmigrateOptions {
  kube: KubeAdapter;
  pod: ClientPod;
  org: string;
  emigrateDir: string;
  /** Bytes written so far to the dump of `table`. */
  onProgress?: ((table: string, bytes: number) => void) | undefined;
  /** cqlsh's stderr lines that report no failure. */
  onWarning?: (text: string) => void;
  /** Checked between steps (a running exec is not cut short); the temporary files are removed. */
  signal?: AbortSignal;
  /** Accept an org with no KVM entry rows (else it is refused as a likely misspelt org). */
  allowEmpty?: boolean | undefined;
  /** Leftovers of a killed run that were removed. */
  onNote?: ((text: string) => void) | undefined;
}


/** One table to dump: its name, the dump file, the columns the dump must have. */
interface TableSpec {
  table: 'kvm_map_entry' | 'kvm_map_descriptor';
  finalPath: string;
  columns: readonly string[];
}

/** A dump written to its temporary name and checked, not yet renamed. */
interface CheckedDump {
  spec: TableSpec;
  writer: DurableDumpWriter;
  input: string;
  run: CqlshRun;
  rows: number;
  bytes: number;
  sha256: string;
  startedAt: string;
  finishedAt: string;
}

/** The SELECT of one table of the org. */
export function kvmTableQuery(org: string, table: string): string {
  return `SELECT * FROM ${hybridKeyspace('kvm', org)}.${table} WHERE tid = ${cqlString(org)} ALLOW FILTERING;`;
}

function tableSpecs(emigrateDir: string, org: string): TableSpec[] {
  return [
    { table: 'kvm_map_entry', finalPath: kvmDumpPath(emigrateDir, org), columns: ENTRY_COLUMNS },
    { table: 'kvm_map_descriptor', finalPath: descriptorDumpPath(emigrateDir, org), columns: DESCRIPTOR_COLUMNS },
  ];
}

/** Streams cqlsh's stdout into the durable writer (0600, hidden name) while counting and hashing it, then seals it. */
async function streamSelect(opts: CqlshPodEmigrateOptions, input: string, writer: DurableDumpWriter, table: string): Promise<{ run: CqlshRun; sha256: string }> {
  const sink = writer.writable((bytes) => opts.onProgress?.(table, bytes));
  try {
    const run = await runCqlsh(opts.kube, opts.pod, input, sink);
    sink.end();
    await finished(sink);
    const { sha256 } = await writer.seal();
    return { run, sha256 };
  } catch (err) {
    sink.destroy();
    throw err;
  }
}

/** Parses the written dump to its `(N rows)` line; an incomplete table is cqlsh's fault, so an ExternalError. */
async function checkDumpTable(tmp: string, spec: TableSpec, label: string): Promise<CqlshSummary> {
  const parsed = parseCqlshTable(readLines(createReadStream(tmp), { source: label }), label, {
    header: (header) => {
      checkColumns(header.columns, spec.columns, spec.table, label);
      if (!header.pagingDisabled) throw new InputError(`${label}: cqlsh did not confirm PAGING OFF, so only its first page may be there`);
    },
  });
  try {
    for (;;) {
      const next = await parsed.next();
      if (next.done) return next.value;
    }
  } catch (err) {
    if (err instanceof InputError) {
      throw new ExternalError(`cqlsh's output for ${spec.table} is incomplete or not a table: ${err.message}; no dump was written`, err.details);
    }
    throw err;
  }
}

/** An empty result must not hide rows of a tenant id other than the org name. */
async function checkEmptyResult(opts: CqlshPodEmigrateOptions, table: string): Promise<void> {
  const statement = `SELECT tid FROM ${hybridKeyspace('kvm', opts.org)}.${table} LIMIT 1;`;
  const probe = await queryCqlsh(opts.kube, opts.pod, statement, `the tenant check of ${table}`, opts.onWarning);
  const tid = probe.rows[0]?.cells.tid;
  if (tid !== undefined && tid !== opts.org) {
    throw new ExternalError(`${table} holds no rows of tenant "${opts.org}" but rows of tenant "${tid}"; no dump was written`, [
      'amu selects the rows whose tid is the org name; this keyspace uses another tenant id',
    ]);
  }
}

/** Dumps one table to its temporary name and checks it. */
async function dumpTable(opts: CqlshPodEmigrateOptions, spec: TableSpec): Promise<CheckedDump> {
  const input = selectInput(kvmTableQuery(opts.org, spec.table));
  const writer = await DurableDumpWriter.create(spec.finalPath);
  const startedAt = new Date().toISOString();
  try {
    const { run, sha256 } = await streamSelect(opts, input, writer, spec.table);
    checkCqlshRun(run, `the dump of ${spec.table} (pod ${podRef(opts.pod)})`, opts.onWarning);
    const summary = await checkDumpTable(writer.tempPath, spec, `cqlsh output of ${spec.table}`);
    if (summary.rowCount === 0) await checkEmptyResult(opts, spec.table);
    if (summary.rowCount === 0 && spec.table === 'kvm_map_entry' && !opts.allowEmpty) {
      throw noRowsError('hybrid', opts.org, `${hybridKeyspace('kvm', opts.org)}.${spec.table} (cqlsh in pod ${podRef(opts.pod)})`);
    }
    const finishedAt = new Date().toISOString();
    return { spec, writer, input, run, rows: summary.rowCount, bytes: writer.bytes, sha256, startedAt, finishedAt };
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/** Renames a checked dump into place and writes its metadata. */
async function keepDump(opts: CqlshPodEmigrateOptions, dump: CheckedDump): Promise<DumpedTable> {
  await replaceDumpAndMetadata(dump.writer, {
    reader: 'cqlsh-pod',
    org: opts.org,
    command: `exec in pod ${podRef(opts.pod)} (container ${opts.pod.container}, image ${opts.pod.image}): ${dump.run.argv.join(' ')}`,
    input: dump.input,
    startedAt: dump.startedAt,
    finishedAt: dump.finishedAt,
    rows: dump.rows,
    bytes: dump.bytes,
    sha256: dump.sha256,
    ...(opts.allowEmpty && dump.spec.table === 'kvm_map_entry' ? { allowEmpty: true } : {}),
  });
  return { table: dump.spec.table, file: dump.spec.finalPath, rows: dump.rows, bytes: dump.bytes };
}

/**
 * Writes `<org>-kvms.out` (kvm_map_entry) and `<org>-kvm-descriptors.out` (kvm_map_descriptor) in
 * the emigrate folder. Both are streamed to temporary names and checked (cqlsh's exit code and
 * stderr, the table up to `(N rows)`); only when both are good are they renamed into place, so a
 * failed run leaves no dump that looks complete and never a new entry dump beside an old descriptor dump.
 */
export async function emigrateWithCqlshPod(opts: CqlshPodEmigrateOptions): Promise<DumpedTable[]> {
  await mkdirPrivate(opts.emigrateDir);
  const finals = tableSpecs(opts.emigrateDir, opts.org).map((spec) => spec.finalPath);
  await clearLeftovers([...finals, ...finals.map(metadataPath)], (text) => opts.onNote?.(text));
  const checked: CheckedDump[] = [];
  try {
    for (const spec of tableSpecs(opts.emigrateDir, opts.org)) {
      opts.signal?.throwIfAborted();
      checked.push(await dumpTable(opts, spec));
    }
    opts.signal?.throwIfAborted();
  } catch (err) {
    await Promise.all(checked.map((dump) => dump.writer.abort()));
    throw err;
  }
  const kept: DumpedTable[] = [];
  for (const dump of checked) kept.push(await keepDump(opts, dump));
  return kept;
}

/** The cqlsh-pod reader: kvm_map_entry and kvm_map_descriptor with cqlsh in amu's client pod (progress in bytes). */
export function cqlshPodReader(options: Omit<CqlshPodEmigrateOptions, 'org' | 'emigrateDir' | 'onProgress' | 'allowEmpty' | 'onNote'>): DumpReader {
  return {
    name: 'cqlsh-pod',
    dump: ({ org, emigrateDir, onProgress, allowEmpty, onNote }) => emigrateWithCqlshPod({ ...options, org, emigrateDir, onProgress, allowEmpty, onNote }),
  };
}
