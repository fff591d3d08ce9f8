// `amu kvms verify`: checks that an export tree (or, with --live, the target organization) holds what the dump holds.
import path from 'node:path';
import type { CommandHandler } from '../../cli/command.js';
import { MismatchError } from '../../errors.js';
import type { RunContext } from '../../cli/context.js';
import type { TargetKind } from '../../export/targets/index.js';
import type { ApigeecliNaming } from '../../export/targets/apigeecli.js';
import type { KvmSource } from '../../export/source.js';
import type { VerifyResult } from '../../verify/verifyExport.js';
import type { RecordedExport } from '../../verify/recordedExport.js';
import { openKvmSource, type SourceValues } from '../options/dumpSource.js';
import { openApigee, type ApigeeValues } from '../options/apigee.js';
import { exportThreadsOption } from '../options/exportThreads.js';

interface VerifyValues extends SourceValues, ApigeeValues {
  live: boolean;
  'export-dir'?: string;
  tgt?: TargetKind;
  'include-custom-reports': boolean;
  'apigeecli-naming': ApigeecliNaming;
  'export-threads'?: number;
  json: boolean;
}

/** The options verify can take from the export's report, with the report's value for each. */
function recordedValues(recorded: RecordedExport): Record<string, unknown> {
  const s = recorded.settings;
  return {
    src: s.src,
    org: s.org,
    'emigrate-dir': s.emigrateDir,
    tgt: s.tgt,
    'apigeecli-naming': s.apigeecliNaming,
    'include-custom-reports': s.includeCustomReports,
  };
}

/** What verify uses for an option neither given nor recorded. */
const BUILT_IN_DEFAULTS: Record<string, unknown> = { 'apigeecli-naming': 'current', 'include-custom-reports': false };

/** Same value, comparing folders by their absolute path. */
function sameValue(flag: string, a: unknown, b: unknown): boolean {
  if (flag === 'emigrate-dir' && typeof a === 'string' && typeof b === 'string') return path.resolve(a) === path.resolve(b);
  return a === b;
}

/**
 * Fills every option the user left out from the export's report (amu-export-report.json), so a bare
 * `amu kvms verify --export-dir X` checks what was exported; a value given that differs is used, with a warning.
 */
async function fillFromReport(values: VerifyValues, ctx: RunContext): Promise<void> {
  const { readRecordedExport } = await import('../../verify/recordedExport.js');
  const recorded = values['export-dir'] !== undefined ? await readRecordedExport(values['export-dir']) : undefined;
  if (recorded) {
    const taken: string[] = [];
    for (const [flag, value] of Object.entries(recordedValues(recorded))) {
      if (values[flag] === undefined) {
        values[flag] = value;
        if (value !== BUILT_IN_DEFAULTS[flag]) taken.push(value === true ? `--${flag}` : `--${flag} ${String(value)}`);
      } else if (!sameValue(flag, values[flag], value)) {
        ctx.out.warn(`--${flag} ${String(values[flag])} is not what the export recorded (${String(value)}); checking with --${flag} ${String(values[flag])}`);
      }
    }
    const keysFile = recorded.settings.keysFile;
    if (values.src === 'hybrid' && values.dek === undefined && values['keys-file'] === undefined && keysFile !== undefined) {
      values['keys-file'] = keysFile;
      taken.push(`--keys-file ${keysFile}`);
    }
    if (taken.length > 0) ctx.out.info(`From the export's report ${recorded.file} (amu ${recorded.amuVersion}, ${recorded.createdAt}): ${taken.join(' ')}`);
  }
  for (const [flag, value] of Object.entries(BUILT_IN_DEFAULTS)) values[flag] ??= value;
}

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
  prepare: fillFromReport,
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
