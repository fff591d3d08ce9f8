// The hybrid source's spill records: map id, dump line, entry name and value (ciphertext bytes, raw text or null), binary.
//
// Layout (little-endian): u32 map id, u32 line (low 32 bits), u32 line (high bits), u8 value kind,
// u32 name bytes, u32 value bytes, then the name (UTF-8) and the value. A value that is strict base64 of a
// positive multiple of 16 bytes is stored decoded (kind CIPHER: a quarter smaller, and ready for AES);
// anything else keeps its text (kind TEXT) so that the decryption reports it exactly as it was read.

import { decodeStrictBase64Bytes, isStrictBase64 } from '../keys/base64.js';

export const VAL_NULL = 0;
export const VAL_CIPHER = 1;
export const VAL_TEXT = 2;
export type ValKind = typeof VAL_NULL | typeof VAL_CIPHER | typeof VAL_TEXT;

const HEADER_BYTES = 21;
/** In the kind byte: the name is ASCII (as many UTF-8 bytes as UTF-16 code units). */
const ASCII_KEY = 0x80;
const KIND_MASK = 0x7f;
const LINE_HIGH = 2 ** 32;

/** One record as read back: the value stays in the bucket's bytes [valStart, valEnd). */
export interface SpillRecord {
  id: number;
  lineNo: number;
  key: string;
  kind: ValKind;
  valStart: number;
  valEnd: number;
}

/** Bytes a record of this key and value takes at most. */
export function maxRecordBytes(key: string, val: string | null): number {
  return HEADER_BYTES + key.length * 3 + (val === null ? 0 : val.length * 3);
}

/** Bytes of ciphertext that strict base64 `b64` holds. */
function decodedLength(b64: string): number {
  const n = b64.length;
  return (n >> 2) * 3 - (n > 0 && b64.charCodeAt(n - 1) === 0x3d ? (b64.charCodeAt(n - 2) === 0x3d ? 2 : 1) : 0);
}

/** Writes one record at `at` (room for maxRecordBytes checked by the caller); returns its length. */
export function writeRecord(buf: Buffer, at: number, id: number, lineNo: number, key: string, val: string | null): number {
  const keyBytes = buf.write(key, at + HEADER_BYTES, 'utf8');
  const valAt = at + HEADER_BYTES + keyBytes;
  let kind: ValKind = VAL_NULL;
  let valBytes = 0;
  if (val !== null) {
    const cipherBytes = isStrictBase64(val) ? decodedLength(val) : 0;
    if (cipherBytes > 0 && cipherBytes % 16 === 0) {
      kind = VAL_CIPHER;
      valBytes = buf.write(val, valAt, 'base64');
    } else {
      kind = VAL_TEXT;
      valBytes = buf.write(val, valAt, 'utf8');
    }
  }
  putU32(buf, at, id);
  putU32(buf, at + 4, lineNo % LINE_HIGH);
  putU32(buf, at + 8, Math.floor(lineNo / LINE_HIGH));
  buf[at + 12] = keyBytes === key.length ? kind | ASCII_KEY : kind;
  putU32(buf, at + 13, keyBytes);
  putU32(buf, at + 17, valBytes);
  return HEADER_BYTES + keyBytes + valBytes;
}

/** Bytes a record of an ASCII key of `keyBytes` and a value of `valBytes` takes at most (writeRecordBytes). */
export function maxRecordBytesAt(keyBytes: number, valBytes: number): number {
  return HEADER_BYTES + keyBytes + valBytes;
}

/**
 * The same record as writeRecord, from the bytes of an ASCII dump line: the key is src[keyStart, keyEnd), the value
 * src[valStart, valEnd) or null (valStart < 0). Returns its length.
 */
