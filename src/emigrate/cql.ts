// Emigrate over CQL (Edge 4.52.02+, or hybrid without a pod): stream the KVM tables page by page into amu CQL dumps.
import type { CqlParam, CqlSession } from '../adapters/cql.js';
import { dumpOverCql, type CqlEmigrateSpec, type SealedCqlDump } from './cqlQueryDump.js';
import { noRowsError } from '../dumps/emptyOrg.js';
import { clearLeftovers } from '../dumps/leftovers.js';
import { mkdirPrivate } from '../fs/secureFs.js';
import { descriptorDumpPath, kvmDumpPath, metadataPath, replaceDumpAndMetadata, type DumpMetadata } from '../dumps/layout.js';
import { checkOrgName } from './cassandraCli.js';
import type { DumpReader, DumpedTable } from './reader.js';
import type { Platform } from '../kvm/model.js';
import { hybridKeyspace } from '../cluster/keyspaces.js';

export interface CqlEmigrateTarget {
  org: string;
  emigrateDir: string;
  pageSize: number;
  /** Where Cassandra was reached, for the metadata: `10.0.0.4:9042`, `port-forward apigee/apigee-cassandra-default-0`. */
  host: string;
  onProgress?: ((table: string, rows: number) => void) | undefined;
  /** Accept an org with no KVM rows (else it is refused as a likely misspelt org). */
  allowEmpty?: boolean | undefined;
  /** Leftovers of a killed run that were removed. */
  onNote?: ((text: string) => void) | undefined;
}

/** Edge: the org's row of the compact (Thrift) table, one CQL row per column. */
export function edgeKvmSpec(org: string): CqlEmigrateSpec {
  return {
    query: 'SELECT column1, value FROM keyvaluemap.keyvaluemaps_r21 WHERE key = ?',
    params: [org],
    keyspace: 'keyvaluemap',
    table: 'keyvaluemaps_r21',
    columns: ['column1', 'value'],
    source: 'edge',
  };
}

/**
 * Hybrid: the entry and descriptor rows of one tenant. `tid` is only part of each partition key, so the
 * restriction needs ALLOW FILTERING (a full scan, as the bash amu's unrestricted SELECT was). Only the
 * columns the export reads are selected. The keyspace comes from the checked builder: an org name that is not
 * an Apigee one is refused.
 */
export function hybridKvmSpecs(org: string): { entries: CqlEmigrateSpec; descriptors: CqlEmigrateSpec } {
  const keyspace = hybridKeyspace('kvm', org);
  const spec = (table: string, columns: string[]): CqlEmigrateSpec => ({
    query: `SELECT ${columns.join(', ')} FROM ${keyspace}.${table} WHERE tid = ? ALLOW FILTERING`,
    params: [org],
    keyspace,
    table,
    columns,
    source: 'hybrid',
  });
  return {
    entries: spec('kvm_map_entry', ['tid', 'a_scp', 'map', 'ver', 'key', 'val']),
    descriptors: spec('kvm_map_descriptor', ['tid', 'a_scp', 'map', 'ver']),
  };
}

/** A table dumped and sealed under its temporary name, with the record to write once it is in place. */
interface SealedTable {
  table: string;
  dump: SealedCqlDump;
  meta: Omit<DumpMetadata, 'tool' | 'amuVersion'>;
}

/** `mustHaveRows`: the table whose emptiness means a wrong org (Edge keyvaluemaps_r21, hybrid kvm_map_entry). */
async function dumpTable(session: CqlSession, spec: CqlEmigrateSpec, file: string, target: CqlEmigrateTarget, mustHaveRows: boolean): Promise<SealedTable> {
  const startedAt = new Date().toISOString();
  const refuseEmpty = mustHaveRows && !target.allowEmpty;
  const dump = await dumpOverCql(session, spec, file, {
    pageSize: target.pageSize,
    onProgress: (n) => target.onProgress?.(spec.table, n),
    ...(refuseEmpty ? { noRows: () => noRowsError(spec.source === 'edge' ? 'opdk' : 'hybrid', target.org, `${spec.keyspace}.${spec.table} over CQL at ${target.host}`) } : {}),
  });
  const meta = {
    reader: 'cql' as const,
    org: target.org,
    command: `${spec.query} [${spec.params.map((p) => (Buffer.isBuffer(p) ? `0x${p.toString('hex')}` : String(p))).join(', ')}]`,
    host: target.host,
    startedAt,
    finishedAt: new Date().toISOString(),
    rows: dump.rows,
    bytes: dump.bytes,
    sha256: dump.sha256,
    ...(target.allowEmpty && mustHaveRows ? { allowEmpty: true } : {}),
  };
  return { table: spec.table, dump, meta };
}

