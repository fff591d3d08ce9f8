// `amu kvms import`: creates and updates the KVMs of a dump (or an export tree) in Apigee X / hybrid through the Apigee API.
import type { CommandHandler } from '../../cli/command.js';
import { PartialError } from '../../errors.js';
import type { RunContext } from '../../cli/context.js';
import { startProgress, type Progress } from '../../cli/progress.js';
import type { ApigeecliNaming } from '../../export/targets/apigeecli.js';
import type { ImportSource } from '../../import/source.js';
import type { ImportSummary } from '../../import/summary.js';
import { openApigee, type ApigeeValues } from '../options/apigee.js';
import { openKvmSource, type SourceValues } from '../options/dumpSource.js';
import { fillFromReport, type RecordedOptions } from '../options/recordedOptions.js';

interface ImportValues extends SourceValues, ApigeeValues {
  'export-dir'?: string;
  tgt?: 'apigeecli' | 'maven';
  'apigeecli-naming': ApigeecliNaming;
  'include-custom-reports': boolean;
  'dry-run': boolean;
  prune: boolean;
  json: boolean;
}

/** An export tree's kind and naming, from its report when left out (the dump options do not apply to a tree). */
const TREE_RECORDED: RecordedOptions = {
  recorded: (s) => ({ tgt: s.tgt, 'apigeecli-naming': s.apigeecliNaming }),
  builtIn: { 'apigeecli-naming': 'current' },
};

async function openSource(values: ImportValues): Promise<ImportSource> {
  const { parseEnvMap } = await import('../../import/envMap.js');
  const envMap = parseEnvMap(values['env-map']);
  const { dumpImportSource, treeImportSource } = await import('../../import/source.js');
  if (values['export-dir']) {
    return treeImportSource({ target: values.tgt!, exportDir: values['export-dir'], apigeecliNaming: values['apigeecli-naming'], envMap });
  }
  return dumpImportSource({ source: await openKvmSource(values), includeCustomReports: values['include-custom-reports'], envMap });
}

async function report(summary: ImportSummary, ctx: RunContext, json: boolean): Promise<void> {
  const { formatImportSummary } = await import('../../import/summary.js');
  if (json) ctx.out.resultJson(summary);
  else ctx.out.resultLines(formatImportSummary(summary));
  if (summary.complete || summary.dryRun) return;
  const e = summary.entries;
  const lost = summary.notImported.filter((n) => n.loss).length + summary.kvms.failed;
  throw new PartialError(`the import is incomplete: ${e.failed} entr(ies) failed, ${e.unaddressable} unaddressable, ${lost} KVM(s) not imported`, [
    json ? 'See "failures", "unaddressable" and "notImported" in the JSON above.' : 'See the lists above; a rerun retries what failed and changes nothing else.',
  ]);
}

export const handler: CommandHandler<ImportValues> = {
  prepare: async (values, ctx) => {
    // The report is read only for what it can supply: with both options given, a tree imports whatever its report says.
    if (values['export-dir'] === undefined || (values.tgt !== undefined && values['apigeecli-naming'] !== undefined)) return;
    await fillFromReport(values, ctx, values['export-dir'], TREE_RECORDED);
  },
  run: async (values, ctx) => {
    const source = await openSource(values);
    const apigee = await openApigee(values, ctx);
    const { importKvms } = await import('../../import/importKvms.js');
    let progress: Progress | undefined;
    const started = Date.now();
    try {
      const summary = await importKvms({
        source,
        client: apigee.client,
        org: values['tgt-org']!,
        target: apigee.target,
        dryRun: values['dry-run'],
        prune: values.prune,
        concurrency: values.concurrency,
        signal: ctx.signal,
        onProgress: ({ kvms, totalKvms, entries }) => {
          progress ??= startProgress(ctx.io, ctx.out, values['dry-run'] ? 'plan' : 'import', totalKvms, ' KVMs');
          const seconds = Math.max(0.001, (Date.now() - started) / 1000);
          const eta = kvms > 0 ? Math.round((seconds / kvms) * (totalKvms - kvms)) : undefined;
          progress.update(kvms, `${entries} entries, ${Math.round(entries / seconds)}/s${eta !== undefined ? `, ETA ${eta} s` : ''}`);
        },
      });
      progress?.stop();
      await report(summary, ctx, values.json);
    } finally {
      progress?.stop();
      apigee.close();
    }
  },
};
