// Test entry to the in-process CQL v4 server (test/support/cqlProtocolServer.ts) plus the Edge and hybrid tables amu reads, as fixtures.
import { CqlProtocolServer, type CqlServerOptions, type CqlServerTable } from './cqlProtocolServer.js';

export { CqlProtocolServer } from './cqlProtocolServer.js';
export type { CqlServerOptions, CqlServerStats, CqlServerTable, PageFault } from './cqlProtocolServer.js';

export function startCqlServer(options: CqlServerOptions = {}): Promise<CqlProtocolServer> {
  return CqlProtocolServer.start(options);
}

/** Edge's compact `keyvaluemap.keyvaluemaps_r21` as Cassandra 3.11 shows it over CQL: rows of [key, column1, value]. */
export function keyvaluemapsTable(rows: [string, string, string | null][]): CqlServerTable {
  return {
    keyspace: 'keyvaluemap',
    table: 'keyvaluemaps_r21',
    partitionKey: ['key'],
    clusteringKey: ['column1'],
    columns: [
      { name: 'key', type: 'text' },
      { name: 'column1', type: 'text' },
      { name: 'value', type: 'text' },
    ],
    rows,
  };
}

/** Edge's `kms.organizations`: one row per organization name. */
export function organizationsTable(orgs: string[]): CqlServerTable {
  return { keyspace: 'kms', table: 'organizations', partitionKey: ['key'], columns: [{ name: 'key', type: 'text' }], rows: orgs.map((o) => [o]) };
}

/** The hybrid keyspace of an org: `kvm_<org with '-' as '_'>_hybrid`. */
export function hybridKeyspace(org: string): string {
  return `kvm_${org.replace(/-/g, '_')}_hybrid`;
}

/** `kvm_map_entry`, columns in `SELECT *` order: tid, a_scp, map, ver, key, c_at, c_by, u_at, u_by, val. */
export function kvmMapEntryTable(org: string, rows: unknown[][]): CqlServerTable {
  return {
    keyspace: hybridKeyspace(org),
    table: 'kvm_map_entry',
    partitionKey: ['tid', 'a_scp', 'map', 'ver', 'key'],
    columns: [
      { name: 'tid', type: 'text' },
      { name: 'a_scp', type: 'text' },
      { name: 'map', type: 'text' },
      { name: 'ver', type: 'int' },
      { name: 'key', type: 'text' },
      { name: 'c_at', type: 'timestamp' },
      { name: 'c_by', type: 'text' },
      { name: 'u_at', type: 'timestamp' },
      { name: 'u_by', type: 'text' },
      { name: 'val', type: 'text' },
    ],
    rows,
  };
}

/** `kvm_map_descriptor`, columns in `SELECT *` order: tid, a_scp, map, attr, c_at, c_by, u_at, u_by, ver. */
export function kvmMapDescriptorTable(org: string, rows: unknown[][]): CqlServerTable {
  return {
    keyspace: hybridKeyspace(org),
    table: 'kvm_map_descriptor',
    partitionKey: ['tid', 'a_scp'],
    clusteringKey: ['map'],
    columns: [
      { name: 'tid', type: 'text' },
      { name: 'a_scp', type: 'text' },
      { name: 'map', type: 'text' },
      { name: 'attr', type: 'text' },
      { name: 'c_at', type: 'timestamp' },
      { name: 'c_by', type: 'text' },
      { name: 'u_at', type: 'timestamp' },
      { name: 'u_by', type: 'text' },
      { name: 'ver', type: 'int' },
    ],
    rows,
  };
}
