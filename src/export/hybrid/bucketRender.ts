// A hybrid KVM rendered straight from its spill records' bytes into the target's text: no entry objects, no value strings.
//
// It takes only the plain case: every entry name ASCII, every value ciphertext (strict base64 of whole blocks) that
// decrypts with good padding to UTF-8, no name twice. Anything else is left to the general path (hybridSource.ts's
// decryptKvm), which gives the same text or the exact reason the KVM fails. The text is byte for byte what
// apigeecliFileText and mavenKvmText write for the same entries sorted by name: for ASCII names the byte order is
// the UTF-16 order, and ByteOut.jsonString escapes as JSON.stringify does.
import { isUtf8 } from 'node:buffer';
import { aesEcbDecryptBlocks } from '../../keys/aesEcb.js';
import { copyBytes, type ByteOut } from '../parallel/byteOut.js';
import { MAVEN_ENTRY, MAVEN_HEAD, TARGET_LAYOUTS } from '../parallel/targetLayout.js';
import type { RenderKind } from '../parallel/protocol.js';
import { damaged, RECORD, u32, VAL_CIPHER, VAL_TEXT } from '../spillRecords.js';
import type { EntryLines } from '../../verify/entryLines.js';

const { HEADER_BYTES, ASCII_KEY, KIND_MASK } = RECORD;
const BLOCK = 16;

/** The records of one bucket grouped by map: map `id`'s record offsets are order[first[id], first[id + 1]), in bucket (dump) order. */
export interface GroupedRecords {
  order: Int32Array;
  first: Int32Array;
}

/** Each record's offset and map id, in bucket order (reused, grown to the largest bucket). */
let offsets: Int32Array = new Int32Array(64 * 1024);
let idOf: Int32Array = new Int32Array(64 * 1024);

/** Groups a bucket's records by map id (ids below `maps`): one walk over the bucket, then a counting sort. */
export function groupRecords(bytes: Buffer, maps: number, bucket: number): GroupedRecords {
  const first = new Int32Array(maps + 1);
  let records = 0;
  for (let at = 0; at < bytes.length; records++) {
    if (at + HEADER_BYTES > bytes.length) throw damaged(bucket, at);
    const id = u32(bytes, at);
    const next = at + HEADER_BYTES + u32(bytes, at + 13) + u32(bytes, at + 17);
    if (id >= maps || (bytes[at + 12]! & KIND_MASK) > VAL_TEXT || next > bytes.length) throw damaged(bucket, at);
    if (records === offsets.length) {
      offsets = grownCopy(offsets);
      idOf = grownCopy(idOf);
    }
    offsets[records] = at;
    idOf[records] = id;
    first[id + 1]! += 1;
    at = next;
  }
  for (let id = 0; id < maps; id++) first[id + 1]! += first[id]!;
  const fill = first.slice(0, maps);
  const order = new Int32Array(records);
  for (let r = 0; r < records; r++) order[fill[idOf[r]!]!++] = offsets[r]!;
  return { order, first };
}

function grownCopy(old: Int32Array): Int32Array {
  const bigger = new Int32Array(old.length * 2);
  bigger.set(old);
  return bigger;
}

/** An empty KVM's text. */
export function renderEmpty(out: ByteOut, render: RenderKind, name: string): void {
  const layout = TARGET_LAYOUTS[render];
  if (layout.named) renderHead(out, name);
  out.constant(layout.empty);
}

function renderHead(out: ByteOut, name: string): void {
  out.constant(MAVEN_HEAD);
  out.text(JSON.stringify(name));
  out.constant(MAVEN_ENTRY);
}

/** Orders two records by name (bytes; ASCII names only, so the UTF-16 order). */
function compareNames(bytes: Buffer, a: number, b: number): number {
  const aLength = u32(bytes, a + 13);
  const bLength = u32(bytes, b + 13);
  const n = aLength < bLength ? aLength : bLength;
  const i = a + HEADER_BYTES;
  const j = b + HEADER_BYTES;
  for (let k = 0; k < n; k++) {
    const d = bytes[i + k]! - bytes[j + k]!;
    if (d !== 0) return d;
  }
  return aLength - bLength;
}

/** Ciphertexts of a KVM laid end to end (reused, grown to the largest KVM), and each value's end. */
let laidOut = Buffer.allocUnsafe(64 * 1024);
let stops = new Int32Array(1024);

/** A KVM's records decrypted by the fast path: sorted by name, every value's text end to end, and where each value (padding included) ends. */
interface Decrypted {
  records: Int32Array;
  plain: Buffer;
  stops: Int32Array;
}

