// The export's second pass over an Edge cassandra-cli dump on worker threads: chunks of whole lines out, rendered KVMs back in dump order.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { InputError, KeyError } from '../../errors.js';
import type { KvmDescriptor } from '../source.js';
import type { ChunkJob, ChunkResult, RenderedRow, WorkerError, WorkerSetup } from './protocol.js';
import { chunkContext, renderChunk } from './renderChunk.js';

/** Set by the bundler (scripts/bundle.mjs) to the worker's own bundled code; undefined when running from dist/. */
declare const AMU_EDGE_WORKER_SOURCE: string | undefined;

/** One KVM of the second pass, already in the target's text (UTF-8), or why it could not be decrypted. */
export type RenderedItem =
  | { kind: 'kvm'; descriptor: KvmDescriptor; entries: number; text: Uint8Array }
  | { kind: 'failed'; descriptor: KvmDescriptor; reason: string };

/** One KVM of the second pass of `kvms verify`: its entry count and keyed content digest, or why it could not be decrypted. */
export type DigestedItem =
  | { kind: 'digest'; descriptor: KvmDescriptor; entries: number; digest: string }
  | { kind: 'failed'; descriptor: KvmDescriptor; reason: string };

const CHUNK_BYTES = 1024 * 1024;
/** Chunks read between two turns of the event loop. */
const CHUNKS_PER_TURN = 8;
const LF = 0x0a;

/** The worker's code: the bundle's embedded copy, or the compiled module beside this one (absent when run from the TypeScript sources). */
function workerScript(): { script: string | URL; eval: boolean } | undefined {
  if (typeof AMU_EDGE_WORKER_SOURCE !== 'undefined') return { script: AMU_EDGE_WORKER_SOURCE, eval: true };
  const url = new URL('./edgeWorker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? { script: url, eval: false } : undefined;
}

/**
 * A worker's young generation: a chunk's garbage is a few megabytes, and V8's default (tens of megabytes per
 * thread) only adds to the peak RSS (verify of 100k KVMs with one worker: 303-325 MB -> 270-294 MB, as fast).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 16 };

/** Worker threads to start: `requested`, else as many as pay on this machine (0: the pass runs on the main thread). */
export function exportThreads(requested?: number): number {
  if (workerScript() === undefined || requested === 0) return 0;
  if (requested !== undefined) return requested;
  // The main thread (reading, and rendering when there are no workers) and the file writer thread keep two cores busy
  // already: on two cores, workers only take turns with them (measured slower). Workers pay from four cores up.
  const cores = os.availableParallelism();
  return cores < 4 ? 0 : Math.min(cores - 2, 4);
}

function rebuild(error: WorkerError): Error {
  if (error.kind === 'InputError') return new InputError(error.message, error.details);
  if (error.kind === 'KeyError') return new KeyError(error.message, error.details);
  const err = new Error(`in an export worker thread: ${error.message}`);
  if (error.stack !== undefined) err.stack = error.stack;
  return err;
}

/**
 * Reads `file` in chunks that end at a line end, into buffers from `take`; a line longer than a buffer grows it.
 * Each chunk comes with its first line's number.
 */
async function* lineChunks(file: string, take: (bytes: number) => ArrayBuffer): AsyncGenerator<Omit<ChunkJob, 'seq'>> {
  // Read synchronously (a copy from the page cache, cheaper than a round trip through the thread pool); the event
  // loop gets a turn every few chunks (signals, the writer thread's replies).
  const fd = openSync(file, 'r');
  try {
    /** Bytes after the last line end of the previous chunk. */
    let carry = Buffer.alloc(0);
    let lineNo = 1;
    for (let n = 1; ; n++) {
      if (n % CHUNKS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      let bytes = Buffer.from(take(Math.max(CHUNK_BYTES, carry.length * 2)));
      carry.copy(bytes, 0);
      let filled = carry.length;
      let eof = false;
      let cut = 0;
      for (;;) {
        const bytesRead = readSync(fd, bytes, filled, bytes.length - filled, null);
        filled += bytesRead;
        if (bytesRead === 0) {
          eof = true;
          cut = filled;
          break;
        }
        if (filled < bytes.length) continue;
        cut = bytes.lastIndexOf(LF, filled - 1) + 1;
        if (cut > 0) break;
        const bigger = Buffer.from(new ArrayBuffer(bytes.length * 2));
        bytes.copy(bigger, 0, 0, filled);
        bytes = bigger;
      }
      carry = Buffer.from(bytes.subarray(cut, filled));
      if (cut > 0) {
        const lines = countLines(bytes, cut);
        yield { firstLine: lineNo, buffer: bytes.buffer as ArrayBuffer, length: cut };
        lineNo += lines;
      }
      if (eof) return;
    }
  } finally {
    closeSync(fd);
  }
}

/** Buffers given back for reuse (at most `keep`, the largest kept): memory stays that of the chunks in flight. */
class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  constructor(private readonly keep: number) {}

  /** A buffer of at least `bytes` (a new one when none is free and `create`). */
  take(bytes: number): ArrayBuffer;
  take(bytes: number, create: false): ArrayBuffer | undefined;
  take(bytes: number, create = true): ArrayBuffer | undefined {
    const i = this.free.findIndex((b) => b.byteLength >= bytes);
    if (i >= 0) return this.free.splice(i, 1)[0];
    return create ? new ArrayBuffer(bytes) : undefined;
  }

  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0) return;
    this.free.push(buffer);
    if (this.free.length > this.keep) {
      this.free.sort((a, b) => b.byteLength - a.byteLength);
      this.free.length = this.keep;
    }
  }
}

