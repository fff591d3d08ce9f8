// Reads back how an export was made (its amu-export-report.json), so `kvms verify` checks what was exported.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { REPORT_FILE } from '../export/exportKvms.js';
import type { ExportSettings } from '../export/summary.js';

/** What the report of an export folder says, or undefined when it has none (an export of an older amu, or none). */
export interface RecordedExport {
  file: string;
  amuVersion: string;
  createdAt: string;
  settings: ExportSettings;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** The settings of a report, checked field by field: a report edited by hand or cut short is refused, not half-used. */
function checkSettings(value: unknown, file: string): ExportSettings {
  const s = value as Partial<Record<keyof ExportSettings, unknown>> | null;
  const problems: string[] = [];
  if (typeof s !== 'object' || s === null) throw new InputError(`${file} has no "settings" object: it was not written by this amu`);
  if (s.src !== 'opdk' && s.src !== 'hybrid') problems.push('settings.src is not opdk or hybrid');
  if (s.tgt !== 'apigeecli' && s.tgt !== 'maven') problems.push('settings.tgt is not apigeecli or maven');
  if (s.apigeecliNaming !== 'current' && s.apigeecliNaming !== 'legacy') problems.push('settings.apigeecliNaming is not current or legacy');
  for (const key of ['org', 'emigrateDir'] as const) if (typeof s[key] !== 'string' || s[key] === '') problems.push(`settings.${key} is not a name`);
  for (const key of ['includeCustomReports', 'mavenProject'] as const) if (typeof s[key] !== 'boolean') problems.push(`settings.${key} is not true or false`);
  if (!isStringArray(s.dumpFiles)) problems.push('settings.dumpFiles is not a list of paths');
  if (s.keysFile !== undefined && typeof s.keysFile !== 'string') problems.push('settings.keysFile is not a path');
  if (problems.length > 0) throw new InputError(`${file} is not a report amu can read back`, problems.map((p) => `  ${p}`));
  return s as ExportSettings;
}

/** Reads `<exportDir>/amu-export-report.json`; undefined when the folder has no report (or is not there). */
export async function readRecordedExport(exportDir: string): Promise<RecordedExport | undefined> {
  const file = path.resolve(exportDir, REPORT_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: { amuVersion?: unknown; createdAt?: unknown; settings?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (err) {
    throw new InputError(`${file} is not JSON: ${(err as Error).message}`);
  }
  // Reports of amu before 0.1.x had no settings: verify then needs every option, as it always did.
  if (parsed.settings === undefined) return undefined;
  return {
    file,
    amuVersion: typeof parsed.amuVersion === 'string' ? parsed.amuVersion : 'unknown',
    createdAt: typeof parsed.createdAt === 'string' ? parsed.createdAt : 'unknown',
    settings: checkSettings(parsed.settings, file),
  };
}
