// `amu kvms export`: decrypts the dumped KVMs and writes them for apigeecli or the maven plugin.
import type { CommandHandler } from '../../cli/command.js';
import { PartialError } from '../../errors.js';
import { exportThreadsOption } from '../options/exportThreads.js';
import type { RunContext } from '../../cli/context.js';
import { startProgress, type Progress } from '../../cli/progress.js';
import type { TargetKind } from '../../export/targets/index.js';
import type { ExportSummary } from '../../export/summary.js';
import { openKvmSource, sourceDumpFiles, type SourceValues } from '../options/dumpSource.js';
import type { ApigeecliNaming } from '../../export/targets/apigeecli.js';

interface ExportValues extends SourceValues {
  json: boolean;
  'export-dir'?: string;
  tgt?: TargetKind;
  overwrite: boolean;
  'include-custom-reports': boolean;
  'apigeecli-naming': ApigeecliNaming;
  'maven-project': boolean;
  'maven-plugin-version': string;
  'export-threads'?: number;
}

async function report(summary: ExportSummary, ctx: RunContext, json: boolean): Promise<void> {
  const { formatSummary } = await import('../../export/summary.js');
  if (json) ctx.out.resultJson(summary);
  else ctx.out.resultLines(formatSummary(summary));
  if (!summary.complete) {
    const lost = summary.skipped.filter((s) => s.reason !== 'custom-report' && s.reason !== 'superseded-revision');
    throw new PartialError(`${lost.length} KVM(s) could not be exported; everything else was written to ${summary.exportDir}`, [
      'See "Not exported" above.',
    ]);
  }
}

export const handler: CommandHandler<ExportValues> = {
  run: async (values, ctx) => {
    const threads = exportThreadsOption(values);
    const source = await openKvmSource(values);
    const { exportKvms } = await import('../../export/exportKvms.js');
    let progress: Progress | undefined;
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
      ...threads,
      recordedSource: {
        src: values.src!,
        emigrateDir: values['emigrate-dir']!,
        dumpFiles: await sourceDumpFiles(values),
        ...(values.dek === undefined && values['keys-file'] !== undefined ? { keysFile: values['keys-file'] } : {}),
      },
      signal: ctx.signal,
      emigrateDir: values['emigrate-dir']!,
      cwd: ctx.io.cwd,
      ...(ctx.io.env.HOME ? { home: ctx.io.env.HOME } : {}),
      onNote: (text) => ctx.out.warn(text),
      onProgress: ({ kvms, entries, total }) => {
        progress ??= startProgress(ctx.io, ctx.out, 'export', total, ' KVMs');
        progress.update(kvms, `${entries} entries`);
      },
    }).finally(() => progress?.stop());
    await report(summary, ctx, values.json);
  },
};
