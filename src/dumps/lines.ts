// Streaming line splitter for large text dumps: byte-level splitting, one UTF-8 decode per line, no quadratic joins.

import { isUtf8 } from 'node:buffer';
import { InputError } from '../errors.js';

/** One line of input, without its `\n` and without a `\r` just before it. */
export interface Line {
  text: string;
  /** 1-based. */
  lineNo: number;
  /** False only for a last line that has no newline: the input may have been cut off there. */
  terminated: boolean;
}

export interface ReadLinesOptions {
  /** Names the input in errors ("validate-kvms.out line 12: ..."). Default "input". */
  source?: string;
  /** Longest line accepted, in bytes; a longer one is an InputError as soon as it passes the limit. */
  maxLineBytes?: number;
  /**
   * For lines of over SHORTEN_MIN_BYTES (checked UTF-8): a shorter text that stands for the line, or undefined to
   * decode it whole. A reader that needs only a line's ends saves decoding (and holding) megabytes it never reads.
   */
  shorten?: (bytes: Buffer, start: number, end: number) => string | undefined;
}

/** Lines at least this long are offered to `shorten`. */
export const SHORTEN_MIN_BYTES = 64 * 1024;

/**
 * Edge KVMs go up to 15 MB; escaped once more in a CQL line dump, or as base64 of a blob, a row line stays
 * well under this. A longer line is not a dump row, and holding it would cost memory for nothing.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** Read size for dumps: large reads, fewer round trips through the thread pool. */
export const DUMP_READ_BYTES = 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines. Splitting happens on bytes (0x0A never occurs inside a multi-byte
 * UTF-8 sequence), so characters cut by chunk borders are decoded whole. A line spanning chunks is
 * collected as a list of pieces (copies: a chunk may be reused by its stream) and joined once. Bytes that are not valid UTF-8 are an InputError
 * naming the line: replacing them with U+FFFD would silently change data.
 */
export async function* readLines(input: AsyncIterable<Uint8Array>, options: ReadLinesOptions = {}): AsyncIterable<Line> {
  const source = options.source ?? 'input';
  const maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Reused for every line that spans chunks (fresh memory for each long line costs page faults). */
  let scratch: Buffer = Buffer.alloc(0);
  let lineNo = 0;
  for await (const raw of input) {
    const chunk = asBuffer(raw);
    let start = 0;
    let nl = chunk.indexOf(LF, start);
    // The whole lines of this chunk checked as UTF-8 at once (lines split at 0x0A, which is ASCII): valid
    // together exactly when each is; only when not are they checked one by one, to name the line.
    // A line continued from the previous chunk is joined and checked by itself.
    const checkFrom = pending.length > 0 ? nl + 1 : 0;
    const wholeLinesEnd = chunk.lastIndexOf(LF) + 1;
    const checked = nl !== -1 && wholeLinesEnd > checkFrom && isUtf8(chunk.subarray(checkFrom, wholeLinesEnd)) ? wholeLinesEnd : 0;
    while (nl !== -1) {
      lineNo++;
      if (pendingBytes + nl - start > maxLineBytes) throw tooLong(source, lineNo, maxLineBytes);
      if (pending.length === 0) {
        yield { text: decodeRange(chunk, start, nl, source, lineNo, nl < checked, options.shorten), lineNo, terminated: true };
      } else {
        pending.push(chunk.subarray(start, nl));
        const length = pendingBytes + nl - start;
        scratch = joinInto(scratch, pending, length);
        pending = [];
        pendingBytes = 0;
        yield { text: decodeRange(scratch, 0, length, source, lineNo, false, options.shorten), lineNo, terminated: true };
      }
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) {
      // Copied: the input may reuse the chunk's memory once the next one is asked for (fileChunks does).
      pending.push(Buffer.from(chunk.subarray(start)));
      pendingBytes += chunk.length - start;
      if (pendingBytes > maxLineBytes) throw tooLong(source, lineNo + 1, maxLineBytes);
    }
  }
  if (pending.length > 0) {
    const rest = Buffer.concat(pending);
    lineNo++;
    yield { text: decodeRange(rest, 0, rest.length, source, lineNo), lineNo, terminated: false };
  }
}

/** Copies `parts` (`length` bytes in all) to the start of `into`, grown (doubled) when too small. */
function joinInto(into: Buffer, parts: Buffer[], length: number): Buffer {
  const target = into.length >= length ? into : Buffer.allocUnsafe(Math.max(length, into.length * 2));
  let at = 0;
  for (const part of parts) at += part.copy(target, at);
  return target;
}

function tooLong(source: string, lineNo: number, max: number): InputError {
  return new InputError(`${location(source, lineNo)}: the line is longer than ${max / (1024 * 1024)} MB: not a dump row (Edge KVMs are at most 15 MB)`, [
    'Check that the file is the dump amu wrote (or cassandra-cli printed), not another file.',
  ]);
}

function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') throw new TypeError('readLines expects byte chunks, not strings (do not set an encoding on the stream)');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Decodes bytes [start, end) as UTF-8, dropping one trailing `\r`; `valid` when already checked; a long line `shorten`ed when it can be. */
function decodeRange(buf: Buffer, start: number, end: number, source: string, lineNo: number, valid = false, shorten?: ReadLinesOptions['shorten']): string {
  if (end > start && buf[end - 1] === CR) end--;
  if (!valid && !isUtf8(buf.subarray(start, end))) {
    throw new InputError(`${location(source, lineNo)}: not valid UTF-8 text`, [
      'cassandra-cli output must be saved as UTF-8 (run it with LANG=C.UTF-8 or en_US.UTF-8).',
    ]);
  }
  if (shorten !== undefined && end - start >= SHORTEN_MIN_BYTES) {
    const short = shorten(buf, start, end);
    if (short !== undefined) return short;
  }
  return buf.toString('utf8', start, end);
}

/** Where a line is, in the one form every message uses: `file:line`. */
export function location(file: string, lineNo: number): string {
  return `${file}:${lineNo}`;
}
