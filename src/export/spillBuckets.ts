// Spill buckets: binary records appended to N private temp files by a hash, read back one bucket at a time, removed when done.
//
// Used by the hybrid source to regroup rows that a dump scatters (Cassandra token order) without
// holding the dump in memory: memory follows the largest bucket, not the dump. The folder is
// created with mode 0700 and every file with mode 0600; `dispose()` removes them all. Records are
// written into a per-bucket buffer (writers fill `buffer(b)` from `used(b)` after `reserve`) and
// appended to the bucket's file when it is full.

import { appendFileSync, closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** All bucket buffers together hold about this many bytes before being written out. */
const TOTAL_BUFFER_BYTES = 2 * 1024 * 1024;
const MIN_BUFFER_BYTES = 4 * 1024;
const MAX_BUFFER_BYTES = 256 * 1024;

/** FNV-1a over the UTF-16 code units of `text`: a cheap, stable 32-bit hash. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The bucket (0..count-1) of a grouping key. */
export function bucketOf(groupKey: string, count: number): number {
  return fnv1a32(groupKey) % count;
}

/** How many buckets `totalBytes` needs at `bucketBytes` each: at least 1, never more than `maxBuckets`. */
export function bucketCount(totalBytes: number, bucketBytes: number, maxBuckets: number): number {
  const wanted = Math.ceil(totalBytes / Math.max(1, bucketBytes));
  return Math.max(1, Math.min(wanted, Math.max(1, maxBuckets)));
}

/** N append-only binary files in a private temp folder. */
export class SpillBuckets {
  private readonly buffers: (Buffer | null)[];
  private readonly usedBytes: Int32Array;
  private readonly bufferBytes: number;

  private constructor(
    /** The private folder holding the bucket files. */
    readonly dir: string,
    readonly count: number,
  ) {
    this.buffers = new Array<Buffer | null>(count).fill(null);
    this.usedBytes = new Int32Array(count);
    this.bufferBytes = Math.max(MIN_BUFFER_BYTES, Math.min(MAX_BUFFER_BYTES, Math.floor(TOTAL_BUFFER_BYTES / count)));
  }

  /** Creates the private folder (under `parent`, default the OS temp folder). */
  static async create(count: number, parent?: string): Promise<SpillBuckets> {
    const dir = await mkdtemp(path.join(parent ?? os.tmpdir(), 'amu-spill-'));
    await chmod(dir, DIR_MODE);
    return new SpillBuckets(dir, count);
  }

  /** The file of bucket `bucket`. */
  fileOf(bucket: number): string {
    return path.join(this.dir, `bucket-${bucket}.bin`);
  }

  /**
   * Makes room for `bytes` more bytes in a bucket's buffer (writing it out first when full). Returns a
   * promise only when it writes (await it before filling the buffer), so the common case costs no promise.
   */
  reserve(bucket: number, bytes: number): Promise<void> | undefined {
    const buffer = this.buffers[bucket];
    if (buffer !== null && buffer !== undefined && this.usedBytes[bucket]! + bytes <= buffer.length) return undefined;
    if (buffer === null || buffer === undefined || this.usedBytes[bucket] === 0) {
      this.buffers[bucket] = Buffer.allocUnsafe(Math.max(this.bufferBytes, bytes));
      return undefined;
    }
    return this.flushBucket(bucket).then(() => {
      if (this.buffers[bucket]!.length < bytes) this.buffers[bucket] = Buffer.allocUnsafe(bytes);
    });
  }

  /**
   * Like `reserve`, writing a full buffer out synchronously (for a caller that cannot wait: the rows of a dump
   * scan come in synchronous calls; the writes go to the page cache).
   */
  reserveSync(bucket: number, bytes: number): void {
    const buffer = this.buffers[bucket];
    if (buffer !== null && buffer !== undefined && this.usedBytes[bucket]! + bytes <= buffer.length) return;
    if (buffer === null || buffer === undefined || this.usedBytes[bucket] === 0) {
      this.buffers[bucket] = Buffer.allocUnsafe(Math.max(this.bufferBytes, bytes));
      return;
    }
    const used = this.usedBytes[bucket]!;
    this.usedBytes[bucket] = 0;
    appendFileSync(this.fileOf(bucket), buffer.subarray(0, used), { mode: FILE_MODE });
    if (buffer.length < bytes) this.buffers[bucket] = Buffer.allocUnsafe(bytes);
  }

  /** The buffer of a bucket: write a record at `used(bucket)`, then `advance`. Only after `reserve`. */
  buffer(bucket: number): Buffer {
    return this.buffers[bucket]!;
  }

  used(bucket: number): number {
    return this.usedBytes[bucket]!;
  }

  advance(bucket: number, bytes: number): void {
    this.usedBytes[bucket]! += bytes;
  }

  /** Writes out every buffered record. */
  async flush(): Promise<void> {
    for (let b = 0; b < this.count; b++) await this.flushBucket(b);
  }

  /** The whole content of a bucket (empty when nothing was appended to it); call after `flush()`. */
  async bytes(bucket: number): Promise<Buffer> {
    if (this.usedBytes[bucket] !== 0) throw new Error(`spill bucket ${bucket} read before it was flushed`);
    try {
      return await readFile(this.fileOf(bucket));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return Buffer.alloc(0);
    }
  }

  /**
   * The same, read into `reuse` when it is large enough (else into a new `space`, to give to the next call): the
   * buckets of one read share one buffer instead of each being a new allocation of megabytes.
   */
  bytesInto(bucket: number, reuse: Buffer): { bytes: Buffer; space: Buffer } {
    if (this.usedBytes[bucket] !== 0) throw new Error(`spill bucket ${bucket} read before it was flushed`);
    let fd: number;
    try {
      fd = openSync(this.fileOf(bucket), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return { bytes: reuse.subarray(0, 0), space: reuse };
    }
    try {
      const size = fstatSync(fd).size;
      const buffer = reuse.length >= size ? reuse : Buffer.allocUnsafe(Math.max(size, reuse.length * 2));
      let filled = 0;
      while (filled < size) {
        const n = readSync(fd, buffer, filled, size - filled, filled);
        if (n === 0) throw new Error(`spill bucket ${bucket} is shorter than its size`);
        filled += n;
      }
      return { bytes: buffer.subarray(0, size), space: buffer };
    } finally {
      closeSync(fd);
    }
  }

  /** Deletes one bucket's file (frees its disk space early). */
  async remove(bucket: number): Promise<void> {
    this.buffers[bucket] = null;
    await rm(this.fileOf(bucket), { force: true });
  }

  /** Deletes every bucket file and the folder. */
  async dispose(): Promise<void> {
    this.buffers.fill(null);
    this.usedBytes.fill(0);
    await rm(this.dir, { recursive: true, force: true });
  }

  private async flushBucket(bucket: number): Promise<void> {
    const used = this.usedBytes[bucket]!;
    if (used === 0) return;
    this.usedBytes[bucket] = 0;
    await appendFile(this.fileOf(bucket), this.buffers[bucket]!.subarray(0, used), { mode: FILE_MODE });
  }
}