function countLines(bytes: Buffer, end: number): number {
  let n = 0;
  let at = bytes.indexOf(LF, 0);
  while (at !== -1 && at < end) {
    n++;
    at = bytes.indexOf(LF, at + 1);
  }
  return n;
}

/**
 * The second pass of an Edge cassandra-cli dump on `threads` worker threads: every KVM `setup.wanted` names,
 * decrypted and rendered for the target, in dump order, a batch per chunk. An error a worker meets is thrown as the same kind of error.
 */
export async function* renderEdgeDump(file: string, setup: WorkerSetup, threads: number): AsyncGenerator<(RenderedItem | DigestedItem)[]> {
  if (threads === 0) {
    yield* renderOnThisThread(file, setup);
    return;
  }
  const spec = workerScript();
  if (spec === undefined) throw new Error('internal: no export worker code in this build');
  const workers = Array.from({ length: threads }, () => new Worker(spec.script, { eval: spec.eval, workerData: setup, resourceLimits: WORKER_LIMITS }));
  const maxInFlight = threads * 2;
  const chunkBuffers = new BufferPool(maxInFlight + 1);
  const textBuffers = new BufferPool(maxInFlight + 1);
  const results = new Map<number, ChunkResult>();
  let failure: unknown;
  let finished = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  for (const worker of workers) {
    worker.on('message', (result: ChunkResult) => {
      results.set(result.seq, result);
      notify();
    });
    worker.on('error', (err) => {
      failure ??= err;
      notify();
    });
    worker.on('exit', (code) => {
      if (!finished) failure ??= new Error(`internal: an export worker thread ended (exit code ${code})`);
      notify();
    });
  }
  try {
    const chunks = lineChunks(file, (bytes) => chunkBuffers.take(bytes));
    let sent = 0;
    let next = 0;
    let readAll = false;
    for (;;) {
      while (!readAll && sent - next < maxInFlight) {
        const chunk = await chunks.next();
        if (chunk.done) {
          readAll = true;
          break;
        }
        const reuse = textBuffers.take(chunk.value.length + (chunk.value.length >> 1), false);
        const job: ChunkJob = { seq: sent, ...chunk.value, ...(reuse ? { reuse } : {}) };
        workers[sent % threads]!.postMessage(job, reuse ? [job.buffer, reuse] : [job.buffer]);
        sent++;
      }
      if (next === sent) return;
      while (!results.has(next)) {
        if (failure !== undefined) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const result = results.get(next)!;
      results.delete(next);
      next++;
      chunkBuffers.give(result.buffer);
      if (result.error) throw rebuild(result.error);
      yield itemsOf(result.rows, result.text);
      // The batch has been written (copied to the writer): its text buffer can take another chunk's.
      textBuffers.give(result.text);
    }
  } finally {
    finished = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function itemsOf(rows: RenderedRow[], text: ArrayBuffer): (RenderedItem | DigestedItem)[] {
  return rows.map((row) => {
    if (row.kind === 'failed') return { kind: 'failed', descriptor: row.descriptor, reason: row.reason ?? 'failed' };
    if (row.digest !== undefined) return { kind: 'digest', descriptor: row.descriptor, entries: row.entries, digest: row.digest };
    return { kind: 'kvm', descriptor: row.descriptor, entries: row.entries, text: new Uint8Array(text, row.start, row.end - row.start) };
  });
}

/** The same pass without worker threads (one core, `--export-threads 0`, or no worker code in this build). */
async function* renderOnThisThread(file: string, setup: WorkerSetup): AsyncGenerator<(RenderedItem | DigestedItem)[]> {
  const context = chunkContext(setup);
  const chunkBuffers = new BufferPool(2);
  let spareText: ArrayBuffer | undefined;
  for await (const chunk of lineChunks(file, (bytes) => chunkBuffers.take(bytes))) {
    const { rows, text } = renderChunk(context, Buffer.from(chunk.buffer, 0, chunk.length), chunk.firstLine, spareText);
    chunkBuffers.give(chunk.buffer);
    yield itemsOf(rows, text);
    spareText = text;
  }
}
