// The common Edge row rendered straight from the dump's bytes (cassandra-cli text or a CQL dump): no JSON parse, no string per value, values escaped as JSON.stringify does.
//
// It takes only the plain case: an encrypted KVM the export wants, in Edge's own layout, names without escapes, every
// value strict base64 that decrypts with good padding to UTF-8. Anything else (a plain KVM, an escape, a value that
// fails, a KVM not wanted) is left to the general path, which gives the same result or the exact error.
import { isUtf8 } from 'node:buffer';
import { location } from '../../dumps/lines.js';
import { ENCRYPTED_FLAG, KEYSTORE_KVM_NAME } from '../../dumps/edgeRowValue.js';
import { aesEcbDecryptBlocks } from '../../keys/aesEcb.js';
import { decodeStrictBase64Bytes } from '../../keys/base64.js';
import { decodeColumnName, KVM_MARKER } from '../../kvm/edgeColumnNames.js';
import { scopeKey, type Scope } from '../../kvm/model.js';
import type { KvmDescriptor } from '../source.js';
import type { EntryLines } from '../../verify/entryLines.js';
import type { ByteOut } from './byteOut.js';
import { MAVEN_ENTRY, MAVEN_HEAD, TARGET_LAYOUTS, withNameQuotes } from './targetLayout.js';
import type { ChunkContext, ColumnScope } from './renderChunk.js';
import type { RenderedRow } from './protocol.js';

const NAME_START = Buffer.from('=> (name=');
const VALUE_SEP = Buffer.from(', value=');
const TIMESTAMP_SEP = Buffer.from(', timestamp=');
/** A CQL dump's row of column1 and value: `["<column1>","<value as a JSON string>"]`. */
const CQL_ROW_START = Buffer.from('["');
const CQL_CELL_SEP = Buffer.from('","');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The tokens of Edge's row value `{"<kvm>":"<entries literal>","__apigee__encrypted":"true"}` as the dump holds it:
 * as it is in cassandra-cli text, escaped once more (a JSON string) in a CQL dump. Names and base64 values hold no
 * quote or backslash (else the general path takes the row), so they are the same bytes in both.
 */
interface RowSyntax {
  rowOpen: Buffer;
  nameClose: Buffer;
  trueTail: Buffer;
  /** Inside the entries literal: `{\"name\":\"`, `\",\"value\":\"`, `\"}` (in cassandra-cli text). */
  entryStart: Buffer;
  valueStart: Buffer;
  entryEnd: Buffer;
}

function rowSyntax(escape: (token: string) => string): RowSyntax {
  const token = (text: string) => Buffer.from(escape(text));
  return {
    rowOpen: token('{"'),
    nameClose: token('":"'),
    trueTail: token(`","${ENCRYPTED_FLAG}":"true"}`),
    entryStart: token('{\\"name\\":\\"'),
    valueStart: token('\\",\\"value\\":\\"'),
    entryEnd: token('\\"}'),
  };
}

const CLI_SYNTAX = rowSyntax((token) => token);
const CQL_SYNTAX = rowSyntax((token) => JSON.stringify(token).slice(1, -1));

/** Where a record line's column name and row value are, and how the value is written. */
interface RowParts {
  nameStart: number;
  nameEnd: number;
  valueStart: number;
  valueEnd: number;
  syntax: RowSyntax;
}

/** `=> (name=<column>, value=<row>, timestamp=<t>)`. */
function cliRowParts(bytes: Buffer, start: number, stop: number): RowParts | undefined {
  if (!startsWithAt(bytes, start, NAME_START, stop)) return undefined;
  const valueSep = bytes.indexOf(VALUE_SEP, start + NAME_START.length);
  if (valueSep < 0 || valueSep >= stop) return undefined;
  const tail = bytes.lastIndexOf(TIMESTAMP_SEP, stop - TIMESTAMP_SEP.length);
  if (tail < valueSep + VALUE_SEP.length) return undefined;
  return { nameStart: start + NAME_START.length, nameEnd: valueSep, valueStart: valueSep + VALUE_SEP.length, valueEnd: tail, syntax: CLI_SYNTAX };
}

/** `["<column1>","<row>"]` of a CQL dump whose rows hold column1 then value, both text; column1 without escapes. */
function cqlRowParts(bytes: Buffer, start: number, stop: number): RowParts | undefined {
  if (!startsWithAt(bytes, start, CQL_ROW_START, stop) || bytes[stop - 1] !== 0x5d || bytes[stop - 2] !== QUOTE) return undefined;
  const sep = bytes.indexOf(CQL_CELL_SEP, start + CQL_ROW_START.length);
  if (sep < 0 || sep + CQL_CELL_SEP.length > stop - 2 || !plainText(bytes, start + CQL_ROW_START.length, sep)) return undefined;
  return { nameStart: start + CQL_ROW_START.length, nameEnd: sep, valueStart: sep + CQL_CELL_SEP.length, valueEnd: stop - 2, syntax: CQL_SYNTAX };
}

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

const KVM_MARKER_BYTES = Buffer.from(KVM_MARKER);