export function writeRecordBytes(buf: Buffer, at: number, id: number, lineNo: number, src: Buffer, keyStart: number, keyEnd: number, valStart: number, valEnd: number): number {
  let o = at + HEADER_BYTES;
  for (let i = keyStart; i < keyEnd; i++) buf[o++] = src[i]!;
  let kind: ValKind = VAL_NULL;
  let valBytes = 0;
  if (valStart >= 0) {
    const cipherBytes = decodeStrictBase64Bytes(src, valStart, valEnd, buf, o);
    if (cipherBytes > 0 && cipherBytes % 16 === 0) {
      kind = VAL_CIPHER;
      valBytes = cipherBytes;
    } else {
      kind = VAL_TEXT;
      valBytes = src.copy(buf, o, valStart, valEnd);
    }
  }
  putU32(buf, at, id);
  putU32(buf, at + 4, lineNo % LINE_HIGH);
  putU32(buf, at + 8, Math.floor(lineNo / LINE_HIGH));
  buf[at + 12] = kind | ASCII_KEY;
  putU32(buf, at + 13, keyEnd - keyStart);
  putU32(buf, at + 17, valBytes);
  return HEADER_BYTES + (keyEnd - keyStart) + valBytes;
}

/** Where a record's parts are, for readers that work on the bytes (see BucketRecords for the objects). */
export const RECORD = Object.freeze({ HEADER_BYTES, ASCII_KEY, KIND_MASK });

/** The record at `at` of a bucket as an object (its map id given). */
export function recordAt(bytes: Buffer, at: number, id: number): SpillRecord {
  const keyEnd = at + HEADER_BYTES + u32(bytes, at + 13);
  // An ASCII name (flagged when written) is decoded as such: the UTF-8 decoder costs more per call.
  const key = bytes.toString(bytes[at + 12]! & ASCII_KEY ? 'latin1' : 'utf8', at + HEADER_BYTES, keyEnd);
  return {
    id,
    lineNo: u32(bytes, at + 4) + u32(bytes, at + 8) * LINE_HIGH,
    key,
    kind: (bytes[at + 12]! & KIND_MASK) as ValKind,
    valStart: keyEnd,
    valEnd: keyEnd + u32(bytes, at + 17),
  };
}

/**
 * The records of one bucket, grouped by map id. Only their offsets are kept for the whole bucket; a map's
 * records become objects when asked for (short-lived: no garbage that outlives its KVM).
 */
export class BucketRecords {
  private readonly byMap = new Map<number, number[]>();

  constructor(
    readonly bytes: Buffer,
    bucket: number,
  ) {
    let at = 0;
    while (at < bytes.length) {
      if (at + HEADER_BYTES > bytes.length) throw damaged(bucket, at);
      const id = u32(bytes, at);
      const next = at + HEADER_BYTES + u32(bytes, at + 13) + u32(bytes, at + 17);
      if ((bytes[at + 12]! & KIND_MASK) > VAL_TEXT || next > bytes.length) throw damaged(bucket, at);
      const list = this.byMap.get(id);
      if (list === undefined) this.byMap.set(id, [at]);
      else list.push(at);
      at = next;
    }
  }

  /** The records of a map, in bucket (dump) order. */
  of(id: number): SpillRecord[] {
    const offsets = this.byMap.get(id);
    if (offsets === undefined) return [];
    const records = new Array<SpillRecord>(offsets.length);
    for (let i = 0; i < offsets.length; i++) records[i] = recordAt(this.bytes, offsets[i]!, id);
    return records;
  }
}

/** The value of a record as it was read from the dump (ciphertext re-encoded: strict base64 is canonical). */
export function recordValue(buf: Buffer, record: SpillRecord): string | null {
  if (record.kind === VAL_NULL) return null;
  return buf.toString(record.kind === VAL_CIPHER ? 'base64' : 'utf8', record.valStart, record.valEnd);
}

/** Stores a u32 (little-endian) at `at` (no range checks: the caller reserved the room). */
function putU32(buf: Buffer, at: number, value: number): void {
  buf[at] = value & 0xff;
  buf[at + 1] = (value >>> 8) & 0xff;
  buf[at + 2] = (value >>> 16) & 0xff;
  buf[at + 3] = value >>> 24;
}

/** The u32 (little-endian) at `at`. */
export function u32(buf: Buffer, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16)) + buf[at + 3]! * 0x1000000;
}

export function damaged(bucket: number, at: number): Error {
  return new Error(`spill bucket ${bucket} is damaged at offset ${at}`);
}
