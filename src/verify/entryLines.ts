// One KVM's entries as the UTF-8 lines `kvms verify` digests (`["name","value"]\n`), built from file bytes without strings.
import { copyBytes, HEX, SHORT_ESCAPE } from '../export/parallel/byteOut.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Any byte (as a latin1 character) but printable ASCII other than `"` and `\`. */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7f]/;
/** Values from this many bytes are scanned by NOT_PLAIN (its call costs more than a short loop). */
const NATIVE_SCAN_FROM = 128;

/** Literal content is ASCII without escapes: its bytes order as the decoded string does. */
const PLAIN_NAME = 1;
const PLAIN_VALUE = 2;
/** Bytes of a name in its sort key (6: the key stays an exact integer in a double). */
const KEY_BYTES = 6;
/** Entries from which a KVM's lines are put in order by a radix sort. */
const RADIX_FROM = 48;
/** Buffers up to this size are kept from one KVM to the next. */
const KEEP_BYTES = 32 * 1024 * 1024;

/**
 * The lines of one KVM, in file order, in one growing buffer: each `[` + name literal + `,` + value literal + `]\n`,
 * the literals exactly as JSON.stringify writes them. Entries are ordered for the digest by their decoded name, then
 * value (UTF-16 code units, as ContentDigester sorts): byte order when both literals are plain ASCII, else decoded.
 */
export class EntryLines {
  buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  /** Where the lines are put in order when they are not. */
  private scratch: Buffer = Buffer.allocUnsafe(64 * 1024);
  /** Bytes in use. */
  length = 0;
  count = 0;
  private starts = new Int32Array(1024);
  private valueStarts = new Int32Array(1024);
  private flags = new Uint8Array(1024);
  private keys = new Float64Array(1024);
  /** The radix sort's work arrays, grown to the largest KVM. */
  private radix = { order: new Uint32Array(0), spare: new Uint32Array(0), hi: new Uint32Array(0), lo: new Uint32Array(0) };
  private readonly counts = new Uint32Array(256);
  private decodedNames: (string | undefined)[] = [];
  private decodedValues: (string | undefined)[] = [];

  reset(): void {
    this.length = 0;
    this.count = 0;
    // A huge KVM's buffers are not kept for the small ones after it (those of 100k small entries are: grown again
    // for each such KVM, they cost more copying than their content).
    if (this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(64 * 1024);
    if (this.scratch.length > KEEP_BYTES) this.scratch = Buffer.allocUnsafe(64 * 1024);
    if (this.radix.order.length > 256 * 1024) this.radix = { order: new Uint32Array(0), spare: new Uint32Array(0), hi: new Uint32Array(0), lo: new Uint32Array(0) };
  }

  /** Room for `n` more bytes. */
  reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  /** Starts entry `count` at `length` (the caller then writes its line); `valueStart` is set by valueAt. */
  beginEntry(): void {
    if (this.count === this.starts.length) {
      const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts, (n) => new Int32Array(n));
      this.valueStarts = grow(this.valueStarts, (n) => new Int32Array(n));
      this.flags = grow(this.flags, (n) => new Uint8Array(n));
    }
    this.starts[this.count] = this.length;
  }

  valueAt(start: number): void {
    this.valueStarts[this.count] = start;
  }

  endEntry(plainName: boolean, plainValue: boolean): void {
    this.flags[this.count] = (plainName ? PLAIN_NAME : 0) | (plainValue ? PLAIN_VALUE : 0);
    this.count += 1;
  }

