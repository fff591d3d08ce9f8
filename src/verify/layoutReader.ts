// Strict readers of exactly the files amu writes (apigeecli KVM files, maven kvms.json), KVM by KVM, from bytes.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import type { EventLoopTurns } from '../eventLoopTurns.js';
import type { EntryLines } from './entryLines.js';
import { copyBytes } from '../export/parallel/byteOut.js';

/**
 * These readers accept only the byte layout amu's writers produce (JSON.stringify(..., null, 2) indentation, keys in
 * amu's order, valid UTF-8). Anything else, hand-edited, truncated or not JSON, makes them answer `undefined`, and
 * the caller reads that file with JSON.parse as before: the fast path never decides a result on its own.
 */

/** More bytes are needed to go on (a read cut the text). */
const NEED = -1;
/** Not amu's layout: the caller falls back to JSON.parse. */
const ODD = -2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/** The bytes of a file: all of it (apigeecli, one KVM per file), or a window that slides over it (maven). */
class ByteWindow {
  buf: Buffer;
  end: number;
  eof: boolean;

  constructor(
    initial: Buffer,
    private readonly fd?: number,
  ) {
    this.buf = initial;
    this.end = fd === undefined ? initial.length : 0;
    this.eof = fd === undefined;
  }

  /** Drops the bytes before `from` and reads more; returns how far positions moved back. */
  more(from: number): number {
    if (this.fd === undefined || this.eof) return 0;
    if (from > 0) {
      this.buf.copy(this.buf, 0, from, this.end);
      this.end -= from;
    }
    if (this.end === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(bigger, 0, 0, this.end);
      this.buf = bigger;
    }
    const n = readSync(this.fd, this.buf, this.end, this.buf.length - this.end, null);
    if (n === 0) this.eof = true;
    this.end += n;
    return from;
  }
}

/** A fixed byte pattern at `pos`: the position after it, NEED or ODD. */
function expect(w: ByteWindow, pos: number, pattern: Uint8Array): number {
  const buf = w.buf;
  const n = pattern.length;
  for (let k = 0; k < n; k++) {
    if (pos + k >= w.end) return NEED;
    if (buf[pos + k] !== pattern[k]) return ODD;
  }
  return pos + n;
}

/** What the last scanned literal held. */
let plain = false;
let canonical = false;

const HEX = '0123456789abcdef';
/** Control characters JSON.stringify writes as a two-character escape. */
const SHORT_ESCAPES = new Set([0x08, 0x09, 0x0a, 0x0c, 0x0d]);

/** A `\u00XX` escape as JSON.stringify writes it (lower-case hex, a control character with no short form). */
function canonicalUnicodeEscape(buf: Buffer, at: number): boolean {
  if (buf[at] !== 0x30 || buf[at + 1] !== 0x30) return false;
  const hi = HEX.indexOf(String.fromCharCode(buf[at + 2]!));
  const lo = HEX.indexOf(String.fromCharCode(buf[at + 3]!));
  if (hi < 0 || hi > 1 || lo < 0) return false;
  return !SHORT_ESCAPES.has(hi * 16 + lo);
}

