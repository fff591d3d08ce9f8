// Private files and folders (0600/0700), atomic writes by temporary name and rename, and a staging folder committed whole.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { tempNameFor } from '../dumps/leftovers.js';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Creates `dir` and missing parents with mode 0700; folders that exist already are left as they are. */
export async function mkdirPrivate(dir: string): Promise<void> {
  const firstCreated = await fsp.mkdir(dir, { recursive: true, mode: DIR_MODE });
  if (firstCreated === undefined) return;
  // mkdir's mode is reduced by the umask; set it exactly on every folder this call created.
  let current = path.resolve(dir);
  const stop = path.resolve(firstCreated);
  for (;;) {
    await fsp.chmod(current, DIR_MODE);
    if (current === stop) break;
    current = path.dirname(current);
  }
}

/** A temporary name beside `finalPath` that no other run uses, and that says which process made it (leftovers.ts). */
export function temporaryNameFor(finalPath: string): string {
  return tempNameFor(finalPath, 'tmp');
}

/** Makes a rename in `dir` durable; a file system that cannot fsync a folder is skipped. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

/**
 * Writes `data` (or its pieces, in order: each is written out before the next is asked for, so a piece may be a
 * reused buffer) to a temporary name (0600 unless told), flushes it and renames it to `finalPath`.
 */
export async function writeFileAtomic(finalPath: string, data: string | Uint8Array | Iterable<string | Uint8Array>, mode = FILE_MODE): Promise<void> {
  const tmp = temporaryNameFor(finalPath);
  const handle = await fsp.open(tmp, 'wx', mode);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
    else for (const piece of data) await handle.writeFile(piece);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await fsp.rename(tmp, finalPath);
  await syncDir(path.dirname(finalPath));
}

/** True when `dir` does not exist or holds nothing. */
export async function isMissingOrEmpty(dir: string): Promise<boolean> {
  try {
    return (await fsp.readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * A folder built under a temporary name beside its final place and moved there in one rename when complete,
 * so a failed run never leaves a half tree where the final one belongs.
 */
export class StagingDir {
  private constructor(
    readonly finalDir: string,
    readonly dir: string,
  ) {}

  static async create(finalDir: string): Promise<StagingDir> {
    const absolute = path.resolve(finalDir);
    await mkdirPrivate(path.dirname(absolute));
    const dir = tempNameFor(absolute, 'staging');
    await fsp.mkdir(dir, { mode: DIR_MODE });
    await fsp.chmod(dir, DIR_MODE);
    return new StagingDir(absolute, dir);
  }

  /** Moves the staging folder into place. An existing non-empty folder is replaced whole only when `replace`. */
  async commit(replace: boolean): Promise<void> {
    if (await isMissingOrEmpty(this.finalDir)) {
      await fsp.rmdir(this.finalDir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
      });
      await fsp.rename(this.dir, this.finalDir);
      await syncDir(path.dirname(this.finalDir));
      return;
    }
    if (!replace) throw new Error(`${this.finalDir} is not empty`);
    const old = tempNameFor(this.finalDir, 'old');
    await fsp.rename(this.finalDir, old);
    await fsp.rename(this.dir, this.finalDir);
    await syncDir(path.dirname(this.finalDir));
    await fsp.rm(old, { recursive: true, force: true });
  }

  /** Removes the staging folder and everything in it. */
  async abort(): Promise<void> {
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}
