// CQL options of the commands that read Cassandra over CQL, and opening the connection they describe.
import type { RunContext } from '../../cli/context.js';
import type { Platform } from '../../kvm/model.js';
import { pick } from '../../cli/optionCatalog.js';
import type { CqlConnection } from '../../emigrate/cqlConnect.js';
import { openKube, type KubeValues } from './hybridCluster.js';
import type { KubeAdapter } from '../../adapters/kube/index.js';
import { UsageError } from '../../errors.js';

export const CQL_OPTIONS = pick('cql-port', 'cass-username', 'cass-password', 'cass-tls', 'cass-ca', 'cass-tls-servername', 'cass-tls-verify', 'cassandra-pod', 'local-dc', 'page-size');

export interface CqlValues extends KubeValues {
  'cass-ip'?: string;
  'cql-port': number;
  'cass-username'?: string;
  'cass-password'?: string;
  'cass-tls'?: boolean;
  'cass-ca'?: string;
  'cass-tls-servername'?: string;
  'cass-tls-verify': boolean;
  'cassandra-pod': string;
  'local-dc'?: string;
  'page-size'?: number;
}

/** Hidden tuning (not in --help): first retry delay of a failed page, in ms (default 1000), for tests. */
const RETRY_DELAY_VARIABLE = 'AMU_CQL_RETRY_DELAY_MS';

function retryDelay(ctx: RunContext): number | undefined {
  const raw = ctx.io.env[RETRY_DELAY_VARIABLE];
  return raw ? Number(raw) : undefined;
}

/**
 * Edge: the contact points of --cass-ip (default localhost). Hybrid: --cass-ip when given, else a port-forward
 * to the Cassandra pod with the cluster's CA and DML credentials.
 */
export async function openCqlConnection(platform: Platform, values: CqlValues, ctx: RunContext): Promise<CqlConnection> {
  const connection = await connect(platform, values, ctx);
  if (!ctx.out.debugEnabled) return connection;
  const { loggingCqlSession } = await import('../../cli/commandLog.js');
  return { ...connection, session: loggingCqlSession(connection.session, (text) => ctx.out.debug(text)) };
}

async function connect(platform: Platform, values: CqlValues, ctx: RunContext): Promise<CqlConnection> {
  const { connectDirect, connectThroughKube } = await import('../../emigrate/cqlConnect.js');
  const delay = retryDelay(ctx);
  const common = {
    tlsVerify: values['cass-tls-verify'],
    localDc: values['local-dc'],
    retryDelayMs: delay,
  };
  if (platform === 'hybrid' && !values['cass-ip']) {
    const kube = await openKube(values, ctx);
    ctx.out.info(`Connecting to Cassandra over CQL through a port-forward to ${values.namespace}/${values['cassandra-pod']}...`);
    return connectThroughKube({ kube, namespace: values.namespace, pod: values['cassandra-pod'], tls: values['cass-tls'] ?? true, ...common });
  }
  const hosts = values['cass-ip'] ?? 'localhost';
  if (platform === 'hybrid' && !values['cass-username']) return connectWithClusterSecrets(hosts, values, ctx, common);
  ctx.out.info(`Connecting to Cassandra over CQL at ${hosts}:${values['cql-port']}...`);
  return connectDirect({
    hosts,
    port: values['cql-port'],
    ...(values['cass-username'] ? { username: values['cass-username'], password: values['cass-password'] ?? '' } : {}),
    tls: values['cass-tls'] ?? platform === 'hybrid',
    caFile: values['cass-ca'],
    servername: values['cass-tls-servername'],
    ...common,
  });
}

/**
 * Hybrid contact points given without a CQL user (amu in a Job in the cluster, or with a route to Cassandra): the DML
 * credentials and CA from the cluster's secrets, the certificate checked against the Cassandra service name.
 */
async function connectWithClusterSecrets(
  hosts: string,
  values: CqlValues,
  ctx: RunContext,
  common: { tlsVerify: boolean; localDc: string | undefined; retryDelayMs: number | undefined },
): Promise<CqlConnection> {
  const { clusterCqlCredentials, connectDirect } = await import('../../emigrate/cqlConnect.js');
  const { cassandraServiceName, DML_CREDS_SECRET } = await import('../../cluster/secretNames.js');
  const tls = values['cass-tls'] ?? true;
  const kube = await kubeForSecrets(hosts, values, ctx, tls);
  const creds = await clusterCqlCredentials(kube, values.namespace, tls && !values['cass-ca']);
  ctx.out.addSecret(creds.password);
  ctx.out.info(`Connecting to Cassandra over CQL at ${hosts}:${values['cql-port']} as the DML user of secret ${values.namespace}/${DML_CREDS_SECRET}...`);
  return connectDirect({
    hosts,
    port: values['cql-port'],
    username: creds.username,
    password: creds.password,
    tls,
    caFile: values['cass-ca'],
    ca: creds.ca,
    servername: values['cass-tls-servername'] ?? cassandraServiceName(values.namespace),
    ...common,
  });
}

/** Kubernetes, to read the CQL user (and CA) from; without it, the error says what to give instead. */
async function kubeForSecrets(hosts: string, values: CqlValues, ctx: RunContext, tls: boolean): Promise<KubeAdapter> {
  try {
    return await openKube(values, ctx);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const needs = tls && !values['cass-ca'] ? 'the DML user and the CA' : 'the DML user';
    throw new UsageError(`hybrid over CQL at ${hosts} without --cass-username: amu reads ${needs} from the cluster's secrets, but ${err.message}`, [
      `give the CQL user instead: --cass-username and --cass-password (or CASS_USERNAME and CASS_PASSWORD)${tls ? ', and --cass-ca FILE (or --no-cass-tls)' : ''}`,
      ...err.details,
    ]);
  }
}

/** Rows per page: Edge rows are whole KVMs (up to 15 MB), hybrid rows single entries. */
export function pageSizeFor(platform: Platform, values: CqlValues): number {
  return values['page-size'] ?? (platform === 'edge' ? 100 : 5000);
}