  /**
   * Appends the line of one entry from bytes: the name `nameSrc[ns, ne)` (UTF-8 with no quote, backslash or control
   * character: it stands for itself in JSON quotes) and the value `valueSrc[vs, ve)` (valid UTF-8), escaped exactly as
   * JSON.stringify escapes it (valid UTF-8 has no lone surrogates, the only other thing it escapes).
   */
  appendEntry(nameSrc: Buffer, ns: number, ne: number, valueSrc: Buffer, vs: number, ve: number): void {
    // The longest line: every value byte a six-byte escape.
    this.reserve(ne - ns + 6 * (ve - vs) + 8);
    this.beginEntry();
    const out = this.buf;
    let at = this.length;
    let plainName = true;
    out[at++] = 0x5b;
    out[at++] = QUOTE;
    for (let i = ns; i < ne; i++) {
      const c = nameSrc[i]!;
      if (c >= 0x80) plainName = false;
      out[at++] = c;
    }
    out[at++] = QUOTE;
    out[at++] = 0x2c;
    this.valueStarts[this.count] = at;
    out[at++] = QUOTE;
    let plainValue = true;
    // Most values need no escape: found so by a scan that writes nothing (a native one for long values), then
    // copied in one piece.
    let clean = vs;
    if (ve - vs >= NATIVE_SCAN_FROM && !NOT_PLAIN.test(valueSrc.toString('latin1', vs, ve))) clean = ve;
    while (clean < ve) {
      const c = valueSrc[clean]!;
      if (c < 0x20 || c === QUOTE || c === BACKSLASH) break;
      if (c >= 0x80) plainValue = false;
      clean++;
    }
    if (clean > vs) {
      copyBytes(valueSrc, vs, clean, out, at);
      at += clean - vs;
    }
    for (let i = clean; i < ve; i++) {
      const c = valueSrc[i]!;
      if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) {
        if (c >= 0x80) plainValue = false;
        out[at++] = c;
        continue;
      }
      plainValue = false;
      out[at++] = BACKSLASH;
      if (c === QUOTE || c === BACKSLASH) out[at++] = c;
      else if (SHORT_ESCAPE[c] !== 0) out[at++] = SHORT_ESCAPE[c]!;
      else {
        out[at++] = 0x75;
        out[at++] = 0x30;
        out[at++] = 0x30;
        out[at++] = HEX.charCodeAt(c >> 4);
        out[at++] = HEX.charCodeAt(c & 15);
      }
    }
    out[at++] = QUOTE;
    out[at++] = 0x5d;
    out[at++] = 0x0a;
    this.length = at;
    this.endEntry(plainName, plainValue);
  }

  /** Drops entries from `count` on (an entry that was cut short by the end of a read). */
  truncate(count: number, length: number): void {
    this.count = count;
    this.length = length;
  }

  private end(i: number): number {
    return i + 1 < this.count ? this.starts[i + 1]! : this.length;
  }

  private decoded(i: number, value: boolean): string {
    const cache = value ? this.decodedValues : this.decodedNames;
    let s = cache[i];
    if (s === undefined) {
      const from = value ? this.valueStarts[i]! : this.starts[i]! + 1;
      const to = value ? this.end(i) - 2 : this.valueStarts[i]! - 1;
      s = JSON.parse(this.buf.toString('utf8', from, to)) as string;
      cache[i] = s;
    }
    return s;
  }

  /** Byte order of two plain literals' contents (quotes excluded). */
  private compareBytes(a0: number, a1: number, b0: number, b1: number): number {
    const buf = this.buf;
    const n = Math.min(a1 - a0, b1 - b0);
    for (let k = 0; k < n; k++) {
      const d = buf[a0 + k]! - buf[b0 + k]!;
      if (d !== 0) return d;
    }
    return a1 - a0 - (b1 - b0);
  }

  private comparePart(i: number, j: number, value: boolean): number {
    const flag = value ? PLAIN_VALUE : PLAIN_NAME;
    if (this.flags[i]! & this.flags[j]! & flag) {
      const a0 = value ? this.valueStarts[i]! + 1 : this.starts[i]! + 2;
      const a1 = value ? this.end(i) - 3 : this.valueStarts[i]! - 2;
      const b0 = value ? this.valueStarts[j]! + 1 : this.starts[j]! + 2;
      const b1 = value ? this.end(j) - 3 : this.valueStarts[j]! - 2;
      return this.compareBytes(a0, a1, b0, b1);
    }
    const a = this.decoded(i, value);
    const b = this.decoded(j, value);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  private compare(i: number, j: number): number {
    return this.comparePart(i, j, false) || this.comparePart(i, j, true);
  }

  /**
   * Per entry, 6 bytes of a plain name from byte `skip` (shorter names padded with 0, a byte no plain literal holds)
   * as a number, so that most comparisons are one subtraction; -1 for other names.
   */
  private prefixKeys(skip: number): Float64Array {
    if (this.keys.length < this.count) this.keys = new Float64Array(this.starts.length);
    const keys = this.keys;
    const buf = this.buf;
    for (let i = 0; i < this.count; i++) {
      if (!(this.flags[i]! & PLAIN_NAME)) {
        keys[i] = -1;
        continue;
      }
      const from = this.starts[i]! + 2 + skip;
      const to = this.valueStarts[i]! - 2;
      let key = 0;
      for (let k = 0; k < KEY_BYTES; k++) key = key * 256 + (from + k < to ? buf[from + k]! : 0);
      keys[i] = key;
    }
    return keys;
  }

  /** Whether every name is plain, and then the bytes all names begin with (the keys start after them). */
  private commonPrefix(): { allPlain: boolean; prefix: number } {
    const buf = this.buf;
    const first = this.starts[0]! + 2;
    let prefix = this.valueStarts[0]! - 2 - first;
    for (let i = 0; i < this.count; i++) {
      if (!(this.flags[i]! & PLAIN_NAME)) return { allPlain: false, prefix: 0 };
      const from = this.starts[i]! + 2;
      const n = Math.min(prefix, this.valueStarts[i]! - 2 - from);
      let k = 0;
      while (k < n && buf[from + k] === buf[first + k]) k++;
      prefix = k;
    }
    return { allPlain: true, prefix };
  }

  /**
   * Entry order by the keys with plain names only: a byte-wise radix sort of the keys (no comparison), then the
   * entries with equal keys put in order by a full comparison.
   */
  private radixOrder(keys: Float64Array, compare: (i: number, j: number) => number): Uint32Array {
    const n = this.count;
    if (this.radix.order.length < n) {
      this.radix = { order: new Uint32Array(n), spare: new Uint32Array(n), hi: new Uint32Array(n), lo: new Uint32Array(n) };
    }
    let order = this.radix.order.subarray(0, n);
    let spare = this.radix.spare.subarray(0, n);
    // Each key's first and last three bytes, so that a pass takes its byte by a shift.
    const { hi, lo } = this.radix;
    for (let i = 0; i < n; i++) {
      const high = Math.floor(keys[i]! / 0x1000000);
      hi[i] = high;
      lo[i] = keys[i]! - high * 0x1000000;
      order[i] = i;
    }
    const counts = this.counts;
    for (let k = KEY_BYTES - 1; k >= 0; k--) {
      const half = k < 3 ? hi : lo;
      const shift = 8 * (2 - (k % 3));
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(half[i]! >>> shift) & 0xff]! += 1;
      // A byte that is the same in every key orders nothing.
      if (counts[(half[0]! >>> shift) & 0xff] === n) continue;
      let sum = 0;
      for (let d = 0; d < 256; d++) {
        const c = counts[d]!;
        counts[d] = sum;
        sum += c;
      }
      for (let p = 0; p < n; p++) {
        const i = order[p]!;
        spare[counts[(half[i]! >>> shift) & 0xff]!++] = i;
      }
      const t = order;
      order = spare;
      spare = t;
    }
    // Runs of equal keys (names alike in their first key bytes): ordered by the whole line.
    for (let p = 0; p < n; ) {
      let q = p + 1;
      while (q < n && keys[order[q]!] === keys[order[p]!]) q++;
      if (q - p > 1) order.set(Array.from(order.subarray(p, q)).sort(compare), p);
      p = q;
    }
    return order;
  }

  /** The lines sorted by name then value, as one buffer (the lines themselves when already in order). */
  sorted(): Buffer {
    this.decodedNames = [];
    this.decodedValues = [];
    if (this.count < 2) return this.buf.subarray(0, this.length);
    const { allPlain, prefix } = this.commonPrefix();
    const keys = this.prefixKeys(prefix);
    const compare = (i: number, j: number): number => {
      const a = keys[i]!;
      const b = keys[j]!;
      return a !== b && a >= 0 && b >= 0 ? a - b : this.compare(i, j);
    };
    let inOrder = true;
    for (let i = 1; i < this.count && inOrder; i++) inOrder = compare(i - 1, i) <= 0;
    if (inOrder) return this.buf.subarray(0, this.length);
    // A radix sort pays from a few dozen entries up (each of its passes costs 256 counters); fewer are compared.
    const order = allPlain && this.count >= RADIX_FROM ? this.radixOrder(keys, compare) : Array.from({ length: this.count }, (_, i) => i).sort(compare);
    if (this.scratch.length < this.length) this.scratch = Buffer.allocUnsafe(Math.max(this.length, this.buf.length));
    const out = this.scratch;
    let at = 0;
    // Entries that follow each other in the file as in the order are copied as one piece.
    for (let p = 0; p < order.length; ) {
      let q = p + 1;
      while (q < order.length && order[q] === order[q - 1]! + 1) q++;
      const start = this.starts[order[p]!]!;
      const end = this.end(order[q - 1]!);
      copyBytes(this.buf, start, end, out, at);
      at += end - start;
      p = q;
    }
    return out.subarray(0, this.length);
  }
}
