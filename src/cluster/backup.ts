// Apigee hybrid: backs up Cassandra tables as CSV files, with cqlsh COPY in amu's client pod and the files streamed out over exec.
//
// Scope decision: system keyspaces (`system*`: system, system_auth, system_schema, system_distributed,
// system_traces, system_views, system_virtual_schema) are never copied. With an org, only that org's
// keyspaces are: `<kind>_<org with - as _>_hybrid` where <kind> is one word (kms, kvm, cache, quota,
// rtc, counter...), so org `org` does not take `kvm_my_org_hybrid` of org `my-org`. Without an org,
// every other keyspace is copied, as the bash amu did. Keyspaces left out are reported, not hidden.
import { once } from 'node:events';
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { KubeAdapter } from '../adapters/kube/index.js';
import { ExternalError } from '../errors.js';
import { FILE_MODE, mkdirPrivate, temporaryNameFor, writeFileAtomic } from '../fs/secureFs.js';
import { amuVersion } from '../version.js';
import type { ClientPod } from './clientPod.js';
import { HashingCounter } from '../dumps/hashingCounter.js';
import { checkCqlshRun, podRef, queryCqlsh, runCqlsh, runInPod, runInPodChecked, TextSink } from './cqlshExec.js';
import { cqlIdentifier, isCassandraName, orgKeyspaceSuffix } from './keyspaces.js';

/** Where COPY writes in the pod. */
export const POD_BACKUP_DIR = '/tmp/amu-backup';
export const SCHEMA_TABLES_QUERY = 'SELECT keyspace_name, table_name FROM system_schema.tables;';
const COPY_COUNT_RE = /(\d+) rows? exported to (\d+) files?/g;
const COPY_OUTPUT_KEPT = 64 * 1024;
/** The manifest written beside the CSV files. */
export const BACKUP_MANIFEST = 'amu-backup.meta.json';

export interface TableRef {
  keyspace: string;
  table: string;
}

export interface TableSelection {
  tables: TableRef[];
  /** Non-system keyspaces left out because they are not the org's. */
  otherKeyspaces: string[];
}

