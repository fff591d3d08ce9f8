// Reads back how an export was made (its amu-export-report.json), so `kvms verify` checks what was exported.
import { closeSync, fstatSync, openSync, promises as fsp, readSync } from 'node:fs';
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

type ReportHead = { amuVersion?: unknown; createdAt?: unknown; settings?: unknown };

/** Bytes of a report read to find its settings; amu writes them within its first kilobyte. */
const HEAD_BYTES = 64 * 1024;
const SETTINGS_KEY = '\n  "settings": {\n';
const TOP_LEVEL_CLOSE = '\n  }';

/**
 * The head of a report as amu writes it (`JSON.stringify(report, null, 2)`: amuVersion, createdAt, settings, then
 * per-KVM lists that can be megabytes): parsed up to the end of its settings, when the file ends as a whole report
 * does. Undefined for anything else, which is then parsed whole as before.
 */
function reportHead(file: string): ReportHead | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size <= HEAD_BYTES) return undefined;
    const head = Buffer.allocUnsafe(HEAD_BYTES);
    const tail = Buffer.allocUnsafe(3);
    if (readSync(fd, head, 0, HEAD_BYTES, 0) !== HEAD_BYTES || readSync(fd, tail, 0, 3, size - 3) !== 3) return undefined;
    if (tail.toString('latin1') !== '\n}\n') return undefined;
    const text = head.toString('utf8');
    if (!text.startsWith('{\n  "amuVersion": ')) return undefined;
    const settings = text.indexOf(SETTINGS_KEY);
    const close = settings < 0 ? -1 : text.indexOf(TOP_LEVEL_CLOSE, settings);
    // Strings hold no raw newline, so the first line-start `  }` after the key closes the settings object.
    if (close < 0 || (text[close + TOP_LEVEL_CLOSE.length] !== ',' && text[close + TOP_LEVEL_CLOSE.length] !== '\n')) return undefined;
    return JSON.parse(`${text.slice(0, close + TOP_LEVEL_CLOSE.length)}\n}`) as ReportHead;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Reads `<exportDir>/amu-export-report.json`; undefined when the folder has no report (or is not there). */
export async function readRecordedExport(exportDir: string): Promise<RecordedExport | undefined> {
  const file = path.resolve(exportDir, REPORT_FILE);
  const head = await fsp
    .stat(file)
    .then((st) => (st.isFile() ? reportHead(file) : undefined))
    .catch(() => undefined);
  if (head) return recorded(file, head);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let parsed: ReportHead;
  try {
    parsed = JSON.parse(text) as ReportHead;
  } catch (err) {
    throw new InputError(`${file} is not JSON: ${(err as Error).message}`);
  }
  return recorded(file, parsed);
}

function recorded(file: string, parsed: ReportHead): RecordedExport | undefined {
  // Reports of amu before 0.1.x had no settings: verify then needs every option, as it always did.
  if (parsed.settings === undefined) return undefined;
  return {
    file,
    amuVersion: typeof parsed.amuVersion === 'string' ? parsed.amuVersion : 'unknown',
    createdAt: typeof parsed.createdAt === 'string' ? parsed.createdAt : 'unknown',
    settings: checkSettings(parsed.settings, file),
  };
}
