// The system tables the test CQL server answers: what cassandra-driver reads at connect, shaped like Cassandra 3.11's.
import { createHash } from 'node:crypto';
import type { CqlServerTable } from './cqlStatement.js';

export interface NodeIdentity {
  clusterName: string;
  dataCenter: string;
  rack: string;
  releaseVersion: string;
  address: string;
  /** Other nodes listed in system.peers (the driver never connects to those outside the local data center). */
  peers: { address: string; dataCenter: string }[];
}

/** Keyspaces that are Cassandra's own: requests on them are not counted as pages and never faulted. */
export const SYSTEM_KEYSPACES: ReadonlySet<string> = new Set([
  'system',
  'system_schema',
  'system_auth',
  'system_distributed',
  'system_traces',
]);

/** system.local (one row), system.peers (empty for a one-node cluster) and empty system_schema tables. */
export function systemTables(node: NodeIdentity): CqlServerTable[] {
  return [localTable(node), peersTable(node), ...schemaTables()];
}

function localTable(node: NodeIdentity): CqlServerTable {
  return {
    keyspace: 'system',
    table: 'local',
    partitionKey: ['key'],
    columns: [
      { name: 'key', type: 'text' },
      { name: 'bootstrapped', type: 'text' },
      { name: 'broadcast_address', type: 'inet' },
      { name: 'cluster_name', type: 'text' },
      { name: 'cql_version', type: 'text' },
      { name: 'data_center', type: 'text' },
      { name: 'host_id', type: 'uuid' },
      { name: 'listen_address', type: 'inet' },
      { name: 'native_protocol_version', type: 'text' },
      { name: 'partitioner', type: 'text' },
      { name: 'rack', type: 'text' },
      { name: 'release_version', type: 'text' },
      { name: 'rpc_address', type: 'inet' },
      { name: 'schema_version', type: 'uuid' },
      { name: 'tokens', type: 'set<text>' },
    ],
    rows: [
      [
        'local',
        'COMPLETED',
        node.address,
        node.clusterName,
        '3.4.4',
        node.dataCenter,
        stableUuid(`host:${node.clusterName}`),
        node.address,
        '4',
        'org.apache.cassandra.dht.Murmur3Partitioner',
        node.rack,
        node.releaseVersion,
        node.address,
        stableUuid(`schema:${node.clusterName}`),
        ['-9223372036854775808'],
      ],
    ],
  };
}

function peersTable(node: NodeIdentity): CqlServerTable {
  return {
    keyspace: 'system',
    table: 'peers',
    partitionKey: ['peer'],
    columns: [
      { name: 'peer', type: 'inet' },
      { name: 'data_center', type: 'text' },
      { name: 'host_id', type: 'uuid' },
      { name: 'preferred_ip', type: 'inet' },
      { name: 'rack', type: 'text' },
      { name: 'release_version', type: 'text' },
      { name: 'rpc_address', type: 'inet' },
      { name: 'schema_version', type: 'uuid' },
      { name: 'tokens', type: 'set<text>' },
    ],
    rows: node.peers.map((p, i) => [
      p.address,
      p.dataCenter,
      stableUuid(`host:${p.address}`),
      p.address,
      node.rack,
      node.releaseVersion,
      p.address,
      stableUuid(`schema:${node.clusterName}`),
      [String(i + 1)],
    ]),
  };
}

function schemaTables(): CqlServerTable[] {
  const empty = (table: string, extra: CqlServerTable['columns']): CqlServerTable => ({
    keyspace: 'system_schema',
    table,
    partitionKey: ['keyspace_name'],
    columns: [{ name: 'keyspace_name', type: 'text' }, ...extra],
    rows: [],
  });
  return [
    empty('keyspaces', [
      { name: 'durable_writes', type: 'boolean' },
      { name: 'replication', type: 'map<text,text>' },
    ]),
    empty('tables', [
      { name: 'table_name', type: 'text' },
      { name: 'id', type: 'uuid' },
    ]),
    empty('columns', [
      { name: 'table_name', type: 'text' },
      { name: 'column_name', type: 'text' },
      { name: 'kind', type: 'text' },
      { name: 'position', type: 'int' },
      { name: 'type', type: 'text' },
    ]),
  ];
}

function stableUuid(seed: string): string {
  const h = createHash('md5').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
