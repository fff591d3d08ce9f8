// `amu kvms emigrate`: reads the org's KVM rows from Cassandra into the emigrate folder (cassandra-cli, CQL, or cqlsh in a pod).
import { defineCommand, type PendingRun } from '../../cli/command.js';
import type { RunContext } from '../../cli/context.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import { KUBE_OPTIONS, openClusterPod, POD_OPTIONS, tableProgress, type PodValues } from '../hybridCluster.js';
import { CQL_OPTIONS, openCqlConnection, pageSizeFor, type CqlValues } from '../cqlConnection.js';
import { chooseReader, type Reader } from '../../core/emigrate/readerChoice.js';
import { startProgress } from '../../cli/progress.js';

interface EmigrateValues extends PodValues, CqlValues {
  src?: 'opdk' | 'hybrid';
  org?: string;
  'emigrate-dir'?: string;
  reader?: Reader;
  'src-ver'?: string;
  'cass-port'?: number;
  'cassandra-cli'?: string;
  'allow-empty': boolean;
}

/** The options each source and reader need. */
function requiredOptions(values: EmigrateValues): string[] {
  const always = ['src', 'org', 'emigrate-dir'];
  if (values.src !== 'hybrid') return always;
  return (values.reader ?? 'cqlsh-pod') === 'cqlsh-pod' ? [...always, 'hybrid-version'] : always;
}

/** Edge 4.52.02+ and hybrid without a pod: the KVM tables over CQL, page by page into amu CQL dumps. */
async function emigrateCql(src: 'opdk' | 'hybrid', values: EmigrateValues, ctx: RunContext): Promise<void> {
  const { emigrateEdgeOverCql, emigrateHybridOverCql } = await import('../../core/emigrate/overCql.js');
  const connection = await openCqlConnection(src, values, ctx);
  const progress = startProgress(ctx.io, ctx.out, 'emigrate', undefined, ' rows');
  try {
    const target = {
      org: values.org!,
      emigrateDir: values['emigrate-dir']!,
      pageSize: pageSizeFor(src, values),
      host: connection.host,
      onProgress: (table: string, rows: number) => progress.update(rows, table),
      allowEmpty: values['allow-empty'],
      onNote: (text: string) => ctx.out.warn(text),
    };
    const dumps = src === 'opdk' ? await emigrateEdgeOverCql(connection.session, target) : await emigrateHybridOverCql(connection.session, target);
    progress.stop();
    for (const dump of dumps) ctx.out.result(`Wrote ${dump.file}: ${dump.rows} rows, ${dump.bytes} bytes (over CQL from ${connection.host}).`);
  } finally {
    progress.stop();
    await connection.close();
  }
}

/** Edge 4.50–4.52.00: cassandra-cli on a Cassandra or management node. */
async function emigrateOpdk(values: EmigrateValues, ctx: RunContext): Promise<void> {
  const host = values['cass-ip'] ?? 'localhost';
  ctx.out.info(`Reading the KVMs of org ${values.org} from Cassandra at ${host} with cassandra-cli...`);
  const { emigrateWithCassandraCli } = await import('../../core/emigrate/cassandraCli.js');
  const progress = startProgress(ctx.io, ctx.out, 'cassandra-cli', undefined, ' bytes');
  const result = await emigrateWithCassandraCli({
    org: values.org!,
    emigrateDir: values['emigrate-dir']!,
    host,
    ...(values['cass-port'] ? { port: values['cass-port'] } : {}),
    ...(values['cassandra-cli'] ? { cassandraCli: values['cassandra-cli'] } : {}),
    env: ctx.io.env,
    signal: ctx.signal,
    onCommand: (text) => ctx.out.debug(`running ${text}`),
    onProgress: (bytes) => progress.update(bytes),
    allowEmpty: values['allow-empty'],
    onNote: (text) => ctx.out.warn(text),
  }).finally(() => progress.stop());
  ctx.out.result(`Wrote ${result.file}: ${result.rows} rows (KVMs and key pseudo-KVMs), ${result.bytes} bytes.`);
}

/** Apigee hybrid: kvm_map_entry and kvm_map_descriptor with cqlsh in amu's client pod. */
async function emigrateHybrid(values: EmigrateValues, ctx: RunContext): Promise<void> {
  const { checkHybridOrgName } = await import('../../core/hybrid/keyspaces.js');
  checkHybridOrgName(values.org!);
  const { kube, pod } = await openClusterPod(values, ctx);
  const { emigrateWithCqlshPod } = await import('../../core/emigrate/cqlshPod.js');
  ctx.out.info(`Reading the KVMs of org ${values.org} with cqlsh in pod ${pod.namespace}/${pod.name}...`);
  const progress = await tableProgress(ctx);
  const dumps = await emigrateWithCqlshPod({
    kube,
    pod,
    org: values.org!,
    emigrateDir: values['emigrate-dir']!,
    onProgress: progress.update,
    onWarning: (text) => ctx.out.warn(text),
    signal: ctx.signal,
    allowEmpty: values['allow-empty'],
    onNote: (text) => ctx.out.warn(text),
  }).finally(progress.stop);
  for (const dump of dumps) ctx.out.result(`Wrote ${dump.file}: ${dump.rows} rows of ${dump.table}, ${dump.bytes} bytes.`);
}

export const kvmsEmigrateCommand = (pending: PendingRun, env: NodeJS.ProcessEnv) =>
  defineCommand<EmigrateValues>(
    {
      command: 'emigrate',
      describe: 'Dump the KVM rows of an organization from Cassandra into the emigrate folder',
      options: {
        src: OPTION.src,
        ...pick('org', 'emigrate-dir', 'reader', 'src-ver', 'cass-ip', 'cass-port', 'cassandra-cli', 'allow-empty'),
        ...CQL_OPTIONS,
        ...KUBE_OPTIONS,
        ...POD_OPTIONS,
      },
      examples: [
        ['amu kvms emigrate --src opdk --org myorg --emigrate-dir ./emigrate --cass-ip 10.0.0.4', 'Edge 4.50–4.52.00, with cassandra-cli'],
        ['amu kvms emigrate --src opdk --src-ver 4.53 --org myorg --emigrate-dir ./emigrate --cass-ip 10.0.0.4', 'Edge 4.52.02 and later, over CQL'],
        ['amu kvms emigrate --src hybrid --org myorg --emigrate-dir ./emigrate --hybrid-version 1.10.3', 'Apigee hybrid, with cqlsh in a client pod'],
        ['amu kvms emigrate --src hybrid --reader cql --org myorg --emigrate-dir ./emigrate', 'Apigee hybrid over CQL, through a port-forward'],
      ],
      required: requiredOptions,
      run: async (values, ctx) => {
        const src = values.src!;
        const reader = chooseReader(src, values.reader, values['src-ver']);
        ctx.out.debug(`reader: ${reader}`);
        if (reader === 'cql') await emigrateCql(src, values, ctx);
        else if (reader === 'cqlsh-pod') await emigrateHybrid(values, ctx);
        else await emigrateOpdk(values, ctx);
      },
    },
    pending,
    env,
  );
