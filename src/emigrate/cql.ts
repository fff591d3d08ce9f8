// Emigrate over CQL (Edge 4.52.02+, or hybrid without a pod): stream the KVM tables page by page into amu CQL dumps.
import type { CqlParam, CqlSession } from '../adapters/cql.js';
import { emigrateOverCql, type CqlEmigrateSpec } from './cqlQueryDump.js';
import { mkdirPrivate } from '../fs/secureFs.js';
import { descriptorDumpPath, kvmDumpPath, writeDumpMetadata } from '../dumps/layout.js';
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

async function dumpTable(session: CqlSession, spec: CqlEmigrateSpec, file: string, target: CqlEmigrateTarget): Promise<DumpedTable> {
  const startedAt = new Date().toISOString();
  const { rows, bytes, sha256 } = await emigrateOverCql(session, spec, file, {
    pageSize: target.pageSize,
    onProgress: (n) => target.onProgress?.(spec.table, n),
  });
  await writeDumpMetadata(file, {
    reader: 'cql',
    org: target.org,
    command: `${spec.query} [${spec.params.map((p) => (Buffer.isBuffer(p) ? `0x${p.toString('hex')}` : String(p))).join(', ')}]`,
    host: target.host,
    startedAt,
    finishedAt: new Date().toISOString(),
    rows,
    bytes,
    sha256,
  });
  return { table: spec.table, file, rows, bytes };
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
  const spec = { ...edgeKvmSpec(target.org), params: [await edgeKeyParam(session, target.org)] };
  return [await dumpTable(session, spec, kvmDumpPath(target.emigrateDir, target.org), target)];
}

export async function emigrateHybridOverCql(session: CqlSession, target: CqlEmigrateTarget): Promise<DumpedTable[]> {
  const specs = hybridKvmSpecs(target.org);
  await mkdirPrivate(target.emigrateDir);
  const entries = await dumpTable(session, specs.entries, kvmDumpPath(target.emigrateDir, target.org), target);
  const descriptors = await dumpTable(session, specs.descriptors, descriptorDumpPath(target.emigrateDir, target.org), target);
  return [entries, descriptors];
}

/** The CQL reader over an open session: the Edge or the hybrid KVM tables, page by page (progress in rows). */
export function cqlReader(session: CqlSession, platform: Platform, connection: { host: string; pageSize: number }): DumpReader {
  return {
    name: 'cql',
    dump: ({ org, emigrateDir, onProgress }) => {
      const target = { org, emigrateDir, pageSize: connection.pageSize, host: connection.host, onProgress };
      return platform === 'edge' ? emigrateEdgeOverCql(session, target) : emigrateHybridOverCql(session, target);
    },
  };
}
