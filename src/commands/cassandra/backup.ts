// `amu cassandra backup`: copies hybrid's Cassandra tables (all non-system ones, or an org's) to CSV files with cqlsh COPY in amu's client pod.
import { defineCommand, type PendingRun } from '../../cli/command.js';
import type { RunContext } from '../../cli/context.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import { KUBE_OPTIONS, openClusterPod, POD_OPTIONS, tableProgress, type PodValues } from '../options/hybridCluster.js';

interface BackupValues extends PodValues {
  src?: 'hybrid';
  org?: string;
  'backup-dir'?: string;
}

async function backup(values: BackupValues, ctx: RunContext): Promise<void> {
  const { checkHybridOrgName } = await import('../../cluster/keyspaces.js');
  if (values.org !== undefined) checkHybridOrgName(values.org);
  const { kube, pod } = await openClusterPod(values, ctx);
  const { backupHybrid } = await import('../../cluster/backup.js');
  const progress = await tableProgress(ctx);
  const tables = await backupHybrid({
    kube,
    pod,
    backupDir: values['backup-dir']!,
    org: values.org,
    onSelection: (selection) => {
      const others = selection.otherKeyspaces;
      if (others.length > 0) ctx.out.info(`Skipping keyspaces not of org ${values.org}: ${others.join(', ')}`);
      ctx.out.info(`Backing up ${selection.tables.length} tables into ${values['backup-dir']}...`);
    },
    onTable: (t) => {
      progress.stop();
      ctx.out.info(`table ${t.keyspace}.${t.table}: ${t.rows} rows, ${t.bytes} bytes`);
    },
    onProgress: progress.update,
    onWarning: (text) => ctx.out.warn(text),
    signal: ctx.signal,
  }).finally(progress.stop);
  const rows = tables.reduce((sum, t) => sum + t.rows, 0);
  const bytes = tables.reduce((sum, t) => sum + t.bytes, 0);
  ctx.out.result(`Backed up ${tables.length} tables (${rows} rows, ${bytes} bytes) into ${values['backup-dir']}.`);
}

export const cassandraBackupCommand = (pending: PendingRun, env: NodeJS.ProcessEnv) =>
  defineCommand<BackupValues>(
    {
      command: 'backup',
      describe: 'Back up Cassandra tables as CSV files, one per table (hybrid: every non-system keyspace, or only the org\'s with --org)',
      options: {
        src: { ...OPTION.src, choices: ['hybrid'], describe: 'Source platform: hybrid' },
        org: { ...OPTION.org, describe: 'Only the keyspaces of this organization (<kind>_<org>_hybrid); default every non-system keyspace' },
        ...pick('backup-dir'),
        ...KUBE_OPTIONS,
        ...POD_OPTIONS,
      },
      examples: [['amu cassandra backup --src hybrid --org my-org --backup-dir ./backup --hybrid-version 1.10.3', 'the tables of my-org, one CSV each']],
      required: () => ['src', 'backup-dir', 'hybrid-version'],
      run: backup,
    },
    pending,
    env,
  );
