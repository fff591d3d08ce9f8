// `amu kvms export`: decrypts the dumped KVMs and writes them for apigeecli or the maven plugin.
import { defineCommand, type PendingRun } from '../../cli/command.js';
import { PartialError } from '../../cli/errors.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import type { RunContext } from '../../cli/context.js';
import type { TargetKind } from '../../core/export/exportKvms.js';
import type { ExportSummary } from '../../core/export/summary.js';
import type { KvmSource } from '../../core/export/source.js';
import type { ApigeecliNaming } from '../../core/targets/apigeecli.js';

interface ExportValues {
  [key: string]: unknown;
  src?: 'opdk';
  org?: string;
  kek?: string;
  'emigrate-dir'?: string;
  'export-dir'?: string;
  tgt?: TargetKind;
  overwrite: boolean;
  'include-custom-reports': boolean;
  'apigeecli-naming': ApigeecliNaming;
  'maven-project': boolean;
  'maven-plugin-version': string;
}

async function edgeSource(values: ExportValues): Promise<KvmSource> {
  const { parseHexKey } = await import('../../core/crypto/hex.js');
  const { kvmDumpPath } = await import('../../core/emigrate/dumpFiles.js');
  const { EdgeKvmSource } = await import('../../core/export/edgeSource.js');
  const { cassandraCliColumns, checkDumpExists } = await import('../../core/export/edgeColumns.js');
  const kek = parseHexKey(values.kek!, 'the KEK (--kek / KEK)');
  const file = kvmDumpPath(values['emigrate-dir']!, values.org!);
  await checkDumpExists(file, `amu kvms emigrate --src opdk --org ${values.org} --emigrate-dir ${values['emigrate-dir']}`);
  return new EdgeKvmSource(file, cassandraCliColumns(file), kek);
}

async function report(summary: ExportSummary, ctx: RunContext): Promise<void> {
  const { formatSummary } = await import('../../core/export/summary.js');
  ctx.out.result(formatSummary(summary));
  if (!summary.complete) {
    const lost = summary.skipped.filter((s) => s.reason !== 'custom-report' && s.reason !== 'superseded-revision');
    throw new PartialError(`${lost.length} KVM(s) could not be exported; everything else was written to ${summary.exportDir}`, [
      'See "Not exported" above.',
    ]);
  }
}

export const kvmsExportCommand = (pending: PendingRun, env: NodeJS.ProcessEnv) =>
  defineCommand<ExportValues>(
    {
      command: 'export',
      describe: 'Decrypt the dumped KVMs and write them for apigeecli or the apigee-config-maven-plugin',
      options: {
        src: { ...OPTION.src, choices: ['opdk'] },
        ...pick('org', 'kek', 'emigrate-dir', 'export-dir', 'tgt', 'overwrite', 'include-custom-reports', 'apigeecli-naming', 'maven-project', 'maven-plugin-version'),
      },
      examples: [['KEK=$(amu kek export ...) amu kvms export --src opdk --org myorg --emigrate-dir ./emigrate --export-dir ./export --tgt apigeecli', 'Edge org to apigeecli files']],
      required: () => ['src', 'org', 'kek', 'emigrate-dir', 'export-dir', 'tgt'],
      run: async (values, ctx) => {
        const source = await edgeSource(values);
        const { exportKvms } = await import('../../core/export/exportKvms.js');
        const summary = await exportKvms({
          org: values.org!,
          source,
          target: values.tgt!,
          exportDir: values['export-dir']!,
          overwrite: values.overwrite,
          includeCustomReports: values['include-custom-reports'],
          apigeecliNaming: values['apigeecli-naming'],
          mavenProject: values['maven-project'],
          mavenPluginVersion: values['maven-plugin-version'],
          signal: ctx.signal,
        });
        await report(summary, ctx);
      },
    },
    pending,
    env,
  );
