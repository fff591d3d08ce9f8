// Export files written by a second thread, in batches: the main thread decrypts and formats while the kernel creates and fills files.
//
// The main thread encodes text straight into one of a few reused 1 MB buffers; a full buffer goes to the writer
// thread with the operations that use it (create a whole file, open / append / close, make a folder) and comes back
// once they are done. Operations run in the order given. The first failure stops the thread's work and is thrown
// (as the Node.js system error it was: code, syscall, path) by the next call on the main thread, so a failed export
// never reports success; the staging folder it wrote into is then removed by its owner.
// The thread's code is a string (no file to find): it runs the same from dist/, the single-file bundle and the SEA binary.
import { Worker } from 'node:worker_threads';

/** One batch buffer; a text larger than this gets a buffer of its own. */
const BATCH_BYTES = 1024 * 1024;
/** Buffers in use at once: memory held for writing is about this many megabytes. */
const BUFFERS = 4;
/** A batch of this much goes at once when the thread has nothing to do (it starts sooner, and never waits on a full megabyte). */
const IDLE_BATCH_BYTES = 64 * 1024;

type Op =
  | [kind: 'file', path: string, mode: number, start: number, end: number]
  | [kind: 'open', handle: number, path: string, mode: number]
  | [kind: 'append', handle: number, start: number, end: number]
  | [kind: 'close', handle: number]
  | [kind: 'mkdir', path: string, mode: number];

interface Reply {
  buffer: ArrayBuffer;
  error?: { message: string; code?: string; syscall?: string; path?: string; errno?: number };
}