/** Dumps the tables one after the other; only when all are complete are they put in place, with their records. */
async function dumpAll(session: CqlSession, target: CqlEmigrateTarget, tables: { spec: CqlEmigrateSpec; file: string; mustHaveRows: boolean }[]): Promise<DumpedTable[]> {
  const sealed: SealedTable[] = [];
  try {
    for (const t of tables) sealed.push(await dumpTable(session, t.spec, t.file, target, t.mustHaveRows));
  } catch (err) {
    await Promise.all(sealed.map((s) => s.dump.writer.abort()));
    throw err;
  }
  const results: DumpedTable[] = [];
  for (const s of sealed) {
    await replaceDumpAndMetadata(s.dump.writer, s.meta);
    results.push({ table: s.table, file: s.dump.writer.finalPath, rows: s.dump.rows, bytes: s.dump.bytes });
  }
  return results;
}

/**
 * Whether the compact table shows its Thrift key as text or as blob over CQL is not confirmed (domain.md): one
 * row's metadata tells, and the org is bound as a string or as its UTF-8 bytes to match.
 */
export async function edgeKeyParam(session: CqlSession, org: string): Promise<CqlParam> {
  for await (const page of session.scan('SELECT key, column1, value FROM keyvaluemap.keyvaluemaps_r21 LIMIT 1', [], { pageSize: 1 })) {
    const keyType = page.columns.find((c) => c.name === 'key')?.type;
    return keyType === 'blob' ? Buffer.from(org, 'utf8') : org;
  }
  return org;
}

export async function emigrateEdgeOverCql(session: CqlSession, target: CqlEmigrateTarget): Promise<DumpedTable[]> {
  checkOrgName(target.org);
  await mkdirPrivate(target.emigrateDir);
  const file = kvmDumpPath(target.emigrateDir, target.org);
  await clearLeftovers([file, metadataPath(file)], (text) => target.onNote?.(text));
  const spec = { ...edgeKvmSpec(target.org), params: [await edgeKeyParam(session, target.org)] };
  return dumpAll(session, target, [{ spec, file, mustHaveRows: true }]);
}

export async function emigrateHybridOverCql(session: CqlSession, target: CqlEmigrateTarget): Promise<DumpedTable[]> {
  const specs = hybridKvmSpecs(target.org);
  await mkdirPrivate(target.emigrateDir);
  const files = [kvmDumpPath(target.emigrateDir, target.org), descriptorDumpPath(target.emigrateDir, target.org)];
  await clearLeftovers([...files, ...files.map(metadataPath)], (text) => target.onNote?.(text));
  return dumpAll(session, target, [
    { spec: specs.entries, file: files[0]!, mustHaveRows: true },
    { spec: specs.descriptors, file: files[1]!, mustHaveRows: false },
  ]);
}

/** The CQL reader over an open session: the Edge or the hybrid KVM tables, page by page (progress in rows). */
export function cqlReader(session: CqlSession, platform: Platform, connection: { host: string; pageSize: number }): DumpReader {
  return {
    name: 'cql',
    dump: ({ org, emigrateDir, onProgress, allowEmpty, onNote }) => {
      const target = { org, emigrateDir, pageSize: connection.pageSize, host: connection.host, onProgress, allowEmpty, onNote };
      return platform === 'edge' ? emigrateEdgeOverCql(session, target) : emigrateHybridOverCql(session, target);
    },
  };
}
