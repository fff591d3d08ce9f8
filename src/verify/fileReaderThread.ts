// The files of an export tree read by a second thread, in order, in batches: the main thread parses and digests meanwhile.
//
// Opening, reading and closing 100k small files is most of the wall time of reading an apigeecli tree; a thread does
// those system calls while the main thread works on the files already read. The thread packs whole files into 1 MB
// batches (a larger file gets a batch of its own) and stops when the batches not yet taken reach a few megabytes.
// The 1 MB batches are slots of one ring of memory both threads share, used in turn: no buffer per batch.
// A file it cannot read is marked, not thrown: the caller reads it again itself, and its error names the file as before.
// The thread's code is a string (no file to find): it runs the same from dist/, the single-file bundle and the SEA binary.
import { Worker } from 'node:worker_threads';

/** Batches read ahead and not yet taken, at most. */
const AHEAD = 4;
/** Bytes of a batch (a slot of the ring). */
const BATCH = 1024 * 1024;
/** Slots of the ring: those read ahead, and the one being filled. */
const SLOTS = AHEAD + 1;

const THREAD_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const { paths, credits, ring } = workerData;
const pathBytes = Buffer.from(paths.buffer, paths.byteOffset, paths.length);
const BATCH = ${BATCH};
const SLOTS = ${SLOTS};
let slot = 0;
let buf = new Uint8Array(ring, 0, BATCH);
let used = 0;
let spans = [];
function waitForRoom() {
  while (Atomics.load(credits, 0) <= 0) Atomics.wait(credits, 0, 0);
  Atomics.sub(credits, 0, 1);
}
function flush() {
  if (spans.length === 0) return;
  waitForRoom();
  parentPort.postMessage({ slot, spans });
  slot = (slot + 1) % SLOTS;
  buf = new Uint8Array(ring, slot * BATCH, BATCH);
  used = 0;
  spans = [];
}
function readInto(fd, target, at, size) {
  let got = 0;
  while (got < size) {
    const n = fs.readSync(fd, target, at + got, size - got, null);
    if (n === 0) break;
    got += n;
  }
  return got;
}
for (let from = 0; from < pathBytes.length; ) {
  let to = pathBytes.indexOf(0, from);
  if (to < 0) to = pathBytes.length;
  const path = pathBytes.toString('utf8', from, to);
  from = to + 1;
  let fd = -1;
  try {
    fd = fs.openSync(path, 'r');
    const size = fs.fstatSync(fd).size;
    if (size > BATCH - used) flush();
    if (size > BATCH) {
      const own = new Uint8Array(size);
      const got = readInto(fd, own, 0, size);
      waitForRoom();
      parentPort.postMessage({ buffer: own.buffer, spans: [0, got] }, [own.buffer]);
    } else {
      const got = readInto(fd, buf, used, size);
      spans.push(used, used + got);
      used += got;
    }
  } catch {
    spans.push(-1, -1);
  } finally {
    if (fd >= 0) try { fs.closeSync(fd); } catch {}
  }
}
flush();
parentPort.postMessage('done');
`;

/** A batch as the thread posts it: a slot of the ring, or a buffer of its own (a file larger than a slot). */
type Posted = { slot: number; spans: number[] } | { buffer: ArrayBuffer; spans: number[] };

interface Batch {
  buffer: ArrayBufferLike;
  offset: number;
  spans: number[];
}

/**
 * The paths as UTF-8, each ended by a NUL (which no path holds), in memory both threads share: 100k paths are then
 * neither 100k strings in the thread nor copied to it.
 */
function sharedPaths(base: string, paths: readonly string[]): Uint8Array {
  const baseBytes = Buffer.byteLength(base);
  let size = 0;
  for (const p of paths) size += baseBytes + Buffer.byteLength(p) + 1;
  const shared = Buffer.from(new SharedArrayBuffer(size));
  let at = 0;
  for (const p of paths) {
    at += shared.write(base, at);
    at += shared.write(p, at);
    shared[at++] = 0;
  }
  return new Uint8Array(shared.buffer, 0, size);
}

/** The files `base` + each of `paths`, read ahead by a thread, taken one by one in the same order. */
export class FileReaderThread {
  private readonly worker: Worker;
  private readonly credits = new Int32Array(new SharedArrayBuffer(4));
  private readonly ring = new SharedArrayBuffer(SLOTS * BATCH);
  private readonly batches: Batch[] = [];
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;
  private batch: Batch | undefined;
  private at = 0;
  private finished = false;

  /** `base` is put before each path as it is (no path string is built for each file). */
  constructor(paths: readonly string[], base = '') {
    Atomics.store(this.credits, 0, AHEAD);
    this.worker = new Worker(THREAD_CODE, { eval: true, workerData: { paths: sharedPaths(base, paths), credits: this.credits, ring: this.ring } });
    this.worker.on('message', (m: Posted | 'done') => {
      if (m === 'done') this.finished = true;
      else if ('slot' in m) this.batches.push({ buffer: this.ring, offset: m.slot * BATCH, spans: m.spans });
      else this.batches.push({ buffer: m.buffer, offset: 0, spans: m.spans });
      this.wake();
    });
    this.worker.on('error', (err) => {
      this.failure = err;
      this.wake();
    });
    this.worker.on('exit', () => {
      if (!this.finished) this.failure ??= new Error('internal: the file reader thread ended early');
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  /**
   * The next file's bytes, or undefined when the thread could not read it (read it again to get the error). The
   * bytes are the thread's to reuse after the next call: use them before.
   */
  async next(): Promise<Buffer | undefined> {
    while (!this.batch || this.at >= this.batch.spans.length) {
      if (this.batch) {
        // A batch is done with: the thread may read one more ahead.
        Atomics.add(this.credits, 0, 1);
        Atomics.notify(this.credits, 0);
        this.batch = undefined;
      }
      const ready = this.batches.shift();
      if (ready) {
        this.batch = ready;
        this.at = 0;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.finished) throw new Error('internal: more files taken than were given to the reader thread');
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
    const start = this.batch.spans[this.at]!;
    const end = this.batch.spans[this.at + 1]!;
    this.at += 2;
    return start < 0 ? undefined : Buffer.from(this.batch.buffer, this.batch.offset + start, end - start);
  }

  /** Stops the thread (also when not every file was taken). */
  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    // A thread waiting for room is woken first, so that it does not sit in Atomics.wait while it is stopped.
    Atomics.store(this.credits, 0, 1 << 30);
    Atomics.notify(this.credits, 0);
    await this.worker.terminate();
  }
}
