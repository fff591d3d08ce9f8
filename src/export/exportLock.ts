// An exclusive lock beside the export folder, so two exports into one folder cannot both run; a dead holder's lock is taken over.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ExternalError } from '../errors.js';
import { pidAlive, thisHost, thisStart } from '../dumps/leftovers.js';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** The process's start marker (see leftovers.ts); 0 when unknown. */
  start?: number;
}

/** `.<folder name>.amu-lock` in the folder's parent: it exists while an amu run writes that folder. */
export function lockPathFor(exportDir: string): string {
  const abs = path.resolve(exportDir);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.amu-lock`);
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') {
      return { pid: parsed.pid, host: parsed.host, startedAt: String(parsed.startedAt), start: typeof parsed.start === 'number' ? parsed.start : 0 };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  }
  return { pid: 0, host: '?', startedAt: '?' };
}

export interface ExportLock {
  file: string;
  release(): Promise<void>;
}

/**
 * Takes the lock of `exportDir` (its parent must exist). A lock left by a dead amu process on this host is taken
 * over (said through `onNote`); a live one, one of another host or an unreadable one is an error naming its holder.
 */
export async function lockExportDir(exportDir: string, onNote: (text: string) => void): Promise<ExportLock> {
  const file = lockPathFor(exportDir);
  const me: LockOwner = { pid: process.pid, host: thisHost(), startedAt: new Date().toISOString(), start: thisStart() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fsp.writeFile(file, `${JSON.stringify(me)}\n`, { flag: 'wx', mode: 0o600 });
      return { file, release: () => fsp.rm(file, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(file);
    if (owner === undefined) continue;
    if (owner.host === me.host && owner.pid > 0 && owner.pid !== process.pid && !pidAlive(owner.pid, owner.start)) {
      onNote(`took over the lock ${file}: amu process ${owner.pid} that held it (since ${owner.startedAt}) is no longer running`);
      await fsp.rm(file, { force: true });
      continue;
    }
    throw new ExternalError(`another amu run is writing the export folder ${path.resolve(exportDir)}: it holds the lock ${file}`, [
      owner.pid > 0 ? `Held by process ${owner.pid} on host ${owner.host} since ${owner.startedAt}.` : 'The lock file cannot be read.',
      'Wait for that run to end. If you are sure no amu runs (e.g. the other host is down), remove the lock file by hand.',
    ]);
  }
  throw new ExternalError(`cannot take the lock ${file} of the export folder: other runs keep taking it`);
}
