// `amu kvms verify`: checks that an export tree, read as its importer reads it, holds what the dump holds.
import path from 'node:path';
import { defineCommand, type PendingRun } from '../../cli/command.js';
import { MismatchError } from '../../cli/errors.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import type { RunContext } from '../../cli/context.js';
import type { TargetKind } from '../../core/export/exportKvms.js';
import type { ApigeecliNaming } from '../../core/targets/apigeecli.js';
import type { VerifyResult } from '../../core/verify/verifyExport.js';
import type { OptionSpec } from '../../cli/options.js';
import type { RecordedExport } from '../../verify/recordedExport.js';
import { openKvmSource, requiredSourceOptions, SOURCE_OPTIONS, type SourceValues } from './source.js';

interface VerifyValues extends SourceValues {
  'export-dir'?: string;
  tgt?: TargetKind;
  'include-custom-reports': boolean;
  'apigeecli-naming': ApigeecliNaming;
  json: boolean;
}

/** An option whose default is what the export recorded: declared without one, so a value the user gave is told apart. */
function recordedDefault(spec: OptionSpec, fallback: string): OptionSpec {
  const { default: _unused, ...rest } = spec;
  return { ...rest, describe: `${spec.describe} (default: what the export recorded, else ${fallback})` };
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
async function report(result: VerifyResult, json: boolean, ctx: RunContext): Promise<void> {
  const { formatVerifyResult, verifyJson } = await import('../../core/verify/report.js');
  if (json) ctx.out.resultJson(verifyJson(result));
  else ctx.out.resultLines(formatVerifyResult(result));
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
        'export-dir': { ...OPTION['export-dir'], describe: 'Folder of the export tree to check (written by "amu kvms export"; its report supplies the options left out)' },
        tgt: OPTION.tgt,
        'include-custom-reports': recordedDefault(OPTION['include-custom-reports'], 'false'),
        'apigeecli-naming': recordedDefault(OPTION['apigeecli-naming'], 'current'),
        ...pick('json'),
      },
      examples: [
        ['KEK=... amu kvms verify --export-dir ./export', 'Check an export against its dump, as its report recorded them'],
        ['amu kvms verify --export-dir ./export', 'A hybrid export made with --keys-file: the report names the file'],
        ['KEK=... amu kvms verify --src opdk --org myorg --emigrate-dir ./emigrate --export-dir ./export --tgt maven', 'Every option given (an export without a report)'],
      ],
      prepare: fillFromReport,
      requiredNotes: Object.fromEntries(
        ['src', 'org', 'emigrate-dir', 'tgt'].map((flag) => [flag, "required unless the export's report has it"]),
      ),
      required: (values) => ['export-dir', ...requiredSourceOptions(values), 'tgt'],
      run: async (values, ctx) => {
        const source = await openKvmSource(values);
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
