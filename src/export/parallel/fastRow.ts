// The common Edge row rendered straight from the dump's bytes: no JSON parse, no string per value, values escaped as JSON.stringify does.
//
// It takes only the plain case: an encrypted KVM the export wants, in Edge's own layout, names without escapes, every
// value strict base64 that decrypts with good padding to UTF-8. Anything else (a plain KVM, an escape, a value that
// fails, a KVM not wanted) is left to the general path, which gives the same result or the exact error.
import { isUtf8 } from 'node:buffer';
import { location } from '../../dumps/lines.js';
import { ENCRYPTED_FLAG, KEYSTORE_KVM_NAME } from '../../dumps/edgeRowValue.js';
import { aesEcbDecryptBlocks } from '../../keys/aesEcb.js';
import { decodeStrictBase64Bytes } from '../../keys/base64.js';
import { decodeColumnName } from '../../kvm/edgeColumnNames.js';
import { scopeKey } from '../../kvm/model.js';
import type { KvmDescriptor } from '../source.js';
import type { EntryLines } from '../../verify/entryLines.js';
import type { ByteOut } from './byteOut.js';
import { MAVEN_ENTRY, MAVEN_HEAD, TARGET_LAYOUTS, withNameQuotes } from './targetLayout.js';
import type { ChunkContext } from './renderChunk.js';
import type { RenderedRow } from './protocol.js';

const NAME_START = Buffer.from('=> (name=');
const VALUE_SEP = Buffer.from(', value=');
const TIMESTAMP_SEP = Buffer.from(', timestamp=');
const TRUE_TAIL = Buffer.from(`","${ENCRYPTED_FLAG}":"true"}`);
/** Inside the entries literal (escaped once more): `{\"name\":\"`, `\",\"value\":\"`, `\"}`. */
const ENTRY_START = Buffer.from('{\\"name\\":\\"');
const VALUE_START = Buffer.from('\\",\\"value\\":\\"');
const ENTRY_END = Buffer.from('\\"}');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The targets' layouts with the quotes around entry names: names are copied raw from the dump (no escapes in them). */
const APIGEECLI = withNameQuotes(TARGET_LAYOUTS.apigeecli);
const MAVEN = withNameQuotes(TARGET_LAYOUTS.maven);

/** What the fast path made of a record line. */
export type FastResult = RenderedRow | 'general';

function startsWithAt(bytes: Buffer, at: number, prefix: Buffer, end: number): boolean {
  if (at + prefix.length > end) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/** True when `bytes[start, end)` has no `\` and no control character: it stands for itself inside JSON quotes. */
function plainText(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    if (c < 0x20 || c === BACKSLASH || c === QUOTE) return false;
  }
  return true;
}

/** Scratch for the ciphertext of one KVM, grown to the largest. */
let scratch: Buffer = Buffer.allocUnsafe(64 * 1024);

/** A bigger scratch holding the first `used` bytes of `old`. */
function grown(old: Buffer, used: number, need: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(need, old.length * 2));
  old.copy(bigger, 0, 0, used);
  return bigger;
}

/** Renders the record line `bytes[start, stop)` (line `lineNo`) into `out`, or says the general path must take it. */
export function renderRowFast(context: ChunkContext, bytes: Buffer, start: number, stop: number, lineNo: number, out: ByteOut): FastResult {
  const row = parseRowFast(context, bytes, start, stop, lineNo);
  return row === 'general' ? row : renderParsed(context, bytes, row, out);
}

/** A record line taken apart by the fast path: entry names as byte ranges of the line, values decrypted and checked. */
interface ParsedRow {
  descriptor: KvmDescriptor;
  /** Per entry: name start, name end (in the line's bytes), ciphertext size. */
  ranges: number[];
  plain: Buffer;
  /** Per entry: where its text ends in `plain` (before the padding). */
  stops: number[];
}

