// Decrypts and renders the wanted KVMs of a chunk of whole lines of an Edge dump (cassandra-cli text or CQL): the work of the export's second pass, on any thread.
//
// The first pass has read and checked the whole dump (structure, trailer, names, data keys), and the dump is checked
// unchanged after this pass, so only the record lines are read here and the rest is passed over.
import { isUtf8 } from 'node:buffer';
import { AmuError, InputError, KeyError } from '../../errors.js';
import { parseRecord } from '../../dumps/edgeCliDump.js';
import { location } from '../../dumps/lines.js';
import { scopeKey, type Scope } from '../../kvm/model.js';
import { edgeItemOf, type ScopeKey } from '../edgeSource.js';
import { apigeecliFileText } from '../targets/apigeecli.js';
import { mavenKvmText } from '../targets/maven.js';
import type { EdgeDumpLayout, RenderedRow, WorkerError, WorkerSetup } from './protocol.js';
import { ByteOut } from './byteOut.js';
import { entryLinesFast, renderRowFast } from './fastRow.js';
import { ContentDigester } from '../../verify/digest.js';
import { EntryLines } from '../../verify/entryLines.js';

const RECORD_START = '=> (';
const LF = 0x0a;
const CR = 0x0d;

type CqlLayout = Extract<EdgeDumpLayout, { format: 'cql' }>;

/** What renderChunk needs, built once from the setup. */
export interface ChunkContext {
  setup: WorkerSetup;
  /** With render 'digest'. */
  digester?: ContentDigester;
  /** With render 'digest': the lines of the KVM being digested (one buffer, reused). */
  lines?: EntryLines;
  keys: Map<string, ScopeKey>;
  /** The wanted KVMs' exact names by scopeKey. */
  wanted: Map<string, Set<string>>;
  isWanted: (d: { scope: Scope; name: string }) => boolean;
  /** The fast path's last column scope (the rows of a scope come together in a dump): see fastRow.ts. */
  lastScope?: ColumnScope;
}

/** A scope as the fast path meets it in column names: the bytes before the KVM marker, and what it needs of the scope. */
export interface ColumnScope {
  prefix: Buffer;
  scope: Scope;
  dek: Buffer | undefined;
  /** The wanted KVM names of the scope. */
  names: Set<string> | undefined;
}

export function chunkContext(setup: WorkerSetup): ChunkContext {
  const keys = new Map<string, ScopeKey>(
    setup.keys.map(([scope, key]) => [scope, { ...(key.dek ? { dek: Buffer.from(key.dek) } : {}), ...(key.failure !== undefined ? { failure: key.failure } : {}) }]),
  );
  const wanted = new Map(setup.wanted.map(([scope, names]) => [scope, new Set(names)]));
  return {
    setup,
    keys,
    wanted,
    isWanted: (d) => wanted.get(scopeKey(d.scope))?.has(d.name) === true,
    ...(setup.render === 'digest' ? { digester: new ContentDigester(Buffer.from(setup.digestKey ?? [])), lines: new EntryLines() } : {}),
  };
}

/** A record line's count and digest by the fast path (from its bytes, no string per entry), or 'general'. */
function digestFast(context: ChunkContext, digester: ContentDigester, bytes: Buffer, start: number, stop: number, lineNo: number): RenderedRow | 'general' {
  const lines = context.lines!;
  const descriptor = entryLinesFast(context, bytes, start, stop, lineNo, lines);
  if (descriptor === 'general') return descriptor;
  const { entries, digest } = digester.digestLines(lines);
  return { descriptor, kind: 'kvm', entries, digest, start: 0, end: 0 };
}

/** An error met while rendering, as it crosses to the main thread. */
export function errorOf(err: unknown): WorkerError {
  if (err instanceof InputError || err instanceof KeyError) return { kind: err.name as WorkerError['kind'], message: err.message, details: err.details };
  if (err instanceof AmuError) return { kind: 'InputError', message: err.message, details: err.details };
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'internal', message: e.message, details: [], ...(e.stack !== undefined ? { stack: e.stack } : {}) };
}

