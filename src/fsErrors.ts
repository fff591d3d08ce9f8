// The one mapping of file-system errors (ENOSPC, EACCES, ENOTDIR...) to amu's typed errors: path and cause named, exit 2 or 5, never 1.
import { AmuError, ExternalError, UsageError } from './errors.js';

/** A Node.js system error: `code` and `syscall` set by the fs layer, `path` (and `dest`) when one was involved. */
function asSystemError(err: unknown): (NodeJS.ErrnoException & { dest?: string }) | undefined {
  // Not `instanceof Error`: errors of Node's internals may come from another realm (vm contexts, test runners).
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as NodeJS.ErrnoException & { dest?: string };
  return typeof e.code === 'string' && typeof e.syscall === 'string' ? e : undefined;
}

/** Bad paths the user gave (exit 2), and what the machine refuses (exit 5: disk, permissions, limits). */
const USER_PATH: Record<string, string> = {
  ENOENT: 'does not exist (or a folder on its way does not)',
  ENOTDIR: 'has a file where a folder is expected on its way',
  EISDIR: 'is a folder where a file is expected',
  ENAMETOOLONG: 'is too long a name for the file system (a name may have 255 bytes, a path 4096)',
  EEXIST: 'already exists',
  ELOOP: 'has too many symbolic links on its way',
  EXDEV: 'is on another file system than the folder it must be moved into',
};
const ENVIRONMENT: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files in amu (raise "ulimit -n")',
  ENFILE: 'too many open files on this machine',
  EIO: 'an input/output error of the device',
  EBUSY: 'the file or folder is busy',
};

/**
 * The typed error for a file-system error that reached the top without one, or undefined when it is not one
 * (then it is a bug, exit 1). Nothing half-written is kept by amu's writers, which the hint says.
 */
export function fsErrorToAmu(err: unknown): AmuError | undefined {
  if (err instanceof AmuError) return err;
  const e = asSystemError(err);
  if (!e) return undefined;
  const where = e.path ? `${e.path}${e.dest ? ` -> ${e.dest}` : ''}` : 'a path';
  const details = [`(${e.code} in ${e.syscall}; nothing half-written was kept)`];
  const code = e.code!;
  if (code === 'EEXIST' && e.syscall === 'mkdir') return new UsageError(`${where} exists and is not a folder`, details, { cause: err });
  if (code in USER_PATH) return new UsageError(`${where} ${USER_PATH[code]}`, details, { cause: err });
  if (code in ENVIRONMENT) {
    return new ExternalError(e.path ? `cannot use ${where}: ${ENVIRONMENT[code]}` : `cannot ${e.syscall}: ${ENVIRONMENT[code]}`, details, { cause: err });
  }
  return undefined;
}
