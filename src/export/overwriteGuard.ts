// Where an export may go: never a file, and with --overwrite only a folder that is an earlier amu export and nothing more.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';

export const REPORT_FILE = 'amu-export-report.json';

/** Files an earlier amu wrote beside those its report lists (reports made before the `written` list). */
const EXTRA_FILES = [REPORT_FILE, 'import-kvms.sh', 'pom.xml'];

export interface ExportDirCheck {
  exportDir: string;
  overwrite: boolean;
  emigrateDir?: string;
  cwd: string;
  /** The user's home folder as the environment gives it (os.homedir() is refused too). */
  home?: string;
}

async function realOrResolved(p: string): Promise<string> {
  const abs = path.resolve(p);
  return fsp.realpath(abs).catch(() => abs);
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Every file and link under `dir`, relative, with `/` separators; with `withFolders`, folders too (ending in `/`). */
export async function listTree(dir: string, withFolders = false, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (withFolders) out.push(`${rel}/`);
      out.push(...(await listTree(path.join(dir, entry.name), withFolders, rel)));
    } else out.push(rel);
  }
  return out;
}

/** The files amu wrote, and every folder on their way. */
function withFoldersOf(files: Iterable<string>): Set<string> {
  const all = new Set<string>();
  for (const f of files) {
    all.add(f);
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) all.add(`${parts.slice(0, i).join('/')}/`);
  }
  return all;
}

function refuse(dir: string, why: string): UsageError {
  return new UsageError(`--overwrite refused: ${dir} ${why}`, [
    'amu replaces only a folder that holds an earlier amu export and nothing else.',
    'Choose a new or empty folder for the export, or remove that folder yourself if it is really to go.',
  ]);
}

/** The files the report of an earlier export says amu wrote. */
async function filesOfReport(dir: string): Promise<Set<string> | undefined> {
  let report: { written?: unknown; files?: unknown };
  try {
    report = JSON.parse(await fsp.readFile(path.join(dir, REPORT_FILE), 'utf8')) as typeof report;
  } catch {
    return undefined;
  }
  const list = Array.isArray(report.written) ? report.written : Array.isArray(report.files) ? [...report.files, ...EXTRA_FILES] : undefined;
  if (!list || !list.every((f) => typeof f === 'string')) return undefined;
  return new Set([...(list as string[]).map((f) => f.split(path.sep).join('/')), REPORT_FILE]);
}

/** The safety rules of the export folder, checked before any work (see README-amu.md, "The export folder"). */
export async function checkExportDir(check: ExportDirCheck): Promise<void> {
  const abs = path.resolve(check.exportDir);
  let stat;
  try {
    stat = await fsp.stat(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!stat.isDirectory()) throw new UsageError(`the export folder ${abs} is a file, not a folder`, ['Give a new or empty folder with --export-dir.']);
  const entries = await fsp.readdir(abs);
  if (entries.length === 0) return;
  if (!check.overwrite) {
    throw new UsageError(`the export folder ${abs} is not empty`, [
      'amu never mixes a new export with files of an earlier one.',
      'Choose an empty or new folder, or pass --overwrite to replace an earlier amu export whole once the new export is complete.',
    ]);
  }
  const real = await realOrResolved(abs);
  if (real === path.parse(real).root) throw refuse(abs, 'is the root folder');
  for (const home of [check.home, os.homedir()]) {
    if (home && real === (await realOrResolved(home))) throw refuse(abs, 'is your home folder');
  }
  if (isInside(await realOrResolved(check.cwd), real)) throw refuse(abs, 'is the current folder or holds it');
  if (check.emigrateDir !== undefined) {
    const emigrate = await realOrResolved(check.emigrateDir);
    if (isInside(emigrate, real)) throw refuse(abs, `holds the emigrate folder ${emigrate} (the dumps)`);
    if (isInside(real, emigrate)) throw refuse(abs, `is inside the emigrate folder ${emigrate} (the dumps)`);
  }
  const ours = await filesOfReport(abs);
  if (!ours) throw refuse(abs, `is not an earlier amu export: it has no readable ${REPORT_FILE}`);
  const expected = withFoldersOf(ours);
  const foreign = (await listTree(abs, true)).filter((f) => !expected.has(f));
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).map((f) => `  ${path.join(abs, f)}`);
    throw new UsageError(`--overwrite refused: ${abs} holds ${foreign.length} file(s) or folder(s) amu did not write`, [
      ...shown,
      ...(foreign.length > 5 ? [`  ... and ${foreign.length - 5} more`] : []),
      'amu replaces only a folder that holds an earlier amu export and nothing else; move those files away first.',
    ]);
  }
}
