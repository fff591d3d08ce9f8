// Options taken from an export's report (amu-export-report.json) where the user left them out: `kvms verify`, `kvms import --export-dir`.
import path from 'node:path';
import type { OptionValues } from '../../cli/command.js';
import type { RunContext } from '../../cli/context.js';
import type { ExportSettings } from '../../export/summary.js';
import type { RecordedExport } from '../../verify/recordedExport.js';

export interface RecordedOptions {
  /** The options the report can supply, each with the report's value. */
  recorded(settings: ExportSettings): OptionValues;
  /** What the command uses for an option neither given nor recorded (not said when taken from the report). */
  builtIn: OptionValues;
  /** Further options taken (after the others), said as `--flag value`. */
  more?(recorded: RecordedExport, values: OptionValues): string[];
}

/** Same value, comparing folders by their absolute path. */
function sameValue(flag: string, a: unknown, b: unknown): boolean {
  if (flag === 'emigrate-dir' && typeof a === 'string' && typeof b === 'string') return path.resolve(a) === path.resolve(b);
  return a === b;
}

/**
 * Fills every option of `options.recorded` the user left out from the report in `exportDir`, and says which on stderr;
 * a value given that differs from the report is used, with a warning. Without a report only the built-in defaults apply.
 */
export async function fillFromReport(values: OptionValues, ctx: RunContext, exportDir: string | undefined, options: RecordedOptions): Promise<void> {
  const { readRecordedExport } = await import('../../verify/recordedExport.js');
  const recorded = exportDir !== undefined ? await readRecordedExport(exportDir) : undefined;
  if (recorded) {
    const taken: string[] = [];
    for (const [flag, value] of Object.entries(options.recorded(recorded.settings))) {
      if (values[flag] === undefined) {
        values[flag] = value;
        if (value !== options.builtIn[flag]) taken.push(value === true ? `--${flag}` : `--${flag} ${String(value)}`);
      } else if (!sameValue(flag, values[flag], value)) {
        ctx.out.warn(`--${flag} ${String(values[flag])} is not what the export recorded (${String(value)}); going on with --${flag} ${String(values[flag])}`);
      }
    }
    taken.push(...(options.more?.(recorded, values) ?? []));
    if (taken.length > 0) ctx.out.info(`From the export's report ${recorded.file} (amu ${recorded.amuVersion}, ${recorded.createdAt}): ${taken.join(' ')}`);
  }
  for (const [flag, value] of Object.entries(options.builtIn)) values[flag] ??= value;
}
