// `amu kvms emigrate`: reads the org's KVM rows from Cassandra into the emigrate folder (cassandra-cli, CQL, or cqlsh in a pod).
import type { CommandHandler } from '../../cli/command.js';
import type { RunContext } from '../../cli/context.js';
import { platformOf, type Source } from '../../cli/optionCatalog.js';
import type { Platform } from '../../kvm/model.js';
import { openClusterPod, tableProgress, type PodValues } from '../options/hybridCluster.js';
import { openCqlConnection, pageSizeFor, type CqlValues } from '../options/cqlConnection.js';
import { chooseReader, type Reader } from '../../emigrate/readerChoice.js';
import { startProgress } from '../../cli/progress.js';
import { UsageError } from '../../errors.js';

interface EmigrateValues extends PodValues, CqlValues {
  src?: Source;
  org?: string;
  'emigrate-dir'?: string;
  reader?: Reader;
  'src-ver'?: string;
  'cass-port'?: number;
  'cassandra-cli'?: string;
  'print-command': boolean;
  'allow-empty': boolean;
}

/** The options each source and reader need. */
function requiredOptions(values: EmigrateValues): string[] {
  if (values['print-command']) return ['src', 'org'];
  const always = ['src', 'org', 'emigrate-dir'];
  if (values.src !== 'hybrid') return always;
  return (values.reader ?? 'cqlsh-pod') === 'cqlsh-pod' ? [...always, 'hybrid-version'] : always;
}

/** Edge 4.52.02+ and hybrid without a pod: the KVM tables over CQL, page by page into amu CQL dumps. */
async function emigrateCql(platform: Platform, values: EmigrateValues, ctx: RunContext): Promise<void> {
  const { cqlReader } = await import('../../emigrate/cql.js');
  if (platform === 'hybrid') {
    const { checkHybridOrgName } = await import('../../cluster/keyspaces.js');
    checkHybridOrgName(values.org!); // before connecting; the keyspace builder checks it again
  }
  const connection = await openCqlConnection(platform, values, ctx);
  const progress = startProgress(ctx.io, ctx.out, 'emigrate', undefined, ' rows');
  try {
    const reader = cqlReader(connection.session, platform, { host: connection.host, pageSize: pageSizeFor(platform, values) });
    const dumps = await reader.dump({
      org: values.org!,
      emigrateDir: values['emigrate-dir']!,
      onProgress: (table, rows) => progress.update(rows, table),
      allowEmpty: values['allow-empty'],
      onNote: (text) => ctx.out.warn(text),
    });
    progress.stop();
    for (const dump of dumps) ctx.out.result(`Wrote ${dump.file}: ${dump.rows} rows, ${dump.bytes} bytes (over CQL from ${connection.host}).`);
  } finally {
    progress.stop();
    await connection.close();
  }
}

/** Edge 4.50–4.52.00: cassandra-cli on a Cassandra or management node. */
async function emigrateEdge(values: EmigrateValues, ctx: RunContext): Promise<void> {
  const host = values['cass-ip'] ?? 'localhost';
  ctx.out.info(`Reading the KVMs of org ${values.org} from Cassandra at ${host} with cassandra-cli...`);
  const { cassandraCliReader } = await import('../../emigrate/cassandraCli.js');
  const progress = startProgress(ctx.io, ctx.out, 'cassandra-cli', undefined, ' bytes');
  const reader = cassandraCliReader({
    host,
    ...(values['cass-port'] ? { port: values['cass-port'] } : {}),
    ...(values['cassandra-cli'] ? { cassandraCli: values['cassandra-cli'] } : {}),
    env: ctx.io.env,
    signal: ctx.signal,
    onCommand: (text) => ctx.out.debug(`running ${text}`),
  });
  const [result] = await reader
    .dump({
      org: values.org!,
      emigrateDir: values['emigrate-dir']!,
      onProgress: (_table, bytes) => progress.update(bytes),
      allowEmpty: values['allow-empty'],
      onNote: (text) => ctx.out.warn(text),
    })
    .finally(() => progress.stop());
  ctx.out.result(`Wrote ${result!.file}: ${result!.rows} rows (KVMs and key pseudo-KVMs), ${result!.bytes} bytes.`);
}

/** Edge with cassandra-cli, on a host where amu cannot run: the command to run there by hand, on stdout. */
async function printCassandraCliCommand(values: EmigrateValues, ctx: RunContext): Promise<void> {
  const { handCommand } = await import('../../emigrate/cassandraCli.js');
  const hand = handCommand({
    org: values.org!,
    host: values['cass-ip'] ?? 'localhost',
    ...(values['cass-port'] ? { port: values['cass-port'] } : {}),
    ...(values['cassandra-cli'] ? { cassandraCli: values['cassandra-cli'] } : {}),
  });
  ctx.out.info(`Run this on the Cassandra or management node (cassandra-cli reads the query ${JSON.stringify(hand.input)} from stdin):`);
  ctx.out.result(hand.command);
  const into = values['emigrate-dir'] ? `${values['emigrate-dir']}/${hand.dumpName}` : `<emigrate-dir>/${hand.dumpName}`;
  ctx.out.info(`Then copy ${hand.dumpName} to ${into} as it is; "amu kvms export" reads it and checks it is complete.`);
}

/** Apigee hybrid: kvm_map_entry and kvm_map_descriptor with cqlsh in amu's client pod. */
async function emigrateHybrid(values: EmigrateValues, ctx: RunContext): Promise<void> {
  const { checkHybridOrgName } = await import('../../cluster/keyspaces.js');
  checkHybridOrgName(values.org!);
  const { kube, pod } = await openClusterPod(values, ctx);
  const { cqlshPodReader } = await import('../../emigrate/cqlshPod.js');
  ctx.out.info(`Reading the KVMs of org ${values.org} with cqlsh in pod ${pod.namespace}/${pod.name}...`);
  const progress = await tableProgress(ctx);
  const reader = cqlshPodReader({ kube, pod, onWarning: (text) => ctx.out.warn(text), signal: ctx.signal });
  const dumps = await reader
    .dump({ org: values.org!, emigrateDir: values['emigrate-dir']!, onProgress: progress.update, allowEmpty: values['allow-empty'], onNote: (text) => ctx.out.warn(text) })
    .finally(progress.stop);
  for (const dump of dumps) ctx.out.result(`Wrote ${dump.file}: ${dump.rows} rows of ${dump.table}, ${dump.bytes} bytes.`);
}

export const handler: CommandHandler<EmigrateValues> = {
  required: requiredOptions,
  run: async (values, ctx) => {
    const platform = platformOf(values.src!);
    const reader = chooseReader(platform, values.reader, values['src-ver']);
    ctx.out.debug(`reader: ${reader}`);
    if (values['print-command']) {
      if (reader !== 'cassandra-cli') throw new UsageError(`--print-command is for the cassandra-cli reader (Edge up to 4.52.00), not ${reader}`);
      return printCassandraCliCommand(values, ctx);
    }
    if (reader === 'cql') await emigrateCql(platform, values, ctx);
    else if (reader === 'cqlsh-pod') await emigrateHybrid(values, ctx);
    else await emigrateEdge(values, ctx);
  },
};