/**
 * The records order[start, end) of `bytes` (at least one) decrypted with `key`, sorted by name (order[start, end) is
 * sorted in place); undefined when the fast path does not take them (see the header).
 */
function decryptRecords(key: Buffer, bytes: Buffer, order: Int32Array, start: number, end: number): Decrypted | undefined {
  let cipherBytes = 0;
  for (let k = start; k < end; k++) {
    const at = order[k]!;
    const flags = bytes[at + 12]!;
    if ((flags & KIND_MASK) !== VAL_CIPHER || (flags & ASCII_KEY) === 0) return undefined;
    cipherBytes += u32(bytes, at + 17);
  }
  const records = order.subarray(start, end);
  records.sort((a, b) => compareNames(bytes, a, b));
  for (let k = 1; k < records.length; k++) if (compareNames(bytes, records[k - 1]!, records[k]!) === 0) return undefined;

  if (laidOut.length < cipherBytes) laidOut = Buffer.allocUnsafe(Math.max(cipherBytes, laidOut.length * 2));
  if (stops.length < records.length) stops = new Int32Array(Math.max(records.length, stops.length * 2));
  let filled = 0;
  for (let k = 0; k < records.length; k++) {
    const at = records[k]!;
    const from = at + HEADER_BYTES + u32(bytes, at + 13);
    const to = from + u32(bytes, at + 17);
    copyBytes(bytes, from, to, laidOut, filled);
    filled += to - from;
    stops[k] = filled;
  }
  const plain = aesEcbDecryptBlocks(key, laidOut.subarray(0, cipherBytes));
  // Each value's padding, then the text of all (padding bytes are ASCII: the whole is UTF-8 exactly when every value is).
  for (let k = 0; k < records.length; k++) {
    const valueEnd = stops[k]!;
    const pad = plain[valueEnd - 1]!;
    if (pad < 1 || pad > BLOCK) return undefined;
    for (let p = valueEnd - pad; p < valueEnd - 1; p++) if (plain[p] !== pad) return undefined;
  }
  if (!isUtf8(plain)) return undefined;
  return { records, plain, stops };
}

/**
 * Renders the KVM of the records order[start, end) of `bytes` (at least one) into `out` with `key`, entries sorted by
 * name; false, with `out` as it was, when the fast path does not take it (see the header). Sorts order[start, end).
 */
export function renderRecords(out: ByteOut, render: RenderKind, name: string, key: Buffer, bytes: Buffer, order: Int32Array, start: number, end: number): boolean {
  const decrypted = decryptRecords(key, bytes, order, start, end);
  if (decrypted === undefined) return false;
  const { records, plain, stops } = decrypted;
  const layout = TARGET_LAYOUTS[render];
  if (layout.named) renderHead(out, name);
  out.constant(layout.open);
  let valueStart = 0;
  for (let k = 0; k < records.length; k++) {
    const at = records[k]!;
    const keyStart = at + HEADER_BYTES;
    out.constant(k === 0 ? layout.firstEntry : layout.nextEntry);
    out.jsonString(bytes, keyStart, keyStart + u32(bytes, at + 13));
    out.constant(layout.value);
    const valueEnd = stops[k]!;
    out.jsonString(plain, valueStart, valueEnd - plain[valueEnd - 1]!);
    out.constant(layout.entryEnd);
    valueStart = valueEnd;
  }
  out.constant(layout.close);
  return true;
}

/**
 * The lines `kvms verify` digests for the KVM of the records order[start, end) of `bytes` (at least one), into `lines`
 * (reset first); false when the fast path does not take it, or an entry name needs escaping in JSON.
 */
export function digestRecords(lines: EntryLines, key: Buffer, bytes: Buffer, order: Int32Array, start: number, end: number): boolean {
  const decrypted = decryptRecords(key, bytes, order, start, end);
  if (decrypted === undefined) return false;
  const { records, plain, stops } = decrypted;
  lines.reset();
  let valueStart = 0;
  for (let k = 0; k < records.length; k++) {
    const at = records[k]!;
    const keyStart = at + HEADER_BYTES;
    const keyEnd = keyStart + u32(bytes, at + 13);
    for (let i = keyStart; i < keyEnd; i++) {
      const c = bytes[i]!;
      if (c < 0x20 || c === 0x22 || c === 0x5c) return false;
    }
    const valueEnd = stops[k]!;
    lines.appendEntry(bytes, keyStart, keyEnd, plain, valueStart, valueEnd - plain[valueEnd - 1]!);
    valueStart = valueEnd;
  }
  return true;
}
