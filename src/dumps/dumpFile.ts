// The one durable dump writer: a dump streams into a private temporary file beside its final name, counted and hashed
// on the way; a complete, checked dump is synced and renamed into place (its folder synced too); anything else is removed.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { FILE_MODE, temporaryNameFor } from '../fs/secureFs.js';
import { HashingCounter } from './hashingCounter.js';

export class DumpFile {
  readonly tempPath: string;
  /** Where the dump's bytes go: counted and hashed on their way to the temporary file. */
  readonly input: HashingCounter;
  private readonly sink: WriteStream;
  /** The first write error of the file; later writes and `close` fail with it. */
  private failure: Error | undefined;

  private constructor(
    readonly finalPath: string,
    onBytes?: (bytes: number) => void,
  ) {
    this.tempPath = temporaryNameFor(finalPath);
    this.input = new HashingCounter(onBytes);
    this.sink = createWriteStream(this.tempPath, { mode: FILE_MODE, flags: 'wx' });
    // A failing file (disk full) fails the input too, so a writer waiting for 'drain' hears of it.
    this.sink.on('error', (err) => {
      this.failure ??= err;
      this.input.destroy(err);
    });
    this.input.on('error', (err) => {
      this.failure ??= err;
    });
    this.input.pipe(this.sink);
  }

  /** Opens the temporary file (0600, created new) for the dump that will be `finalPath`. */
  static async create(finalPath: string, onBytes?: (bytes: number) => void): Promise<DumpFile> {
    const file = new DumpFile(finalPath, onBytes);
    await once(file.sink, 'ready');
    return file;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.input.bytes;
  }

  /** The hex SHA-256 of the whole dump (once, after `close`). */
  digest(): string {
    return this.input.digest();
  }

  /** Writes `text` to the dump, waiting when the file is behind. */
  async write(text: string | Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.input.write(text)) await once(this.input, 'drain');
  }

  /** Ends the dump and waits until every byte is on disk. */
  async close(): Promise<void> {
    if (this.failure) throw this.failure;
    this.input.end();
    await finished(this.sink);
    await syncPath(this.tempPath);
  }

  /** Puts the closed, checked dump in place (replacing an older one) and makes the rename durable. */
  async commit(): Promise<void> {
    await rename(this.tempPath, this.finalPath);
    await syncPath(path.dirname(this.finalPath));
  }

  /** Stops writing and removes the temporary file; safe after a failure and twice. */
  async discard(): Promise<void> {
    this.input.unpipe(this.sink);
    this.sink.destroy();
    this.input.destroy();
    await rm(this.tempPath, { force: true });
  }
}

/** fsync of a file or folder; some file systems cannot sync a folder, which is then skipped. */
async function syncPath(target: string): Promise<void> {
  const handle = await open(target, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
