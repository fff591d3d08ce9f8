// Spill buckets: rows appended to N private temp files by a hash, read back one bucket at a time, removed when done.
//
// Used by the hybrid source to regroup rows that a dump scatters (Cassandra token order) without
// holding the dump in memory: memory follows the largest bucket, not the dump. The folder is
// created with mode 0700 and every file with mode 0600; `dispose()` removes them all.

import { createReadStream } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readLines } from '../dumps/lines.js';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
/** A bucket's buffered text is written out once it reaches this many characters. */
const BUCKET_FLUSH_CHARS = 256 * 1024;
/** All buffers are written out once together they reach this many characters. */
const TOTAL_FLUSH_CHARS = 2 * 1024 * 1024;

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

/** N append-only text files in a private temp folder, each line one record. */
export class SpillBuckets {
  private readonly buffers: string[][];
  private readonly bufferedChars: number[];
  private totalBuffered = 0;

  private constructor(
    /** The private folder holding the bucket files. */
    readonly dir: string,
    readonly count: number,
  ) {
    this.buffers = Array.from({ length: count }, () => []);
    this.bufferedChars = new Array<number>(count).fill(0);
  }

  /** Creates the private folder (under `parent`, default the OS temp folder). */
  static async create(count: number, parent?: string): Promise<SpillBuckets> {
    const dir = await mkdtemp(path.join(parent ?? os.tmpdir(), 'amu-spill-'));
    await chmod(dir, DIR_MODE);
    return new SpillBuckets(dir, count);
  }

  /** The file of bucket `bucket`. */
  fileOf(bucket: number): string {
    return path.join(this.dir, `bucket-${bucket}.jsonl`);
  }

  /**
   * Appends one line (without its newline) to a bucket; written out in batches. Returns a promise only when
   * it writes (await it before the next append), so the common case costs no promise.
   */
  append(bucket: number, line: string): Promise<void> | undefined {
    this.buffers[bucket]!.push(line, '\n');
    this.bufferedChars[bucket]! += line.length + 1;
    this.totalBuffered += line.length + 1;
    if (this.bufferedChars[bucket]! >= BUCKET_FLUSH_CHARS) return this.flushBucket(bucket);
    if (this.totalBuffered >= TOTAL_FLUSH_CHARS) return this.flush();
    return undefined;
  }

  /** Writes out every buffered line. */
  async flush(): Promise<void> {
    for (let b = 0; b < this.count; b++) await this.flushBucket(b);
  }

  /** Streams the lines of a bucket (none when nothing was appended to it); call after `flush()`. */
  async *lines(bucket: number): AsyncIterable<string> {
    if (this.buffers[bucket]!.length > 0) throw new Error(`spill bucket ${bucket} read before it was flushed`);
    let stream;
    try {
      stream = createReadStream(this.fileOf(bucket));
      for await (const line of readLines(stream, { source: this.fileOf(bucket) })) yield line.text;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    } finally {
      stream?.destroy();
    }
  }

  /** The whole text of a bucket ('' when nothing was appended to it); call after `flush()`. */
  async text(bucket: number): Promise<string> {
    if (this.buffers[bucket]!.length > 0) throw new Error(`spill bucket ${bucket} read before it was flushed`);
    try {
      return await readFile(this.fileOf(bucket), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return '';
    }
  }

  /** Deletes one bucket's file (frees its disk space early). */
  async remove(bucket: number): Promise<void> {
    await rm(this.fileOf(bucket), { force: true });
  }

  /** Deletes every bucket file and the folder. */
  async dispose(): Promise<void> {
    this.buffers.forEach((_, b) => this.dropBuffer(b));
    await rm(this.dir, { recursive: true, force: true });
  }

  private async flushBucket(bucket: number): Promise<void> {
    const parts = this.buffers[bucket]!;
    if (parts.length === 0) return;
    const text = parts.join('');
    this.dropBuffer(bucket);
    await appendFile(this.fileOf(bucket), text, { encoding: 'utf8', mode: FILE_MODE });
  }

  private dropBuffer(bucket: number): void {
    this.totalBuffered -= this.bufferedChars[bucket]!;
    this.buffers[bucket] = [];
    this.bufferedChars[bucket] = 0;
  }
}