export interface TableBackup extends TableRef {
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface HybridBackupOptions {
  kube: KubeAdapter;
  pod: ClientPod;
  backupDir: string;
  /** Only this org's keyspaces; all non-system ones when absent. */
  org?: string | undefined;
  onSelection?: (selection: TableSelection) => void;
  onTable?: (backup: TableBackup) => void;
  onProgress?: (table: string, bytes: number) => void;
  onWarning?: (text: string) => void;
  /** Checked between tables (a running exec is not cut short). */
  signal?: AbortSignal;
}

/** `ks.table`. */
export function tableName(ref: TableRef): string {
  return `${ref.keyspace}.${ref.table}`;
}

/** True for Cassandra's own keyspaces. */
export function isSystemKeyspace(keyspace: string): boolean {
  return keyspace.toLowerCase().startsWith('system');
}

/** True when the keyspace is `<kind>_<org>_hybrid` with a one-word kind. */
export function isOrgKeyspace(keyspace: string, org: string): boolean {
  const name = keyspace.toLowerCase();
  const suffix = orgKeyspaceSuffix(org);
  return name.endsWith(suffix) && /^[a-z0-9]+$/.test(name.slice(0, -suffix.length));
}

/** The tables to copy, sorted, and the non-system keyspaces left out. */
export function selectTables(all: TableRef[], org?: string): TableSelection {
  const tables: TableRef[] = [];
  const others = new Set<string>();
  for (const ref of all) {
    if (isSystemKeyspace(ref.keyspace)) continue;
    if (org === undefined || isOrgKeyspace(ref.keyspace, org)) tables.push(ref);
    else others.add(ref.keyspace);
  }
  tables.sort((a, b) => (tableName(a) < tableName(b) ? -1 : tableName(a) > tableName(b) ? 1 : 0));
  return { tables, otherKeyspaces: [...others].sort() };
}

/** `COPY ks.table TO '/tmp/amu-backup/ks.table.csv' WITH HEADER = TRUE;`. */
export function copyStatement(ref: TableRef, podFile: string): string {
  return `COPY ${cqlIdentifier(ref.keyspace)}.${cqlIdentifier(ref.table)} TO '${podFile}' WITH HEADER = TRUE;`;
}

/** The rows and files of COPY's last `N rows exported to F files in ...` line, or undefined. */
export function parseCopyCount(stdout: string): { rows: number; files: number } | undefined {
  const matches = [...stdout.matchAll(COPY_COUNT_RE)];
  const last = matches[matches.length - 1];
  return last ? { rows: Number(last[1]), files: Number(last[2]) } : undefined;
}

/** Reads the table list from system_schema.tables. */
async function listTables(opts: HybridBackupOptions): Promise<TableRef[]> {
  const result = await queryCqlsh(opts.kube, opts.pod, SCHEMA_TABLES_QUERY, 'the table list (system_schema.tables)', opts.onWarning);
  const refs = result.rows.map((row) => ({ keyspace: row.cells.keyspace_name ?? '', table: row.cells.table_name ?? '' }));
  const odd = refs.find((ref) => !isCassandraName(ref.keyspace) || !isCassandraName(ref.table));
  if (odd) throw new ExternalError(`system_schema.tables lists "${tableName(odd)}", which is not a Cassandra table name`);
  return refs;
}

/** Fails when nothing is left to copy, naming what exists. */
function checkSelection(selection: TableSelection, org: string | undefined): void {
  if (selection.tables.length > 0) return;
  if (org === undefined) throw new ExternalError('Cassandra holds no tables outside the system keyspaces: nothing to back up');
  throw new ExternalError(`Cassandra holds no keyspace of org ${org} (*${orgKeyspaceSuffix(org)})`, [
    selection.otherKeyspaces.length > 0 ? `non-system keyspaces: ${selection.otherKeyspaces.join(', ')}` : 'there are no non-system keyspaces',
  ]);
}

/** Runs COPY TO in the pod; returns the rows cqlsh says it exported. */
async function copyInPod(opts: HybridBackupOptions, ref: TableRef, podFile: string): Promise<number> {
  const stdout = new TextSink(COPY_OUTPUT_KEPT);
  const run = await runCqlsh(opts.kube, opts.pod, `${copyStatement(ref, podFile)}\n`, stdout);
  checkCqlshRun(run, `COPY of ${tableName(ref)}`, opts.onWarning);
  const count = parseCopyCount(stdout.value);
  if (!count) {
    throw new ExternalError(`COPY of ${tableName(ref)}: cqlsh did not say how many rows it exported`, [
      'expected "N rows exported to 1 files" on its output',
    ]);
  }
  if (count.files !== 1) throw new ExternalError(`COPY of ${tableName(ref)} wrote ${count.files} files, expected 1`);
  return count.rows;
}

/** The size of a file in the pod. */
async function podFileSize(opts: HybridBackupOptions, podFile: string): Promise<number> {
  const text = (await runInPodChecked(opts.kube, opts.pod, ['stat', '-c', '%s', podFile])).trim();
  if (!/^\d+$/.test(text)) throw new ExternalError(`stat of ${podFile} in pod ${podRef(opts.pod)} printed "${text.slice(0, 80)}", not a size`);
  return Number(text);
}

/** Streams the pod's file with `cat` to `finalPath` (temporary name, 0600, renamed when complete). */
async function fetchPodFile(opts: HybridBackupOptions, ref: TableRef, podFile: string, finalPath: string): Promise<{ bytes: number; sha256: string }> {
  const expected = await podFileSize(opts, podFile);
  const tmp = temporaryNameFor(finalPath);
  const counter = new HashingCounter((bytes) => opts.onProgress?.(tableName(ref), bytes));
  const sink = createWriteStream(tmp, { mode: FILE_MODE, flags: 'wx' });
  try {
    await once(sink, 'ready');
    counter.pipe(sink);
    const stderr = new TextSink(COPY_OUTPUT_KEPT);
    const { exitCode } = await opts.kube.exec(opts.pod.namespace, opts.pod.name, opts.pod.container, ['cat', podFile], { stdout: counter, stderr });
    counter.end();
    await finished(sink);
    if (exitCode !== 0) throw new ExternalError(`cat ${podFile} in pod ${podRef(opts.pod)} exited with code ${exitCode}`, stderr.value.trim() ? [stderr.value.trim()] : []);
    if (counter.bytes !== expected) {
      throw new ExternalError(`copying ${podFile} out of pod ${podRef(opts.pod)}: ${counter.bytes} bytes arrived of ${expected}`);
    }
    await fsp.rename(tmp, finalPath);
    return { bytes: counter.bytes, sha256: counter.digest() };
  } catch (err) {
    counter.destroy();
    sink.destroy();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/** Copies one table: COPY in the pod, stream out, remove the pod's file (also on failure). */
async function backupTable(opts: HybridBackupOptions, ref: TableRef): Promise<TableBackup> {
  const fileName = `${tableName(ref)}.csv`;
  const podFile = `${POD_BACKUP_DIR}/${fileName}`;
  const finalPath = path.join(opts.backupDir, fileName);
  try {
    const rows = await copyInPod(opts, ref, podFile);
    const { bytes, sha256 } = await fetchPodFile(opts, ref, podFile, finalPath);
    return { ...ref, file: finalPath, rows, bytes, sha256 };
  } finally {
    await runInPod(opts.kube, opts.pod, ['rm', '-f', podFile]).catch(() => undefined);
  }
}

/** Backs up the selected tables into `backupDir` (0700), one `<keyspace>.<table>.csv` (0600, with header) each, and a manifest. */
export async function backupHybrid(opts: HybridBackupOptions): Promise<TableBackup[]> {
  const startedAt = new Date().toISOString();
  const selection = selectTables(await listTables(opts), opts.org);
  checkSelection(selection, opts.org);
  opts.onSelection?.(selection);
  await mkdirPrivate(opts.backupDir);
  await runInPodChecked(opts.kube, opts.pod, ['mkdir', '-p', POD_BACKUP_DIR]);
  const done: TableBackup[] = [];
  for (const ref of selection.tables) {
    opts.signal?.throwIfAborted();
    const backup = await backupTable(opts, ref).catch((err: unknown) => {
      if (err instanceof ExternalError && done.length > 0) {
        throw new ExternalError(err.message, [...err.details, `${done.length} of ${selection.tables.length} tables were backed up before this one`]);
      }
      throw err;
    });
    done.push(backup);
    opts.onTable?.(backup);
  }
  await writeBackupManifest(opts, done, startedAt);
  return done;
}

/** `amu-backup.meta.json` beside the CSV files: what was copied, from where, with sizes and SHA-256. */
async function writeBackupManifest(opts: HybridBackupOptions, tables: TableBackup[], startedAt: string): Promise<void> {
  const manifest = {
    tool: 'amu',
    amuVersion: amuVersion(),
    reader: 'cqlsh-pod',
    pod: `${podRef(opts.pod)} (image ${opts.pod.image})`,
    org: opts.org,
    startedAt,
    finishedAt: new Date().toISOString(),
    tables: tables.map((t) => ({ table: tableName(t), file: path.basename(t.file), rows: t.rows, bytes: t.bytes, sha256: t.sha256 })),
  };
  await writeFileAtomic(path.join(opts.backupDir, BACKUP_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}