/**
 * The scope of the column name `bytes[start, end)` whose KVM marker is at `markerAt`: the last one again when the
 * bytes before the marker are the same (a dump's rows of one scope come together), else decoded and kept; undefined
 * for a column name decodeColumnName refuses (the general path then says why).
 */
function columnScope(context: ChunkContext, bytes: Buffer, start: number, markerAt: number, end: number): ColumnScope | undefined {
  const last = context.lastScope;
  if (last !== undefined && last.prefix.length === markerAt - start && bytes.compare(last.prefix, 0, last.prefix.length, start, markerAt) === 0) return last;
  let scope: Scope;
  try {
    scope = decodeColumnName(bytes.toString('utf8', start, end)).scope;
  } catch {
    return undefined;
  }
  const key = scopeKey(scope);
  const column: ColumnScope = { prefix: Buffer.from(bytes.subarray(start, markerAt)), scope, dek: context.keys.get(key)?.dek, names: context.wanted.get(key) };
  context.lastScope = column;
  return column;
}

/** True when `bytes[start, end)` (a column name's KVM part) is `name` lowercased, as Edge names the column. */
function namesColumn(name: string, bytes: Buffer, start: number, end: number): boolean {
  if (name.length === end - start) {
    let ascii = true;
    for (let i = 0; i < name.length; i++) {
      let c = name.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      if (bytes[start + i] !== c) return false;
    }
    if (ascii) return true;
  }
  return name.toLowerCase() === bytes.toString('utf8', start, end);
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
  const layout = context.setup.layout;
  const parts = layout?.format === 'cql' ? (layout.nameAt === 0 && layout.valueAt === 1 ? cqlRowParts(bytes, start, stop) : undefined) : cliRowParts(bytes, start, stop);
  if (parts === undefined) return 'general';
  const { syntax } = parts;
  const vs = parts.valueStart;
  const tail = parts.valueEnd;
  // Edge's row: {"<name>":"<entries literal>","__apigee__encrypted":"true"}
  if (!startsWithAt(bytes, vs, syntax.rowOpen, tail)) return 'general';
  const nameStart = vs + syntax.rowOpen.length;
  // The name holds no quote or backslash (checked next): the first byte that opens nameClose ends it.
  const nameEnd = bytes.indexOf(syntax.nameClose[0]!, nameStart);
  if (nameEnd < 0 || nameEnd >= tail || !startsWithAt(bytes, nameEnd, syntax.nameClose, tail)) return 'general';
  if (!plainText(bytes, nameStart, nameEnd)) return 'general';
  const literalEnd = tail - syntax.trueTail.length;
  if (literalEnd < nameEnd + syntax.nameClose.length || !startsWithAt(bytes, literalEnd, syntax.trueTail, tail)) return 'general';
  const name = bytes.toString('utf8', nameStart, nameEnd);
  if (name === KEYSTORE_KVM_NAME || name === ENCRYPTED_FLAG) return 'general';
  const markerAt = bytes.indexOf(KVM_MARKER_BYTES, parts.nameStart);
  const keyStart = markerAt + KVM_MARKER_BYTES.length;
  if (markerAt < 0 || keyStart >= parts.nameEnd) return 'general';
  const column = columnScope(context, bytes, parts.nameStart, markerAt, parts.nameEnd);
  // Not wanted, no data key, or the column not named after the KVM: the general path says why (or passes it over).
  if (column?.dek === undefined || column.names?.has(name) !== true || !namesColumn(name, bytes, keyStart, parts.nameEnd)) return 'general';
  const { dek } = column;
  const descriptor: KvmDescriptor = { scope: column.scope, name, encrypted: true, origin: location(context.setup.label, lineNo) };

  // The entries: [{\"name\":\"N\",\"value\":\"V\"},...] with N plain and V base64.
  const ls = nameEnd + syntax.nameClose.length;
  const le = literalEnd;
  const { entryStart, valueStart, entryEnd } = syntax;
  const ranges: number[] = [];
  let cipherBytes = 0;
  if (!(le - ls === 2 && bytes[ls] === 0x5b && bytes[ls + 1] === 0x5d)) {
    if (bytes[ls] !== 0x5b || bytes[le - 1] !== 0x5d) return 'general';
    let i = ls + 1;
    for (;;) {
      if (!startsWithAt(bytes, i, entryStart, le)) return 'general';
      const ns = i + entryStart.length;
      const ne = bytes.indexOf(BACKSLASH, ns);
      if (ne < 0 || ne >= le || !startsWithAt(bytes, ne, valueStart, le) || !plainText(bytes, ns, ne)) return 'general';
      const bs = ne + valueStart.length;
      const be = bytes.indexOf(BACKSLASH, bs);
      if (be < 0 || be >= le || !startsWithAt(bytes, be, entryEnd, le)) return 'general';
      // Decoded straight into the ciphertext scratch (strictness checked on the way).
      if (scratch.length < cipherBytes + ((be - bs) >> 2) * 3) scratch = grown(scratch, cipherBytes, cipherBytes + ((be - bs) >> 2) * 3);
      const size = decodeStrictBase64Bytes(bytes, bs, be, scratch, cipherBytes);
      if (size <= 0 || size % 16 !== 0) return 'general';
      ranges.push(ns, ne, size);
      cipherBytes += size;
      i = be + entryEnd.length;
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
