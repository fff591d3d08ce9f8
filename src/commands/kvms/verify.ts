// `amu kvms verify`: checks that an export tree, read as its importer reads it, holds what the dump holds.
import { defineCommand, type PendingRun } from '../../cli/command.js';
import { MismatchError } from '../../errors.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import type { RunContext } from '../../cli/context.js';
import type { TargetKind } from '../../export/targets/index.js';
import type { ApigeecliNaming } from '../../export/targets/apigeecli.js';
import type { VerifyResult } from '../../verify/verifyExport.js';
import { openKvmSource, requiredSourceOptions, SOURCE_OPTIONS, type SourceValues } from '../options/dumpSource.js';

interface VerifyValues extends SourceValues {
  'export-dir'?: string;
  tgt?: TargetKind;
  'include-custom-reports': boolean;
  'apigeecli-naming': ApigeecliNaming;
  json: boolean;
}

/** Prints the result (table or JSON) and fails with exit 7 when anything differs. */
async function report(result: VerifyResult, json: boolean, ctx: RunContext): Promise<void> {
  const { formatVerifyResult, verifyJson } = await import('../../verify/report.js');
  if (json) ctx.out.resultJson(verifyJson(result));
  else ctx.out.result(formatVerifyResult(result));
  if (result.ok) return;
  const differing = result.totals.kvms - result.totals.ok;
  throw new MismatchError(`${differing} KVM(s) of the dump are not in ${result.exportDir} as its importer would read them`, [
    json ? 'See "kvms" in the JSON above.' : 'See the table and notes above.',
  ]);
}

export const kvmsVerifyCommand = (pending: PendingRun, env: NodeJS.ProcessEnv) =>
  defineCommand<VerifyValues>(
    {
      command: 'verify',
      describe: 'Check that an export tree holds, as apigeecli or the maven plugin reads it, what the dump holds',
      options: {
        ...SOURCE_OPTIONS,
        'export-dir': { ...OPTION['export-dir'], describe: 'Folder of the export tree to check (written by "amu kvms export")' },
        ...pick('tgt', 'include-custom-reports', 'apigeecli-naming', 'json'),
      },
      examples: [['KEK=$(amu kek export ...) amu kvms verify --src opdk --org myorg --emigrate-dir ./emigrate --export-dir ./export --tgt apigeecli', 'Check an apigeecli export against its dump']],
      required: (values) => [...requiredSourceOptions(values), 'export-dir', 'tgt'],
      run: async (values, ctx) => {
        const source = await openKvmSource(values);
        const { verifyExport } = await import('../../verify/verifyExport.js');
        const result = await verifyExport({
          source,
          target: values.tgt!,
          exportDir: values['export-dir']!,
          includeCustomReports: values['include-custom-reports'],
          apigeecliNaming: values['apigeecli-naming'],
          signal: ctx.signal,
        });
        await report(result, values.json, ctx);
      },
    },
    pending,
    env,
  );
