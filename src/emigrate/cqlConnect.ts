// Opens a CQL session for emigrate: to contact points given by the user, or through a Kubernetes port-forward to a hybrid Cassandra pod.
import { promises as fsp } from 'node:fs';
import { openCql, type CqlOpenOptions, type CqlSession } from '../adapters/cql.js';
import type { KubeAdapter } from '../adapters/kube/index.js';
import { ExternalError, UsageError } from '../errors.js';
import { CASSANDRA_CA_KEY, CASSANDRA_TLS_SECRET, cassandraServiceName, DML_CREDS_KEYS, DML_CREDS_SECRET } from '../cluster/secretNames.js';

export interface CqlConnection {
  session: CqlSession;
  /** Where Cassandra was reached, for messages and dump metadata. */
  host: string;
  close(): Promise<void>;
}

export interface DirectCqlOptions {
  /** Comma-separated hosts. */
  hosts: string;
  port: number;
  username?: string;
  password?: string;
  tls: boolean;
  caFile?: string | undefined;
  /** The CA certificate itself (from the cluster's secret), when no caFile is given. */
  ca?: Buffer | undefined;
  /** The name the server certificate must hold, when it is not the address connected to. */
  servername?: string | undefined;
  tlsVerify: boolean;
  localDc?: string | undefined;
  retryDelayMs?: number | undefined;
}

async function readCa(file: string | undefined): Promise<Buffer | undefined> {
  if (!file) return undefined;
  try {
    return await fsp.readFile(file);
  } catch (err) {
    throw new UsageError(`cannot read the CA file ${file}: ${(err as Error).message}`);
  }
}

export async function connectDirect(o: DirectCqlOptions): Promise<CqlConnection> {
  const contactPoints = o.hosts.split(',').map((h) => h.trim()).filter(Boolean);
  const ca = (await readCa(o.caFile)) ?? o.ca;
  const options: CqlOpenOptions = {
    contactPoints,
    port: o.port,
    ...(o.username ? { username: o.username, password: o.password ?? '' } : {}),
    tls: o.tls ? { ca, servername: o.servername || undefined, rejectUnauthorized: o.tlsVerify } : undefined,
    localDataCenter: o.localDc || undefined,
    retryDelayMs: o.retryDelayMs,
  };
  const session = await openCql(options);
  return { session, host: `${contactPoints.join(',')}:${o.port}`, close: () => session.close() };
}

export interface KubeCqlOptions {
  kube: KubeAdapter;
  namespace: string;
  /** The Cassandra pod to tunnel to. */
  pod: string;
  tls: boolean;
  tlsVerify: boolean;
  localDc?: string | undefined;
  retryDelayMs?: number | undefined;
}

async function secretData(kube: KubeAdapter, namespace: string, name: string, keys: string[]): Promise<Buffer[]> {
  const data = await kube.readSecret(namespace, name);
  if (!data) throw new ExternalError(`secret ${namespace}/${name} not found`);
  const missing = keys.filter((k) => !data[k]);
  if (missing.length > 0) {
    throw new ExternalError(`secret ${namespace}/${name} has no ${missing.join(', ')} (it has: ${Object.keys(data).join(', ') || 'nothing'})`);
  }
  return keys.map((k) => data[k]!);
}

/**
 * Hybrid contact points reached directly (e.g. amu in a Job in the cluster): the DML credentials, and the CA when
 * TLS is on, read from the cluster's secrets through the API — held in memory only.
 */
export async function clusterCqlCredentials(kube: KubeAdapter, namespace: string, tls: boolean): Promise<{ username: string; password: string; ca?: Buffer }> {
  const [user, password] = await secretData(kube, namespace, DML_CREDS_SECRET, [...DML_CREDS_KEYS]);
  const ca = tls ? (await secretData(kube, namespace, CASSANDRA_TLS_SECRET, [CASSANDRA_CA_KEY]))[0] : undefined;
  return { username: user!.toString('utf8'), password: password!.toString('utf8'), ...(ca ? { ca } : {}) };
}

/**
 * Hybrid without a client pod: a port-forward to the Cassandra pod, TLS with the CA of the cluster's Cassandra
 * certificate (checked against the service name), DML credentials from the cluster's secret — held in memory only.
 */
export async function connectThroughKube(o: KubeCqlOptions): Promise<CqlConnection> {
  const [user, password] = await secretData(o.kube, o.namespace, DML_CREDS_SECRET, [...DML_CREDS_KEYS]);
  const ca = o.tls ? (await secretData(o.kube, o.namespace, CASSANDRA_TLS_SECRET, [CASSANDRA_CA_KEY]))[0] : undefined;
  const forward = await o.kube.portForward(o.namespace, o.pod, 9042);
  try {
    const session = await openCql({
      contactPoints: ['127.0.0.1'],
      port: forward.localPort,
      onlyContactPoints: true,
      username: user!.toString('utf8'),
      password: password!.toString('utf8'),
      tls: o.tls ? { ca: ca!, rejectUnauthorized: o.tlsVerify, servername: cassandraServiceName(o.namespace) } : undefined,
      localDataCenter: o.localDc || undefined,
      retryDelayMs: o.retryDelayMs,
    });
    return {
      session,
      host: `port-forward ${o.namespace}/${o.pod}:9042`,
      close: async () => {
        await session.close();
        await forward.close();
      },
    };
  } catch (err) {
    await forward.close();
    throw err;
  }
}
