// Line blocks for the fast dump readers: the whole lines of each read chunk decoded as ONE string, UTF-8 checked once.
//
// The same contract as readLines (lines.ts), at a block's cost instead of a line's: lines split on 0x0A
// bytes, bytes that are not UTF-8 an InputError naming the line, a line longer than the limit refused as
// soon as it passes it, and every line before a bad one handed out first. A block's text holds its lines
// each ended by '\n', except a last line of the input that has none; readers drop one '\r' before the '\n'
// themselves (as readLines does).

import { isAscii, isUtf8 } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import { DUMP_READ_BYTES, location, MAX_LINE_BYTES } from './lines.js';

/** Whole lines of the input, decoded. */
export interface LineBlock {
  /** The lines, each ended by '\n' (the input's last line may have none). */
  text: string;
  /** 1-based number of the block's first line. */
  firstLineNo: number;
  /** Every character is ASCII (U+0000..U+007F). */
  ascii: boolean;
  /** The bytes `text` was decoded from (with `ascii`, text offsets are byte offsets); valid only until the next block is asked for. */
  bytes?: Buffer;
}

export interface LineBlockOptions {
  /** Names the input in errors. */
  source: string;
  /** Longest line accepted, in bytes (default MAX_LINE_BYTES). */
  maxLineBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
/**
 * Bytes decoded per block: its string stays in V8's young generation (short-lived, cheap to collect),
 * where a string of a whole read chunk would go to the large-object space and force full collections.
 */
const BLOCK_BYTES = 64 * 1024;
/** Chunks read between two turns of the event loop. */
const CHUNKS_PER_TURN = 8;

/** Streams a file as line blocks, read in chunks of DUMP_READ_BYTES into one reused buffer. */
export function fileLineBlocks(file: string, source: string): AsyncIterable<LineBlock> {
  return lineBlocks(fileChunks(file), { source });
}

/**
 * The bytes of a file, each chunk valid only until the next is asked for (one buffer, reused). Read
 * synchronously: a dump is read start to end with nothing else to do meanwhile, and a read from the page
 * cache is a copy, cheaper than the round trip through the thread pool (which a busy machine delays).
 * Every few chunks the event loop gets a turn (signals, timers: an interrupt is never held up for long).
 */
export async function* fileChunks(file: string): AsyncIterable<Buffer> {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(DUMP_READ_BYTES);
    for (let n = 1; ; n++) {
      if (n % CHUNKS_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const bytesRead = readSync(fd, buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Splits a byte stream into blocks of whole lines (see the header). A chunk may be reused by the stream once
 * the next one is asked for: nothing of it is kept (a line's start is copied).
 */
export async function* lineBlocks(input: AsyncIterable<Uint8Array>, options: LineBlockOptions): AsyncIterable<LineBlock> {
  const { source } = options;
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 0; // lines handed out so far
  for await (const raw of input) {
    const chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const lastLf = chunk.lastIndexOf(LF);
    if (lastLf < 0) {
      pending.push(Buffer.from(chunk));
      pendingBytes += chunk.length;
      if (pendingBytes > maxLineBytes) throw tooLong(source, lineNo + 1, maxLineBytes);
      continue;
    }
    const firstLf = chunk.indexOf(LF);
    if (pendingBytes + firstLf > maxLineBytes) throw tooLong(source, lineNo + 1, maxLineBytes);
    let from = 0;
    if (pending.length > 0) {
      // The line begun in earlier chunks is joined alone (copying the whole chunk would cost more).
      lineNo = yield* checkedBlock(Buffer.concat([...pending, chunk.subarray(0, firstLf + 1)]), lineNo, source);
      from = firstLf + 1;
    }
    const bytes = chunk.subarray(from, lastLf + 1);
    pending = lastLf + 1 < chunk.length ? [Buffer.from(chunk.subarray(lastLf + 1))] : [];
    pendingBytes = chunk.length - lastLf - 1;
    const problem = maxLineBytes < bytes.length ? firstLongLine(bytes, maxLineBytes) : -1;
    lineNo = yield* checkedBlock(problem < 0 ? bytes : bytes.subarray(0, problem), lineNo, source);
    if (problem >= 0) throw tooLong(source, lineNo + 1, maxLineBytes);
    if (pendingBytes > maxLineBytes) throw tooLong(source, lineNo + 1, maxLineBytes);
  }
  if (pendingBytes > 0) {
    const rest = Buffer.concat(pending);
    // The last line has no newline: checked and handed out alone, without one.
    if (!isUtf8(rest)) throw notUtf8(source, lineNo + 1);
    yield decoded(rest, lineNo + 1);
  }
}

/** Hands out `bytes` (whole lines) in blocks of about BLOCK_BYTES; returns the number of lines handed out so far. */
function* checkedBlock(bytes: Buffer, linesBefore: number, source: string): Generator<LineBlock, number, undefined> {
  let lines = linesBefore;
  let start = 0;
  while (start < bytes.length) {
    const cut = start + BLOCK_BYTES >= bytes.length ? bytes.length : bytes.lastIndexOf(LF, start + BLOCK_BYTES - 1) + 1;
    // A line longer than a block makes a block of its own.
    const nl = bytes.indexOf(LF, start);
    const end = cut > start ? cut : nl < 0 ? bytes.length : nl + 1;
    lines = yield* checkedPiece(bytes.subarray(start, end), lines, source);
    start = end;
  }
  return lines;
}

/**
 * Hands out `bytes` (whole lines) as one block when valid UTF-8; otherwise the lines before the first bad one,
 * then the error naming it. Returns the number of lines handed out so far.
 */
function* checkedPiece(bytes: Buffer, linesBefore: number, source: string): Generator<LineBlock, number, undefined> {
  if (bytes.length === 0) return linesBefore;
  if (isUtf8(bytes)) {
    yield decoded(bytes, linesBefore + 1);
    return linesBefore + countLines(bytes, bytes.length);
  }
  let start = 0;
  let n = linesBefore;
  for (let nl = bytes.indexOf(LF); nl >= 0; nl = bytes.indexOf(LF, start)) {
    const end = nl > start && bytes[nl - 1] === CR ? nl - 1 : nl;
    if (!isUtf8(bytes.subarray(start, end))) {
      if (start > 0) yield decoded(bytes.subarray(0, start), linesBefore + 1);
      throw notUtf8(source, n + 1);
    }
    n++;
    start = nl + 1;
  }
  // Unreachable: the whole was not UTF-8, so one line is not.
  throw notUtf8(source, n + 1);
}

/** A block of valid UTF-8 bytes; ASCII decoded as such (several times faster than the UTF-8 decoder). */
function decoded(bytes: Buffer, firstLineNo: number): LineBlock {
  const ascii = isAscii(bytes);
  return { text: bytes.toString(ascii ? 'ascii' : 'utf8'), firstLineNo, ascii, bytes };
}

/** Newlines in bytes [0, end). */
function countLines(bytes: Buffer, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i >= 0 && i < end; i = bytes.indexOf(LF, i + 1)) n++;
  return n;
}

/** The start of the first line longer than `max` bytes (whole lines only), or -1. */
function firstLongLine(bytes: Buffer, max: number): number {
  let start = 0;
  for (let nl = bytes.indexOf(LF); nl >= 0; nl = bytes.indexOf(LF, start)) {
    if (nl - start > max) return start;
    start = nl + 1;
  }
  return -1;
}

function tooLong(source: string, lineNo: number, max: number): InputError {
  return new InputError(`${location(source, lineNo)}: the line is longer than ${max / (1024 * 1024)} MB: not a dump row (Edge KVMs are at most 15 MB)`, [
    'Check that the file is the dump amu wrote (or cassandra-cli printed), not another file.',
  ]);
}

function notUtf8(source: string, lineNo: number): InputError {
  return new InputError(`${location(source, lineNo)}: not valid UTF-8 text`, [
    'cassandra-cli output must be saved as UTF-8 (run it with LANG=C.UTF-8 or en_US.UTF-8).',
  ]);
}

/** Calls `each(text, lineNo)` for every line of a block, one '\r' before the newline dropped (as readLines does). */
export function forEachLine(block: LineBlock, each: (text: string, lineNo: number) => void): void {
  const { text } = block;
  let lineNo = block.firstLineNo;
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const end = nl > start && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    each(text.slice(start, end), lineNo++);
    start = nl + 1;
  }
}