/** The wanted KVMs of `bytes` (whole lines, the first numbered `firstLine`): rows, and their texts in one buffer (`reuse`, when large enough). */
export function renderChunk(context: ChunkContext, bytes: Buffer, firstLine: number, reuse?: ArrayBuffer): { rows: RenderedRow[]; text: ArrayBuffer } {
  const { setup } = context;
  const cql = setup.layout?.format === 'cql' ? setup.layout : undefined;
  const recordStart = cql ? 0x5b : 0x3d;
  const valid = isUtf8(bytes);
  const rows: RenderedRow[] = [];
  const out = new ByteOut(bytes.length + (bytes.length >> 1), reuse);
  let lineNo = firstLine;
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(LF, start);
    if (end < 0) end = bytes.length;
    // Only record lines matter: `=` (0x3d) in cassandra-cli text, `[` (0x5b) in a CQL dump, is the cheap first test.
    if (bytes[start] === recordStart) {
      const stop = end > start && bytes[end - 1] === CR ? end - 1 : end;
      if (!valid && !isUtf8(bytes.subarray(start, stop))) throw new InputError(`${location(setup.label, lineNo)}: not valid UTF-8 text`);
      if (cql) renderCqlRow(context, cql, bytes, start, stop, lineNo, out, rows);
      else {
        const fast = renderFast(context, bytes, start, stop, lineNo, out);
        if (fast !== 'general') rows.push(fast);
        else {
          const text = bytes.toString('utf8', start, stop);
          if (text.startsWith(RECORD_START)) {
            const column = parseRecord(text, setup.label, lineNo);
            renderGeneral(context, column.name, column.value, lineNo, out, rows);
          }
        }
      }
    }
    lineNo++;
    start = end + 1;
  }
  return { rows, text: out.bytes.buffer as ArrayBuffer };
}

/** The fast path's row (rendered, or digested for verify) of the record line `bytes[start, stop)`, or 'general'. */
function renderFast(context: ChunkContext, bytes: Buffer, start: number, stop: number, lineNo: number, out: ByteOut): RenderedRow | 'general' {
  return context.digester ? digestFast(context, context.digester, bytes, start, stop, lineNo) : renderRowFast(context, bytes, start, stop, lineNo, out);
}

/** A column (name and value) the fast path does not take: through the general parser, with the same result or error. */
function renderGeneral(context: ChunkContext, name: string, value: string, lineNo: number, out: ByteOut, rows: RenderedRow[]): void {
  const { setup, keys, isWanted } = context;
  const item = edgeItemOf({ name, value, where: location(setup.label, lineNo) }, keys, isWanted);
  if (item?.kind === 'failed') rows.push({ descriptor: item.descriptor, kind: 'failed', entries: 0, reason: item.reason, start: 0, end: 0 });
  else if (item !== undefined && context.digester) {
    const { entries, digest } = context.digester.digest(item.kvm.entries);
    rows.push({ descriptor: item.descriptor, kind: 'kvm', entries, digest, start: 0, end: 0 });
  } else if (item !== undefined) {
    const from = out.length;
    out.text(setup.render === 'apigeecli' ? apigeecliFileText(item.kvm.entries) : mavenKvmText(item.kvm));
    rows.push({ descriptor: item.descriptor, kind: 'kvm', entries: item.kvm.entries.length, start: from, end: out.length });
  }
}

/**
 * A row line of a CQL dump (a JSON array of cells), whose column name and value hold the same text as a
 * cassandra-cli record's: the fast path reads it from its bytes, else its cells go through the general path.
 */
function renderCqlRow(context: ChunkContext, cql: CqlLayout, bytes: Buffer, start: number, stop: number, lineNo: number, out: ByteOut, rows: RenderedRow[]): void {
  const fast = renderFast(context, bytes, start, stop, lineNo, out);
  if (fast !== 'general') {
    rows.push(fast);
    return;
  }
  let cells: unknown;
  try {
    cells = JSON.parse(bytes.toString('utf8', start, stop));
  } catch {
    cells = undefined;
  }
  const name = Array.isArray(cells) ? (cells[cql.nameAt] as unknown) : undefined;
  const value = Array.isArray(cells) ? (cells[cql.valueAt] as unknown) : undefined;
  // The first pass read every row with the dump's own reader: a row it took is never refused here.
  if (typeof name !== 'string' || typeof value !== 'string') throw new InputError(`${location(context.setup.label, lineNo)}: not a row of column1 and value as text`);
  renderGeneral(context, name, value, lineNo, out, rows);
}
