// `amu kvms verify`: checks that an export tree, read as its importer reads it, holds what the dump holds.
import { defineCommand, type PendingRun } from '../../cli/command.js';
import { MismatchError } from '../../cli/errors.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import type { RunContext } from '../../cli/context.js';
import type { TargetKind } from '../../core/export/exportKvms.js';
import type { ApigeecliNaming } from '../../core/targets/apigeecli.js';
import type { VerifyResult } from '../../core/verify/verifyExport.js';
import type { KvmSource } from '../../core/export/source.js';
import { openKvmSource, requiredSourceOptions, SOURCE_OPTIONS, type SourceValues } from './source.js';
import { APIGEE_OPTIONS, openApigee, type ApigeeValues } from '../options/apigee.js';

interface VerifyValues extends SourceValues, ApigeeValues {
  live: boolean;
  'export-dir'?: string;
  tgt?: TargetKind;
  'include-custom-reports': boolean;
  'apigeecli-naming': ApigeecliNaming;
  json: boolean;
}

/** Prints the result (table or JSON) and fails with exit 7 when anything differs. */
async function report(result: VerifyResult, json: boolean, ctx: RunContext, live = false): Promise<void> {
  const { formatVerifyResult, verifyJson } = await import('../../core/verify/report.js');
  if (json) ctx.out.resultJson(verifyJson(result));
  else ctx.out.result(formatVerifyResult(result));
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
  const { verifyAgainst } = await import('../../core/verify/verifyExport.js');
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
      },
      (plans) => readLiveTree({ client: apigee.client, org: values['tgt-org']!, concurrency: values.concurrency, signal: ctx.signal }, plans),
    );
  } finally {
    apigee.close();
  }
}

export const kvmsVerifyCommand = (pending: PendingRun, env: NodeJS.ProcessEnv) =>
  defineCommand<VerifyValues>(
    {
      command: 'verify',
      describe: 'Check that an export tree (or, with --live, the target organization) holds what the dump holds',
      options: {
        ...SOURCE_OPTIONS,
        'export-dir': { ...OPTION['export-dir'], describe: 'Folder of the export tree to check (written by "amu kvms export")' },
        ...pick('tgt', 'include-custom-reports', 'apigeecli-naming', 'json', 'live'),
        ...APIGEE_OPTIONS,
      },
      examples: [
        ['KEK=$(amu kek export ...) amu kvms verify --src opdk --org myorg --emigrate-dir ./emigrate --export-dir ./export --tgt apigeecli', 'Check an apigeecli export against its dump'],
        ['KEK=... APIGEE_TOKEN=... amu kvms verify --live --src opdk --org myorg --emigrate-dir ./emigrate --tgt-org my-x-org', 'Check the target organization against the dump'],
      ],
      required: (values) => [...requiredSourceOptions(values), ...(values.live ? ['tgt-org'] : ['export-dir', 'tgt'])],
      run: async (values, ctx) => {
        const source = await openKvmSource(values);
        if (values.live) {
          await report(await verifyLive(values, source, ctx), values.json, ctx, true);
          return;
        }
        const { verifyExport } = await import('../../core/verify/verifyExport.js');
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
