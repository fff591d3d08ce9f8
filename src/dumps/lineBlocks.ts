// Line blocks for the fast dump readers: the whole lines of each read chunk decoded as ONE string, UTF-8 checked once.
//
// The same contract as readLines (lines.ts), at a block's cost instead of a line's: lines split on 0x0A
// bytes, bytes that are not UTF-8 an InputError naming the line, a line longer than the limit refused as
// soon as it passes it, and every line before a bad one handed out first. A block's text holds its lines
// each ended by '\n', except a last line of the input that has none; readers drop one '\r' before the '\n'
// themselves (as readLines does).

import { isAscii, isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
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
}

export interface LineBlockOptions {
  /** Names the input in errors. */
  source: string;
  /** Longest line accepted, in bytes (default MAX_LINE_BYTES). */
  maxLineBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;

/** Streams a file as line blocks (one per read chunk of DUMP_READ_BYTES). */
export function fileLineBlocks(file: string, source: string): AsyncIterable<LineBlock> {
  return lineBlocks(createReadStream(file, { highWaterMark: DUMP_READ_BYTES }), { source });
}

/** Splits a byte stream into blocks of whole lines (see the header). */
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
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes > maxLineBytes) throw tooLong(source, lineNo + 1, maxLineBytes);
      continue;
    }
    const firstLf = chunk.indexOf(LF);
    if (pendingBytes + firstLf > maxLineBytes) throw tooLong(source, lineNo + 1, maxLineBytes);
    const bytes = pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(0, lastLf + 1)]) : chunk.subarray(0, lastLf + 1);
    pending = lastLf + 1 < chunk.length ? [chunk.subarray(lastLf + 1)] : [];
    pendingBytes = chunk.length - lastLf - 1;
    const problem = maxLineBytes < bytes.length ? firstLongLine(bytes, maxLineBytes) : -1;
    const checked = problem < 0 ? bytes : bytes.subarray(0, problem);
    const block = yield* checkedBlock(checked, lineNo, source);
    lineNo = block;
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

/**
 * Hands out `bytes` (whole lines) as one block when valid UTF-8; otherwise the lines before the first bad one,
 * then the error naming it. Returns the number of lines handed out so far.
 */
function* checkedBlock(bytes: Buffer, linesBefore: number, source: string): Generator<LineBlock, number, undefined> {
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
  return { text: bytes.toString(ascii ? 'ascii' : 'utf8'), firstLineNo, ascii };
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