/** Length of the UTF-8 sequence led by byte `b` (0 when no sequence starts so), and the range of its second byte. */
function utf8Lead(b: number): number {
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

/** The well-formed UTF-8 sequence at `i` (its first byte at least 0x80): its length, NEED, or ODD (as isUtf8 judges). */
function utf8Sequence(buf: Buffer, i: number, end: number): number {
  const b = buf[i]!;
  const n = utf8Lead(b);
  if (n === 0) return ODD;
  if (i + n > end) return NEED;
  const second = buf[i + 1]!;
  const low = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
  const high = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
  if (second < low || second > high) return ODD;
  for (let k = 2; k < n; k++) {
    const c = buf[i + k]!;
    if (c < 0x80 || c > 0xbf) return ODD;
  }
  return n;
}

/**
 * Scans the string literal at `pos` (its opening quote): the position after its closing quote, NEED or ODD
 * (not valid UTF-8, a raw control character). Sets `plain` (ASCII, no escape) and `canonical` (exactly as
 * JSON.stringify writes its value).
 */
function scanLiteral(w: ByteWindow, pos: number): number {
  const buf = w.buf;
  const end = w.end;
  if (pos >= end) return NEED;
  if (buf[pos] !== QUOTE) return ODD;
  let simple = true;
  canonical = true;
  for (let i = pos + 1; i < end; i++) {
    const b = buf[i]!;
    if (b === QUOTE) {
      plain = simple;
      return i + 1;
    }
    if (b < 0x20) return ODD;
    if (b >= 0x80) {
      simple = false;
      const n = utf8Sequence(buf, i, end);
      if (n < 0) return n;
      i += n - 1;
    } else if (b === BACKSLASH) {
      simple = false;
      if (i + 5 >= end) return NEED;
      const e = buf[i + 1]!;
      if (e === 0x75) {
        if (!canonicalUnicodeEscape(buf, i + 2)) canonical = false;
        i += 5;
      } else {
        // \" \\ \b \f \n \r \t are JSON.stringify's; \/ is valid JSON it never writes; anything else JSON.parse refuses.
        if (e !== QUOTE && e !== BACKSLASH && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) canonical = false;
        i += 1;
      }
    }
  }
  return NEED;
}

/** Copies the literal [from, to) into `lines` as JSON.stringify would write its value; false when it is not JSON. */
function copyLiteral(w: ByteWindow, from: number, to: number, lines: EntryLines): boolean {
  if (canonical) {
    lines.reserve(to - from);
    copyBytes(w.buf, from, to, lines.buf, lines.length);
    lines.length += to - from;
    return true;
  }
  let value: unknown;
  try {
    value = JSON.parse(w.buf.toString('utf8', from, to));
  } catch {
    return false;
  }
  const text = JSON.stringify(value);
  lines.reserve(Buffer.byteLength(text));
  lines.length += lines.buf.write(text, lines.length);
  return true;
}

function putByte(lines: EntryLines, b: number): void {
  lines.reserve(1);
  lines.buf[lines.length++] = b;
}

/** The patterns of one entry list at an indent (amu's writers: 4 blanks in apigeecli files, 6 in maven). */
interface EntryPatterns {
  open: Uint8Array;
  afterName: Uint8Array;
  close: Uint8Array;
}

function entryPatterns(indent: string): EntryPatterns {
  return {
    open: bytes(`${indent}{\n${indent}  "name": `),
    afterName: bytes(`,\n${indent}  "value": `),
    close: bytes(`\n${indent}}`),
  };
}

const APIGEECLI_ENTRY = entryPatterns('    ');
const MAVEN_ENTRY = entryPatterns('      ');

/** One entry at `pos` into `lines`: the position after its closing brace, NEED or ODD (lines then unchanged). */
function readEntry(w: ByteWindow, pos: number, p: EntryPatterns, lines: EntryLines): number {
  const count = lines.count;
  const length = lines.length;
  const r = readEntryLine(w, pos, p, lines);
  if (r < 0) lines.truncate(count, length);
  return r;
}

/** readEntry's work; on NEED or ODD, `lines` holds a part of the entry that readEntry drops. */
function readEntryLine(w: ByteWindow, pos: number, p: EntryPatterns, lines: EntryLines): number {
  let at = expect(w, pos, p.open);
  if (at < 0) return at;
  const nameEnd = scanLiteral(w, at);
  if (nameEnd < 0) return nameEnd;
  lines.beginEntry();
  putByte(lines, 0x5b);
  if (!copyLiteral(w, at, nameEnd, lines)) return ODD;
  const plainName = plain;
  putByte(lines, 0x2c);
  at = expect(w, nameEnd, p.afterName);
  if (at < 0) return at;
  const valueEnd = scanLiteral(w, at);
  if (valueEnd < 0) return valueEnd;
  lines.valueAt(lines.length);
  if (!copyLiteral(w, at, valueEnd, lines)) return ODD;
  const plainValue = plain;
  putByte(lines, 0x5d);
  putByte(lines, 0x0a);
  at = expect(w, valueEnd, p.close);
  if (at < 0) return at;
  lines.endEntry(plainName, plainValue);
  return at;
}

/**
 * Runs `step` at `pos`, reading more of the file while it needs more: the position after it, or ODD (a file that
 * ends early is not amu's layout). The bytes before `pos` may be dropped from the window: the result counts from there.
 */
function run(w: ByteWindow, pos: number, step: (pos: number) => number): number {
  for (;;) {
    const r = step(pos);
    if (r !== NEED) return r;
    if (w.eof) return ODD;
    pos -= w.more(pos);
  }
}

/** True when the file ends at `pos`. */
function endsAt(w: ByteWindow, pos: number): boolean {
  while (w.end === pos && !w.eof) pos -= w.more(pos);
  return w.end === pos;
}

/** Which of the two patterns `either` matched. */
let matched: 1 | 2 = 1;

/** `a` or `b` at `pos` (patterns that differ within their first bytes): the position after it, NEED or ODD. */
function either(w: ByteWindow, pos: number, a: Uint8Array, b: Uint8Array): number {
  const r = expect(w, pos, a);
  if (r !== ODD) {
    matched = 1;
    return r;
  }
  matched = 2;
  return expect(w, pos, b);
}

/** `matched`, read through a call so that the compiler does not narrow it across the calls that set it. */
function lastMatch(): 1 | 2 {
  return matched;
}

const ENTRY_SEP = bytes(',\n');

/** Entries, after the list's `[` and newline, and then `close`: the position after `close`, or ODD. */
function readEntries(w: ByteWindow, pos: number, p: EntryPatterns, close: Uint8Array, lines: EntryLines): number {
  let at = pos;
  for (;;) {
    // No closure per entry: the read is retried here when the window needs more bytes.
    let r = readEntry(w, at, p, lines);
    while (r === NEED) {
      if (w.eof) return ODD;
      at -= w.more(at);
      r = readEntry(w, at, p, lines);
    }
    if (r < 0) return r;
    at = r;
    r = either(w, at, ENTRY_SEP, close);
    while (r === NEED) {
      if (w.eof) return ODD;
      at -= w.more(at);
      r = either(w, at, ENTRY_SEP, close);
    }
    if (r < 0 || lastMatch() === 2) return r;
    at = r;
  }
}

/** A KVM's digestible content read by these readers. */
export interface LayoutKvm {
  /** Its name, for maven files (apigeecli files take it from the file name). */
  name: string;
  lines: EntryLines;
}

const APIGEECLI_EMPTY = bytes('{\n  "keyValueEntries": [],\n  "nextPageToken": ""\n}\n');
const APIGEECLI_HEAD = bytes('{\n  "keyValueEntries": [\n');
const APIGEECLI_TAIL = bytes('\n  ],\n  "nextPageToken": ""\n}\n');

/**
 * An apigeecli KVM file exactly as amu writes it (its path, or its bytes already read), or undefined (then read it
 * with JSON.parse). Read errors are thrown.
 */
export function readApigeecliLayout(file: string | Buffer, lines: EntryLines): EntryLines | undefined {
  const w = new ByteWindow(typeof file === 'string' ? readFileSync(file) : file);
  lines.reset();
  if (expect(w, 0, APIGEECLI_EMPTY) === w.end) return lines;
  const head = expect(w, 0, APIGEECLI_HEAD);
  if (head < 0) return undefined;
  const at = readEntries(w, head, APIGEECLI_ENTRY, APIGEECLI_TAIL, lines);
  return at === w.end ? lines : undefined;
}

const MAVEN_HEAD = bytes('[\n');
const MAVEN_EMPTY_TAIL = bytes(']\n');
const MAVEN_KVM_OPEN = bytes('  {\n    "name": ');
const MAVEN_AFTER_NAME = bytes(',\n    "entry": ');
const MAVEN_ENTRIES_OPEN = bytes('[\n');
const MAVEN_NO_ENTRIES = bytes('[]\n  }');
const MAVEN_ENTRIES_CLOSE = bytes('\n    ]\n  }');
const MAVEN_KVM_SEP = bytes(',\n');
const MAVEN_TAIL = bytes('\n]\n');

/** Bytes read at a time from a maven file; the window grows only for a line longer than this. */
const MAVEN_WINDOW = 1024 * 1024;

/** A KVM's head up to its entry list: the position after `"entry": `, NEED or ODD; the name goes to `kvmName`. */
let kvmName = '';
function readKvmHead(w: ByteWindow, pos: number): number {
  const open = expect(w, pos, MAVEN_KVM_OPEN);
  if (open < 0) return open;
  const nameEnd = scanLiteral(w, open);
  if (nameEnd < 0) return nameEnd;
  const after = expect(w, nameEnd, MAVEN_AFTER_NAME);
  if (after < 0) return after;
  try {
    kvmName = JSON.parse(w.buf.toString('utf8', open, nameEnd)) as string;
  } catch {
    return ODD;
  }
  return after;
}

/**
 * The KVMs of a maven kvms.json exactly as amu writes it, one at a time into `lines` (which each call to `onKvm`
 * must consume); false when the file is not amu's layout (the caller then discards what it got and uses JSON.parse).
 * With `turns`, the event loop gets a turn between KVMs now and then (a config file can be hundreds of megabytes).
 */
export async function readMavenLayout(file: string, lines: EntryLines, onKvm: (kvm: LayoutKvm) => void, turns?: EventLoopTurns): Promise<boolean> {
  const fd = openSync(file, 'r');
  try {
    const w = new ByteWindow(Buffer.allocUnsafe(MAVEN_WINDOW), fd);
    let at = run(w, 0, (q) => expect(w, q, MAVEN_HEAD));
    if (at < 0) return false;
    at = run(w, at, (q) => {
      const r = expect(w, q, MAVEN_EMPTY_TAIL);
      matched = r === ODD ? 2 : 1;
      return r === ODD ? q : r;
    });
    if (at < 0) return false;
    if (lastMatch() === 1) return endsAt(w, at);
    for (;;) {
      if (turns?.due) await turns.take();
      const head = run(w, at, (q) => readKvmHead(w, q));
      if (head < 0) return false;
      const name = kvmName;
      lines.reset();
      at = run(w, head, (q) => either(w, q, MAVEN_ENTRIES_OPEN, MAVEN_NO_ENTRIES));
      if (at < 0) return false;
      if (lastMatch() === 1) at = readEntries(w, at, MAVEN_ENTRY, MAVEN_ENTRIES_CLOSE, lines);
      if (at < 0) return false;
      onKvm({ name, lines });
      at = run(w, at, (q) => either(w, q, MAVEN_KVM_SEP, MAVEN_TAIL));
      if (at < 0) return false;
      if (lastMatch() === 2) return endsAt(w, at);
    }
  } finally {
    closeSync(fd);
  }
}