const THREAD_CODE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const fds = new Map();
let failed = false;
function writeAll(fd, bytes, start, end) {
  while (start < end) start += fs.writeSync(fd, bytes, start, end - start);
}
function closeAll() {
  for (const fd of fds.values()) { try { fs.closeSync(fd); } catch {} }
  fds.clear();
}
parentPort.on('message', (batch) => {
  let error;
  if (batch === 'close-all') { closeAll(); parentPort.postMessage('closed'); return; }
  if (!failed) {
    const bytes = new Uint8Array(batch.buffer);
    for (const op of batch.ops) {
      try {
        switch (op[0]) {
          case 'file': {
            const fd = fs.openSync(op[1], 'wx', op[2]);
            try { writeAll(fd, bytes, op[3], op[4]); } finally { fs.closeSync(fd); }
            break;
          }
          case 'open': fds.set(op[1], fs.openSync(op[2], 'wx', op[3])); break;
          case 'append': writeAll(fds.get(op[1]), bytes, op[2], op[3]); break;
          case 'close': { const fd = fds.get(op[1]); fds.delete(op[1]); fs.closeSync(fd); break; }
          case 'mkdir': fs.mkdirSync(op[1], { recursive: true, mode: op[2] }); break;
        }
      } catch (e) {
        failed = true;
        closeAll();
        error = { message: String(e && e.message), code: e && e.code, syscall: e && e.syscall, path: e && e.path, errno: e && e.errno };
        break;
      }
    }
  }
  parentPort.postMessage({ buffer: batch.buffer, error }, [batch.buffer]);
});
`;

/** The error the thread met, rebuilt as the system error it was (fsErrors maps it to a message and exit code). */
function systemError(e: NonNullable<Reply['error']>): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(e.message);
  if (e.code !== undefined) err.code = e.code;
  if (e.syscall !== undefined) err.syscall = e.syscall;
  if (e.path !== undefined) err.path = e.path;
  if (e.errno !== undefined) err.errno = e.errno;
  return err;
}

/** A handle to a file opened for appending with `open`. */
export type FileHandle = number;

export class BackgroundWriter {
  private readonly worker: Worker;
  private readonly free: ArrayBuffer[] = [];
  private buffer: Buffer | undefined;
  private used = 0;
  private ops: Op[] = [];
  private inFlight = 0;
  /** Called when a batch comes back (a slot or the whole thread became free). */
  private wakers: (() => void)[] = [];
  private failure: unknown;
  private nextHandle = 1;
  private stopped = false;

  /** A thread started ahead of need (startAhead), for the next writer made; `dead` once it failed or ended. */
  private static ahead: { worker: Worker; dead: boolean } | undefined;

  /** Starts a thread now, so its start-up overlaps other work; the next writer made takes it (else it waits, unref'd). */
  static startAhead(): void {
    if (BackgroundWriter.ahead !== undefined) return;
    const ahead = { worker: BackgroundWriter.startThread(), dead: false };
    ahead.worker.once('error', () => (ahead.dead = true));
    ahead.worker.once('exit', () => (ahead.dead = true));
    BackgroundWriter.ahead = ahead;
  }

  private static startThread(): Worker {
    const worker = new Worker(THREAD_CODE, { eval: true });
    worker.unref();
    return worker;
  }

  constructor() {
    const ahead = BackgroundWriter.ahead;
    BackgroundWriter.ahead = undefined;
    this.worker = ahead !== undefined && !ahead.dead ? ahead.worker : BackgroundWriter.startThread();
    this.worker.on('message', (reply: Reply | 'closed') => {
      if (reply === 'closed') return;
      if (reply.error && this.failure === undefined) this.failure = systemError(reply.error);
      this.inFlight -= 1;
      if (reply.buffer.byteLength === BATCH_BYTES && this.free.length < BUFFERS) this.free.push(reply.buffer);
      this.wake();
    });
    this.worker.on('error', (err) => {
      this.failure ??= err;
      this.inFlight = 0;
      this.wake();
    });
  }

  /** Creates `path` (it must not exist) with `text` as its whole content. */
  writeFile(path: string, text: string, mode: number): void {
    this.check();
    const start = this.place(text);
    this.ops.push(['file', path, mode, start, this.used]);
    this.sendIfIdle();
  }

  /** Creates `path` (it must not exist) for appending. */
  open(path: string, mode: number): FileHandle {
    this.check();
    const handle = this.nextHandle++;
    this.ops.push(['open', handle, path, mode]);
    return handle;
  }

  /** Like writeFile, with the content already encoded. */
  writeFileBytes(path: string, bytes: Uint8Array, mode: number): void {
    this.check();
    const start = this.placeBytes(bytes);
    this.ops.push(['file', path, mode, start, this.used]);
    this.sendIfIdle();
  }

  appendBytes(handle: FileHandle, bytes: Uint8Array): void {
    this.check();
    this.pushAppend(handle, this.placeBytes(bytes));
  }

  append(handle: FileHandle, text: string): void {
    this.check();
    this.pushAppend(handle, this.place(text));
  }

  /** An append right after the previous one to the same file (same batch) extends it: one write for both. */
  private pushAppend(handle: FileHandle, start: number): void {
    const last = this.ops[this.ops.length - 1];
    if (last !== undefined && last[0] === 'append' && last[1] === handle && last[3] === start) last[3] = this.used;
    else this.ops.push(['append', handle, start, this.used]);
  }

  close(handle: FileHandle): void {
    this.check();
    this.ops.push(['close', handle]);
  }

  /** Makes `path` and the folders on its way (those that exist are kept). */
  mkdir(path: string, mode: number): void {
    this.check();
    this.ops.push(['mkdir', path, mode]);
  }

  /** Resolves once the thread has room for more (call it between files: it bounds the memory held). */
  async ready(): Promise<void> {
    while (this.inFlight >= BUFFERS && this.failure === undefined) await new Promise<void>((resolve) => this.wakers.push(resolve));
    this.check();
  }

  /** Waits until everything given so far is written; throws the first failure. */
  async flush(): Promise<void> {
    this.check();
    this.send();
    while (this.inFlight > 0 && this.failure === undefined) await new Promise<void>((resolve) => this.wakers.push(resolve));
    this.check();
  }

  /** Drops what was not sent, waits for the thread to finish what it was given, closes its files and ends it. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.ops = [];
    while (this.inFlight > 0) await new Promise<void>((resolve) => this.wakers.push(resolve));
    const closed = new Promise<void>((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', () => resolve());
    });
    this.worker.postMessage('close-all');
    await closed;
    await this.worker.terminate();
  }

  private check(): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.stopped) throw new Error('internal: the background writer was stopped');
  }

  private wake(): void {
    for (const wake of this.wakers.splice(0)) wake();
  }

  /** Encodes `text` into the current buffer (a new one when it does not fit); returns where it starts. */
  private place(text: string): number {
    let buffer = this.buffer;
    if (buffer === undefined || text.length * 3 > buffer.length - this.used) {
      const bytes = Buffer.byteLength(text, 'utf8');
      if (buffer === undefined || bytes > buffer.length - this.used) {
        this.send();
        buffer = Buffer.from(bytes > BATCH_BYTES ? new ArrayBuffer(bytes) : (this.free.pop() ?? new ArrayBuffer(BATCH_BYTES)));
        this.buffer = buffer;
      }
    }
    const start = this.used;
    this.used += buffer.write(text, start, 'utf8');
    return start;
  }

  /** Copies `bytes` into the current buffer (a new one when they do not fit); returns where they start. */
  private placeBytes(bytes: Uint8Array): number {
    let buffer = this.buffer;
    if (buffer === undefined || bytes.length > buffer.length - this.used) {
      this.send();
      buffer = Buffer.from(bytes.length > BATCH_BYTES ? new ArrayBuffer(bytes.length) : (this.free.pop() ?? new ArrayBuffer(BATCH_BYTES)));
      this.buffer = buffer;
    }
    const start = this.used;
    buffer.set(bytes, start);
    this.used += bytes.length;
    return start;
  }

  /** Gives an idle thread what there is once it is worth a batch. */
  private sendIfIdle(): void {
    if (this.inFlight === 0 && this.used >= IDLE_BATCH_BYTES) this.send();
  }

  /** Gives the thread the operations so far and the buffer they use. */
  private send(): void {
    if (this.ops.length === 0) return;
    const buffer = (this.buffer?.buffer as ArrayBuffer | undefined) ?? new ArrayBuffer(0);
    this.inFlight += 1;
    this.worker.postMessage({ ops: this.ops, buffer }, [buffer]);
    this.ops = [];
    this.used = 0;
    this.buffer = undefined;
  }
}
