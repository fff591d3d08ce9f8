// `amu cassandra backup`: copies hybrid's Cassandra tables (all non-system ones, or an org's) to CSV files with cqlsh COPY in amu's client pod.
import type { CommandHandler } from '../../cli/command.js';
import type { RunContext } from '../../cli/context.js';
import { openClusterPod, tableProgress, type PodValues } from '../options/hybridCluster.js';

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

export const handler: CommandHandler<BackupValues> = {
  required: () => ['src', 'backup-dir', 'hybrid-version'],
  run: backup,
};
