// `amu kvms verify`: checks that an export tree, read as its importer reads it, holds what the dump holds.
import type { CommandHandler } from '../../cli/command.js';
import { MismatchError } from '../../errors.js';
import type { RunContext } from '../../cli/context.js';
import type { TargetKind } from '../../export/targets/index.js';
import type { ApigeecliNaming } from '../../export/targets/apigeecli.js';
import type { VerifyResult } from '../../verify/verifyExport.js';
import { openKvmSource, requiredSourceOptions, type SourceValues } from '../options/dumpSource.js';

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

export const handler: CommandHandler<VerifyValues> = {
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
};
