// The one durable dump writer of every reader: hidden temporary name, write, fsync the file, rename, fsync the folder.
import { createHash } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { FILE_MODE } from '../fs/secureFs.js';
import { tempNameFor } from './leftovers.js';

export interface DumpWritten {
  file: string;
  bytes: number;
  sha256: string;
}

/** Makes a rename in `dir` durable; a file system that cannot fsync a folder is skipped. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

/**
 * A dump written under a hidden name that tells which amu process writes it (see leftovers.ts), counted and
 * hashed as it goes. Nothing appears under the final name until `seal()` and `commit()` (or `finish()`), so a
 * failed or killed run never leaves a file that looks complete, and never replaces an earlier good dump.
 */
export class DurableDumpWriter {
  private readonly hash = createHash('sha256');
  private state: 'open' | 'sealed' | 'committed' | 'aborted' = 'open';
  bytes = 0;
  private digestHex: string | undefined;
  /** The first failed write of the stream sink (disk full...): reported by `seal()`, so a producer is never blocked. */
  private sinkError: unknown;

  private constructor(
    private readonly handle: FileHandle,
    readonly tempPath: string,
    readonly finalPath: string,
  ) {}

  static async create(finalPath: string): Promise<DurableDumpWriter> {
    const tempPath = tempNameFor(finalPath, 'partial');
    const handle = await open(tempPath, 'wx', FILE_MODE);
    return new DurableDumpWriter(handle, tempPath, finalPath);
  }

  async write(data: string | Uint8Array): Promise<void> {
    this.expect('open', 'write');
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    try {
      while (offset < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, offset, bytes.length - offset);
        offset += bytesWritten;
      }
    } catch (err) {
      // A write error names no file: name the dump, so the message says where the disk is full.
      const e = err as NodeJS.ErrnoException;
      if (typeof e === 'object' && e !== null && e.path === undefined) e.path = this.finalPath;
      throw err;
    }
    this.hash.update(bytes);
    this.bytes += bytes.length;
  }

  /**
   * A stream sink writing into this dump, for piping a program's stdout; `onBytes` gets the running total. A failed write (disk full) does not
   * stop the stream, which would leave the program blocked on a full pipe: the rest is drained and dropped,
   * and `seal()` throws the failure.
   */
  writable(onBytes: (total: number) => void = () => undefined): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (this.sinkError !== undefined) return done();
        this.write(chunk).then(
          () => {
            onBytes(this.bytes);
            done();
          },
          (err: unknown) => {
            this.sinkError = err;
            done();
          },
        );
      },
    });
  }

  /** Flushes the data to disk and closes the file; it keeps its temporary name until `commit()`. */
  async seal(): Promise<DumpWritten> {
    this.expect('open', 'seal');
    if (this.sinkError !== undefined) throw this.sinkError;
    await this.handle.sync();
    await this.handle.close();
    this.state = 'sealed';
    this.digestHex = this.hash.digest('hex');
    return { file: this.finalPath, bytes: this.bytes, sha256: this.digestHex };
  }

  /** Renames the sealed dump to its final name (replacing an older one) and makes the rename durable. */
  async commit(): Promise<DumpWritten> {
    this.expect('sealed', 'commit');
    await rename(this.tempPath, this.finalPath);
    this.state = 'committed';
    await syncDirectory(path.dirname(this.finalPath));
    return { file: this.finalPath, bytes: this.bytes, sha256: this.digestHex! };
  }

  async finish(): Promise<DumpWritten> {
    await this.seal();
    return this.commit();
  }

  /** Deletes the temporary file; safe to call twice, after a failure, and after a commit (then it does nothing). */
  async abort(): Promise<void> {
    if (this.state === 'committed' || this.state === 'aborted') return;
    if (this.state === 'open') await this.handle.close().catch(() => undefined);
    this.state = 'aborted';
    await rm(this.tempPath, { force: true });
  }

  private expect(state: 'open' | 'sealed', what: string): void {
    if (this.state !== state) throw new Error(`DurableDumpWriter.${what} when the dump is ${this.state}`);
  }
}