/** The wanted KVM of the record line `bytes[start, stop)` decrypted, or 'general' when the fast path does not take it. */
function parseRowFast(context: ChunkContext, bytes: Buffer, start: number, stop: number, lineNo: number): ParsedRow | 'general' {
  if (!startsWithAt(bytes, start, NAME_START, stop)) return 'general';
  const valueSep = bytes.indexOf(VALUE_SEP, start + NAME_START.length);
  if (valueSep < 0 || valueSep >= stop) return 'general';
  const vs = valueSep + VALUE_SEP.length;
  const tail = bytes.lastIndexOf(TIMESTAMP_SEP, stop - TIMESTAMP_SEP.length);
  if (tail < vs) return 'general';
  // Edge's row: {"<name>":"<entries literal>","__apigee__encrypted":"true"}
  if (bytes[vs] !== 0x7b || bytes[vs + 1] !== QUOTE) return 'general';
  const nameEnd = bytes.indexOf(QUOTE, vs + 2);
  if (nameEnd < 0 || nameEnd >= tail || bytes[nameEnd + 1] !== 0x3a || bytes[nameEnd + 2] !== QUOTE) return 'general';
  if (!plainText(bytes, vs + 2, nameEnd)) return 'general';
  const literalEnd = tail - TRUE_TAIL.length;
  if (literalEnd < nameEnd + 3 || !startsWithAt(bytes, literalEnd, TRUE_TAIL, tail)) return 'general';
  const name = bytes.toString('utf8', vs + 2, nameEnd);
  if (name === KEYSTORE_KVM_NAME || name === ENCRYPTED_FLAG) return 'general';
  const where = location(context.setup.label, lineNo);
  const { scope, kvmKey } = decodeColumnName(bytes.toString('utf8', start + NAME_START.length, valueSep), where);
  if (name.toLowerCase() !== kvmKey) return 'general';
  const descriptor: KvmDescriptor = { scope, name, encrypted: true, origin: where };
  if (!context.isWanted(descriptor)) return 'general';
  const dek = context.keys.get(scopeKey(scope))?.dek;
  if (dek === undefined) return 'general';

  // The entries: [{\"name\":\"N\",\"value\":\"V\"},...] with N plain and V base64.
  const ls = nameEnd + 3;
  const le = literalEnd;
  const ranges: number[] = [];
  let cipherBytes = 0;
  if (!(le - ls === 2 && bytes[ls] === 0x5b && bytes[ls + 1] === 0x5d)) {
    if (bytes[ls] !== 0x5b || bytes[le - 1] !== 0x5d) return 'general';
    let i = ls + 1;
    for (;;) {
      if (!startsWithAt(bytes, i, ENTRY_START, le)) return 'general';
      const ns = i + ENTRY_START.length;
      const ne = bytes.indexOf(BACKSLASH, ns);
      if (ne < 0 || ne >= le || !startsWithAt(bytes, ne, VALUE_START, le) || !plainText(bytes, ns, ne)) return 'general';
      const bs = ne + VALUE_START.length;
      const be = bytes.indexOf(BACKSLASH, bs);
      if (be < 0 || be >= le || !startsWithAt(bytes, be, ENTRY_END, le)) return 'general';
      // Decoded straight into the ciphertext scratch (strictness checked on the way).
      if (scratch.length < cipherBytes + ((be - bs) >> 2) * 3) scratch = grown(scratch, cipherBytes, cipherBytes + ((be - bs) >> 2) * 3);
      const size = decodeStrictBase64Bytes(bytes, bs, be, scratch, cipherBytes);
      if (size <= 0 || size % 16 !== 0) return 'general';
      ranges.push(ns, ne, size);
      cipherBytes += size;
      i = be + ENTRY_END.length;
      if (bytes[i] === 0x2c) {
        i++;
        continue;
      }
      if (bytes[i] === 0x5d && i === le - 1) break;
      return 'general';
    }
  }

  // Decrypt every value at once; each one's padding and the text checked before anything is written.
  const plain = cipherBytes === 0 ? scratch.subarray(0, 0) : aesEcbDecryptBlocks(dek, scratch.subarray(0, cipherBytes));
  const stops: number[] = [];
  let end = 0;
  for (let r = 0; r < ranges.length; r += 3) {
    end += ranges[r + 2]!;
    const pad = plain[end - 1]!;
    if (pad < 1 || pad > 16) return 'general';
    for (let p = end - pad; p < end - 1; p++) if (plain[p] !== pad) return 'general';
    stops.push(end - pad);
  }
  if (!isUtf8(plain)) return 'general';
  return { descriptor, ranges, plain, stops };
}

/** The parsed KVM in the target's text, appended to `out`. */
function renderParsed(context: ChunkContext, bytes: Buffer, row: ParsedRow, out: ByteOut): RenderedRow {
  const { descriptor, ranges, plain, stops } = row;
  const name = descriptor.name;
  const first = out.length;
  const count = ranges.length / 3;
  const layout = context.setup.render === 'maven' ? MAVEN : APIGEECLI;
  if (layout === MAVEN) {
    out.constant(MAVEN_HEAD);
    out.text(JSON.stringify(name));
    out.constant(MAVEN_ENTRY);
  }
  if (count === 0) out.constant(layout.empty);
  else {
    out.constant(layout.open);
    let valueStart = 0;
    for (let e = 0; e < count; e++) {
      const r = e * 3;
      out.constant(e === 0 ? layout.firstEntry : layout.nextEntry);
      out.raw(bytes, ranges[r]!, ranges[r + 1]!);
      out.constant(layout.value);
      out.jsonString(plain, valueStart, stops[e]!);
      out.constant(layout.entryEnd);
      valueStart += ranges[r + 2]!;
    }
    out.constant(layout.close);
  }
  return { descriptor, kind: 'kvm', entries: count, start: first, end: out.length };
}

/**
 * The wanted KVM of a record line as the lines `kvms verify` digests (into `lines`, reset first), or 'general' when
 * the fast path does not take it: no string per entry.
 */
export function entryLinesFast(context: ChunkContext, bytes: Buffer, start: number, stop: number, lineNo: number, lines: EntryLines): KvmDescriptor | 'general' {
  const row = parseRowFast(context, bytes, start, stop, lineNo);
  if (row === 'general') return row;
  lines.reset();
  const { ranges, plain, stops } = row;
  let valueStart = 0;
  for (let r = 0, e = 0; r < ranges.length; r += 3, e++) {
    lines.appendEntry(bytes, ranges[r]!, ranges[r + 1]!, plain, valueStart, stops[e]!);
    valueStart += ranges[r + 2]!;
  }
  return row.descriptor;
}
