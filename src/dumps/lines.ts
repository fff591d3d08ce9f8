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
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into lines. Splitting happens on bytes (0x0A never occurs inside a multi-byte
 * UTF-8 sequence), so characters cut by chunk borders are decoded whole. A line spanning chunks is
 * collected as a list of pieces and joined once. Bytes that are not valid UTF-8 are an InputError
 * naming the line: replacing them with U+FFFD would silently change data.
 */
export async function* readLines(input: AsyncIterable<Uint8Array>, options: ReadLinesOptions = {}): AsyncIterable<Line> {
  const source = options.source ?? 'input';
  let pending: Buffer[] = [];
  let lineNo = 0;
  for await (const raw of input) {
    const chunk = asBuffer(raw);
    let start = 0;
    let nl = chunk.indexOf(LF, start);
    while (nl !== -1) {
      lineNo++;
      if (pending.length === 0) {
        yield { text: decodeRange(chunk, start, nl, source, lineNo), lineNo, terminated: true };
      } else {
        pending.push(chunk.subarray(start, nl));
        const joined = Buffer.concat(pending);
        pending = [];
        yield { text: decodeRange(joined, 0, joined.length, source, lineNo), lineNo, terminated: true };
      }
      start = nl + 1;
      nl = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length > 0) {
    const rest = Buffer.concat(pending);
    lineNo++;
    yield { text: decodeRange(rest, 0, rest.length, source, lineNo), lineNo, terminated: false };
  }
}

function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') throw new TypeError('readLines expects byte chunks, not strings (do not set an encoding on the stream)');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Decodes bytes [start, end) as UTF-8, dropping one trailing `\r`. */
function decodeRange(buf: Buffer, start: number, end: number, source: string, lineNo: number): string {
  if (end > start && buf[end - 1] === CR) end--;
  if (!isUtf8(buf.subarray(start, end))) {
    throw new InputError(`${location(source, lineNo)}: not valid UTF-8 text`, [
      'cassandra-cli output must be saved as UTF-8 (run it with LANG=C.UTF-8 or en_US.UTF-8).',
    ]);
  }
  return buf.toString('utf8', start, end);
}

/** Where a line is, in the one form every message uses: `file:line`. */
export function location(file: string, lineNo: number): string {
  return `${file}:${lineNo}`;
}
