// Temporary names that say which amu process (host + pid) made them, and the cleanup of those a dead amu left behind.
import { randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExternalError } from '../errors.js';

/** partial: a dump being written; staging: an export tree being built; tmp: a small file written atomically; old: a replaced tree. */
export type TempKind = 'partial' | 'staging' | 'tmp' | 'old';
const KINDS: ReadonlySet<string> = new Set(['partial', 'staging', 'tmp', 'old']);

/** This machine's name as it goes into temporary names: no path separators, no spaces. */
export function thisHost(): string {
  return os.hostname().replace(/[^A-Za-z0-9._-]/g, '_') || 'unknown-host';
}

/**
 * When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat): with the pid it names one
 * process, so a pid reused by another program is not taken for the amu that left something. 0 where there is no /proc.
 */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isSafeInteger(start) ? start : 0;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ESRCH' ? undefined : 0;
  }
}

let ownStart: number | undefined;
/** This process's start marker (0 where /proc is missing). */
export function thisStart(): number {
  ownStart ??= processStart(process.pid) ?? 0;
  return ownStart;
}

/** `<dir>/.<base>.amu-<kind>-<host>-<pid>-<start>-<random>`: hidden, beside `finalPath`, traceable to this process. */
export function tempNameFor(finalPath: string, kind: TempKind): string {
  const dir = path.dirname(finalPath);
  return path.join(dir, `.${path.basename(finalPath)}.amu-${kind}-${thisHost()}-${process.pid}-${thisStart()}-${randomBytes(4).toString('hex')}`);
}

export interface Leftover {
  path: string;
  kind: TempKind;
  host: string;
  pid: number;
  start: number;
}

/** Reads a temporary name made by tempNameFor for `base`; undefined for any other name. */
export function parseTempName(name: string, base: string): Omit<Leftover, 'path'> | undefined {
  const prefix = `.${base}.amu-`;
  if (!name.startsWith(prefix)) return undefined;
  const m = /^([a-z]+)-(.+)-(\d+)-(\d+)-([0-9a-f]{8})$/.exec(name.slice(prefix.length));
  if (!m || !KINDS.has(m[1]!)) return undefined;
  return { kind: m[1] as TempKind, host: m[2]!, pid: Number(m[3]), start: Number(m[4]) };
}

/**
 * True when the process `pid` that started at `start` still runs on this machine (a process of another user
 * counts). A live pid with another start marker is another program that got the pid again: the amu is gone.
 */
export function pidAlive(pid: number, start = 0): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === 0) return true;
  const now = processStart(pid);
  return now === undefined ? false : now === 0 || now === start;
}

/** Temporary files and folders of amu beside each of `finalPaths`. */
export async function findLeftovers(finalPaths: string[]): Promise<Leftover[]> {
  const found: Leftover[] = [];
  const byDir = new Map<string, Set<string>>();
  for (const p of finalPaths) {
    const abs = path.resolve(p);
    const bases = byDir.get(path.dirname(abs)) ?? new Set<string>();
    bases.add(path.basename(abs));
    byDir.set(path.dirname(abs), bases);
  }
  for (const [dir, bases] of byDir) {
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const name of names) {
      for (const base of bases) {
        const parsed = parseTempName(name, base);
        if (parsed) found.push({ path: path.join(dir, name), ...parsed });
      }
    }
  }
  return found;
}

/**
 * Removes what a dead amu process on this machine left beside `finalPaths` (reported through `onRemoved`), and
 * refuses, naming them, leftovers of a running process or of another machine (a shared folder): amu cannot tell
 * whether those are still in use.
 */
export async function clearLeftovers(finalPaths: string[], onRemoved: (text: string) => void): Promise<void> {
  const host = thisHost();
  const busy: string[] = [];
  for (const left of await findLeftovers(finalPaths)) {
    if (left.host === host && left.pid === process.pid && left.start === thisStart()) continue;
    if (left.host === host && !pidAlive(left.pid, left.start)) {
      await fsp.rm(left.path, { recursive: true, force: true });
      onRemoved(`removed ${left.path}, left by amu process ${left.pid} that ended without cleaning up (killed, or the machine stopped)`);
      continue;
    }
    busy.push(`${left.path} (${left.host === host ? `amu process ${left.pid} is still running` : `made on host ${left.host} by process ${left.pid}`})`);
  }
  if (busy.length > 0) {
    throw new ExternalError(`another amu run is working here, or left files amu cannot safely remove: ${busy.length} found`, [
      ...busy.map((b) => `  ${b}`),
      'Wait for that run to end; if you are sure no amu uses them (e.g. the other host is down), remove them by hand.',
    ]);
  }
}
