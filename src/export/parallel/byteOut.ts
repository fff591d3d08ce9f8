// A growing byte buffer the export renders into: ASCII and UTF-8 text, and decrypted values escaped exactly as JSON.stringify escapes them.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
export const HEX = '0123456789abcdef';
/** The two-character escapes JSON.stringify uses; 0 where it writes \u00XX instead. */
export const SHORT_ESCAPE = new Uint8Array(32);
SHORT_ESCAPE[0x08] = 0x62; // \b
SHORT_ESCAPE[0x09] = 0x74; // \t
SHORT_ESCAPE[0x0a] = 0x6e; // \n
SHORT_ESCAPE[0x0c] = 0x66; // \f
SHORT_ESCAPE[0x0d] = 0x72; // \r

/** A constant piece of layout, encoded once. */
export function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

/** Copies `from[start, end)` to `to` at `at`: short runs in a loop (cheaper than a call into Buffer.copy), long ones by Buffer.copy. */
export function copyBytes(from: Buffer, start: number, end: number, to: Buffer, at: number): void {
  if (end - start > 64) {
    from.copy(to, at, start, end);
    return;
  }
  for (let i = start; i < end; i++) to[at++] = from[i]!;
}

export class ByteOut {
  bytes: Buffer;
  length = 0;

  /** Starts in `reuse` when it is given and has `initial` bytes (a buffer given back after an earlier chunk). */
  constructor(initial = 1024 * 1024, reuse?: ArrayBuffer) {
    this.bytes = Buffer.from(reuse !== undefined && reuse.byteLength >= initial ? reuse : new ArrayBuffer(initial));
  }

  /** Room for `n` more bytes. */
  private ensure(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = Buffer.from(new ArrayBuffer(Math.max(this.bytes.length * 2, this.length + n)));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  /** Bytes given once as constants (the layout's own punctuation and indentation): see `asciiBytes`. */
  constant(piece: Uint8Array): void {
    this.ensure(piece.length);
    const out = this.bytes;
    let at = this.length;
    for (let i = 0; i < piece.length; i++) out[at++] = piece[i]!;
    this.length = at;
  }

  /** Any text, as UTF-8. */
  text(text: string): void {
    this.ensure(text.length * 3);
    this.length += this.bytes.write(text, this.length, 'utf8');
  }

  /** Bytes copied as they are. */
  raw(source: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    copyBytes(source, start, end, this.bytes, this.length);
    this.length += end - start;
  }

  /**
   * `source[start, end)` (valid UTF-8) as a JSON string literal, quotes included: byte for byte what
   * JSON.stringify writes for the same text (valid UTF-8 has no lone surrogates, the only other thing it escapes).
   */
  jsonString(source: Buffer, start: number, end: number): void {
    this.ensure(end - start + 2);
    const out = this.bytes;
    out[this.length++] = QUOTE;
    let from = start;
    for (let i = start; i < end; i++) {
      const c = source[i]!;
      if (c >= 0x20 && c !== QUOTE && c !== BACKSLASH) continue;
      this.raw(source, from, i);
      this.ensure(6 + end - i);
      const o = this.bytes;
      o[this.length++] = BACKSLASH;
      if (c === QUOTE || c === BACKSLASH) o[this.length++] = c;
      else if (SHORT_ESCAPE[c] !== 0) o[this.length++] = SHORT_ESCAPE[c]!;
      else {
        o[this.length++] = 0x75; // u
        o[this.length++] = 0x30;
        o[this.length++] = 0x30;
        o[this.length++] = HEX.charCodeAt(c >> 4);
        o[this.length++] = HEX.charCodeAt(c & 15);
      }
      from = i + 1;
    }
    this.raw(source, from, end);
    this.ensure(1);
    this.bytes[this.length++] = QUOTE;
  }
}
