// Private files and folders (0600/0700), atomic writes by temporary name and rename, and a staging folder committed whole.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

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

/** A temporary name beside `finalPath` that no other run uses. */
export function temporaryNameFor(finalPath: string): string {
  const dir = path.dirname(finalPath);
  return path.join(dir, `.${path.basename(finalPath)}.amu-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Writes `data` to a temporary name (0600 unless told), flushes it and renames it to `finalPath`. */
export async function writeFileAtomic(finalPath: string, data: string | Uint8Array, mode = FILE_MODE): Promise<void> {
  const tmp = temporaryNameFor(finalPath);
  const handle = await fsp.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await fsp.rename(tmp, finalPath);
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
    const dir = temporaryNameFor(absolute);
    await fsp.mkdir(dir, { mode: DIR_MODE });
    await fsp.chmod(dir, DIR_MODE);
    return new StagingDir(absolute, dir);
  }

  /** Moves the staging folder into place. An existing non-empty folder is replaced whole only when `replace`. */
  async commit(replace: boolean): Promise<void> {
    if (await isMissingOrEmpty(this.finalDir)) {
      await fsp.rm(this.finalDir, { recursive: true, force: true });
      await fsp.rename(this.dir, this.finalDir);
      return;
    }
    if (!replace) throw new Error(`${this.finalDir} is not empty`);
    const old = temporaryNameFor(`${this.finalDir}-old`);
    await fsp.rename(this.finalDir, old);
    await fsp.rename(this.dir, this.finalDir);
    await fsp.rm(old, { recursive: true, force: true });
  }

  /** Removes the staging folder and everything in it. */
  async abort(): Promise<void> {
    await fsp.rm(this.dir, { recursive: true, force: true });
  }
}
