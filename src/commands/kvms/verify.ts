// `amu kvms verify`: checks that an export tree (or, with --live, the target organization) holds what the dump holds.
import type { CommandHandler } from '../../cli/command.js';
import { MismatchError } from '../../errors.js';
import type { RunContext } from '../../cli/context.js';
import type { TargetKind } from '../../export/targets/index.js';
import type { ApigeecliNaming } from '../../export/targets/apigeecli.js';
import type { KvmSource } from '../../export/source.js';
import type { VerifyResult } from '../../verify/verifyExport.js';
import { openKvmSource, type SourceValues } from '../options/dumpSource.js';
import { openApigee, type ApigeeValues } from '../options/apigee.js';
import { exportThreadsOption } from '../options/exportThreads.js';
import { fillFromReport, type RecordedOptions } from '../options/recordedOptions.js';

interface VerifyValues extends SourceValues, ApigeeValues {
  live: boolean;
  'export-dir'?: string;
  tgt?: TargetKind;
  'include-custom-reports': boolean;
  'apigeecli-naming': ApigeecliNaming;
  'export-threads'?: number;
  json: boolean;
}

/** The options verify takes from the export's report when left out; hybrid also the keys file it was made with. */
const VERIFY_RECORDED: RecordedOptions = {
  recorded: (s) => ({
    src: s.src,
    org: s.org,
    'emigrate-dir': s.emigrateDir,
    tgt: s.tgt,
    'apigeecli-naming': s.apigeecliNaming,
    'include-custom-reports': s.includeCustomReports,
  }),
  builtIn: { 'apigeecli-naming': 'current', 'include-custom-reports': false },
  more: (recorded, values) => {
    const keysFile = recorded.settings.keysFile;
    if (values.src !== 'hybrid' || values.dek !== undefined || values['keys-file'] !== undefined || keysFile === undefined) return [];
    values['keys-file'] = keysFile;
    return [`--keys-file ${keysFile}`];
  },
};

/** Prints the result (table or JSON) and fails with exit 7 when anything differs. */
async function report(result: VerifyResult, json: boolean, ctx: RunContext, live = false): Promise<void> {
  const { formatVerifyResult, verifyJson } = await import('../../verify/report.js');
  if (json) ctx.out.resultJson(verifyJson(result));
  else ctx.out.resultLines(formatVerifyResult(result));
  if (result.ok) return;
  const differing = result.totals.kvms - result.totals.ok;
  const where = live ? `${result.exportDir} as the dump has them` : `${result.exportDir} as its importer would read them`;
  throw new MismatchError(`${differing} KVM(s) of the dump are not in ${where}`, [
    json ? 'See "kvms" in the JSON above.' : 'See the table and notes above.',
  ]);
}

/** Reads the target organization back through the API and compares it with the dump, planned as import plans it. */
async function verifyLive(values: VerifyValues, source: KvmSource, ctx: RunContext): Promise<VerifyResult> {
  const { parseEnvMap, mapScope } = await import('../../import/envMap.js');
  const { apigeeUnrepresentable } = await import('../../import/source.js');
  const { verifyAgainst } = await import('../../verify/verifyExport.js');
  const { readLiveTree } = await import('../../verify/liveTree.js');
  const envMap = parseEnvMap(values['env-map']);
  const apigee = await openApigee(values, ctx);
  try {
    return await verifyAgainst(
      {
        source,
        includeCustomReports: values['include-custom-reports'],
        unrepresentable: apigeeUnrepresentable,
        mapScope: (scope) => mapScope(scope, envMap),
        where: apigee.target,
        signal: ctx.signal,
        ...exportThreadsOption(values),
      },
      (plans, digester) => readLiveTree({ client: apigee.client, org: values['tgt-org']!, concurrency: values.concurrency, signal: ctx.signal, digester }, plans),
    );
  } finally {
    apigee.close();
  }
}

export const handler: CommandHandler<VerifyValues> = {
  prepare: (values, ctx) => fillFromReport(values, ctx, values['export-dir'], VERIFY_RECORDED),
  run: async (values, ctx) => {
    const threads = exportThreadsOption(values);
    const source = await openKvmSource(values);
    if (values.live) {
      await report(await verifyLive(values, source, ctx), values.json, ctx, true);
      return;
    }
    const { verifyExport } = await import('../../verify/verifyExport.js');
    const result = await verifyExport({
      source,
      target: values.tgt!,
      exportDir: values['export-dir']!,
      includeCustomReports: values['include-custom-reports'],
      apigeecliNaming: values['apigeecli-naming'],
      signal: ctx.signal,
      ...threads,
    });
    await report(result, values.json, ctx);
  },
};
