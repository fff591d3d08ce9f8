// The lossless line-per-row CQL dump: a JSON header line, one JSON array per row, a trailer line with the row count.
//
// Cells are strings or null, so null (no value) and "" (empty text) stay distinct. Non-text columns are
// written as text without loss:
//   int, bigint -> decimal string ("-42", "9223372036854775807")
//   timestamp   -> ISO-8601 UTC with milliseconds ("2024-01-02T03:04:05.678Z"), Cassandra's own precision
//   blob        -> {"b64": "<standard base64>"} in the file; readCqlDump hands back the base64 text
// JSON escapes newlines and control characters inside strings, so every row is exactly one line.
import { InputError } from '../errors.js';
import { cutInput } from '../cli/quoteInput.js';
import { isStrictBase64 } from '../keys/base64.js';
import { DurableDumpWriter } from './durableWriter.js';
import { jsonNestingExceeds, MAX_JSON_DEPTH } from './jsonDepth.js';

export const CQL_DUMP_FORMAT = 'amu-cql-dump';
export const CQL_DUMP_VERSION = 1;

export type CqlDumpType = 'text' | 'int' | 'bigint' | 'timestamp' | 'blob' | 'uuid';
export type CqlDumpSource = 'edge' | 'hybrid';

export interface CqlDumpColumn {
  name: string;
  type: CqlDumpType;
}

export interface CqlDumpHeader {
  format: typeof CQL_DUMP_FORMAT;
  version: typeof CQL_DUMP_VERSION;
  source: CqlDumpSource;
  keyspace: string;
  table: string;
  columns: CqlDumpColumn[];
  query: string;
  /** The bound values of the query's `?` markers, as text (the org name, a tenant id...). */
  params: string[];
  startedAt: string;
}

/** A cell as stored in the file. */
export type CqlDumpCell = string | null | { b64: string };

/** A row as read back: column name -> text (blob: base64 text), or null. */
export interface CqlDumpRow {
  cells: Record<string, string | null>;
  lineNo: number;
}

const DUMP_TYPES: ReadonlySet<string> = new Set(['text', 'int', 'bigint', 'timestamp', 'blob', 'uuid']);
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INT32 = { min: -(2n ** 31n), max: 2n ** 31n - 1n };
const INT64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const ISO_RE = /^[+-]?\d{4,6}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The dump type that holds a CQL type without loss, or undefined when the dump cannot hold it. */
export function dumpTypeOf(cqlType: string): CqlDumpType | undefined {
  switch (cqlType) {
    case 'text':
    case 'varchar':
    case 'ascii':
      return 'text';
    case 'int':
      return 'int';
    case 'bigint':
    case 'counter':
      return 'bigint';
    case 'timestamp':
      return 'timestamp';
    case 'blob':
      return 'blob';
    case 'uuid':
    case 'timeuuid':
      return 'uuid';
    default:
      return undefined;
  }
}

/** Renders a driver value (string, number, bigint, Date, Buffer) as a dump cell; a value of the wrong kind is a bug. */
export function renderCell(column: CqlDumpColumn, value: unknown): CqlDumpCell {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'text':
      if (typeof value === 'string') return value;
      break;
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value)) return String(value);
      break;
    case 'bigint':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
      break;
    case 'timestamp':
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
      break;
    case 'blob':
      if (Buffer.isBuffer(value)) return { b64: value.toString('base64') };
      break;
    case 'uuid':
      // cassandra-driver's Uuid and TimeUuid print as the canonical 8-4-4-4-12 form.
      if (typeof value === 'string' || (typeof value === 'object' && /^(Time)?Uuid$/.test(kindOf(value)))) return String(value);
      break;
  }
  throw new TypeError(`column ${column.name} (${column.type}) cannot hold a value of kind ${kindOf(value)}`);
}

function kindOf(value: unknown): string {
  return value instanceof Object ? value.constructor.name : typeof value;
}

/** True when the first line of a file is a CQL dump header. */
export function isCqlDump(firstLine: string): boolean {
  try {
    const h = JSON.parse(firstLine) as unknown;
    return isRecord(h) && h['format'] === CQL_DUMP_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Writes a dump through the durable dump writer (hidden temp file, mode 0600, beside the final name); only
 * `finish()` (trailer, fsync, rename, folder fsync) makes the final file appear, so a failed run never leaves a
 * file that looks complete.
 */
export class CqlDumpWriter {
  private rows = 0;
  private state: 'open' | 'sealed' | 'finished' | 'aborted' = 'open';

  private constructor(
    private readonly file: DurableDumpWriter,
    readonly header: CqlDumpHeader,
  ) {}

  static async create(finalPath: string, header: Omit<CqlDumpHeader, 'format' | 'version'>): Promise<CqlDumpWriter> {
    const full: CqlDumpHeader = { format: CQL_DUMP_FORMAT, version: CQL_DUMP_VERSION, ...header };
    checkColumns(full.columns);
    const file = await DurableDumpWriter.create(finalPath);
    const writer = new CqlDumpWriter(file, full);
    try {
      await file.write(`${JSON.stringify(full)}\n`);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer;
  }

  get tempPath(): string {
    return this.file.tempPath;
  }

  get finalPath(): string {
    return this.file.finalPath;
  }

  get rowsWritten(): number {
    return this.rows;
  }

  /** Appends rows (cells in header column order) as one write. */
  async writeRows(rows: readonly (readonly unknown[])[]): Promise<void> {
    this.expectOpen('writeRows');
    if (rows.length === 0) return;
    const { columns } = this.header;
    const lines = rows.map((row) => {
      if (row.length !== columns.length) {
        throw new TypeError(`a row of ${row.length} cells for ${columns.length} columns`);
      }
      return JSON.stringify(row.map((v, i) => renderCell(columns[i]!, v)));
    });
    await this.file.write(`${lines.join('\n')}\n`);
    this.rows += rows.length;
  }

  /** Appends the trailer, syncs, and renames the temp file to the final name (replacing an older dump). */
  async finish(): Promise<{ file: string; rows: number; bytes: number; sha256: string }> {
    await this.seal();
    return this.commit();
  }

  /** Appends the trailer and flushes the dump to disk under its temporary name; `commit()` puts it in place. */
  async seal(): Promise<{ file: string; rows: number; bytes: number; sha256: string }> {
    this.expectOpen('seal');
    try {
      await this.file.write(`${JSON.stringify({ end: true, rows: this.rows, finishedAt: new Date().toISOString() })}\n`);
      const done = await this.file.seal();
      this.state = 'sealed';
      return { ...done, rows: this.rows };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Renames a sealed dump to its final name (replacing an older dump) and makes the rename durable. */
  async commit(): Promise<{ file: string; rows: number; bytes: number; sha256: string }> {
    if (this.state !== 'sealed') throw new Error(`CqlDumpWriter.commit after the dump was ${this.state}`);
    try {
      const done = await this.file.commit();
      this.state = 'finished';
      return { ...done, rows: this.rows };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Closes and deletes the temp file; safe to call twice and after a failed finish. */
  async abort(): Promise<void> {
    if (this.state !== 'open' && this.state !== 'sealed') return;
    this.state = 'aborted';
    await this.file.abort();
  }

  private expectOpen(what: string): void {
    if (this.state !== 'open') throw new Error(`CqlDumpWriter.${what} after the dump was ${this.state}`);
  }
}

function checkColumns(columns: readonly CqlDumpColumn[]): void {
  const names = new Set(columns.map((c) => c.name));
  if (columns.length === 0 || names.size !== columns.length) {
    throw new TypeError(`dump columns must be non-empty and unique: ${columns.map((c) => c.name).join(', ')}`);
  }
}

/**
 * One read of a dump, fed line by line (readCqlDump below, and the hybrid block reader, which parses plain
 * rows itself and hands every other line here).
 */
export class CqlDumpReader {
  private header: CqlDumpHeader | undefined;
  private rows = 0;
  private ended = false;
  private lastLineNo = 0;

  constructor(
    private readonly fileName: string,
    private readonly onHeader?: (header: CqlDumpHeader) => void,
  ) {}

  /** The header's columns while rows may come (after the header, before the trailer); else null. */
  get rowColumns(): readonly CqlDumpColumn[] | null {
    return this.header !== undefined && !this.ended ? this.header.columns : null;
  }

  /** Counts a row the caller parsed and checked itself, exactly as `line` would have. */
  countRow(lineNo: number): void {
    this.rows++;
    this.lastLineNo = lineNo;
  }

  /** Feeds one line; returns the row it holds, if any. */
  line(text: string, lineNo: number): CqlDumpRow | null {
    this.lastLineNo = lineNo;
    const at = `${this.fileName}:${lineNo}`;
    if (this.header === undefined) {
      this.header = parseCqlDumpHeader(text, at);
      this.onHeader?.(this.header);
      return null;
    }
    if (this.ended) {
      if (text.trim() === '') return null;
      throw new InputError(`${at}: data after the end trailer of the CQL dump`);
    }
    const parsed = parseLine(text, at);
    if (Array.isArray(parsed)) {
      this.rows++;
      return { cells: rowCells(this.header.columns, parsed, at), lineNo };
    }
    if (isRecord(parsed) && parsed['end'] === true) {
      checkTrailer(parsed, this.rows, at);
      this.ended = true;
      return null;
    }
    throw new InputError(`${at}: neither a row (JSON array) nor the end trailer`);
  }

  /** Ends the read: an InputError when the dump was empty or has no trailer. */
  end(): void {
    if (this.header === undefined) throw new InputError(`${this.fileName}: empty file, not an amu CQL dump`);
    if (!this.ended) {
      throw new InputError(
        `${this.fileName}:${this.lastLineNo}: truncated CQL dump: no end trailer after ${this.rows} rows (the export did not finish)`,
      );
    }
  }
}

/**
 * Reads a dump line by line, yielding rows as they come; the trailer's count is checked at the end, so a
 * consumer must treat an error thrown after some rows as "the whole dump is bad".
 */
export async function* readCqlDump(
  lines: AsyncIterable<{ text: string; lineNo: number }>,
  fileName: string,
  onHeader?: (header: CqlDumpHeader) => void,
): AsyncGenerator<CqlDumpRow> {
  const reader = new CqlDumpReader(fileName, onHeader);
  for await (const { text, lineNo } of lines) {
    const row = reader.line(text, lineNo);
    if (row !== null) yield row;
  }
  reader.end();
}

/** Parses and checks line 1; `at` is "file:line" for messages. */
export function parseCqlDumpHeader(text: string, at: string): CqlDumpHeader {
  const h = parseLine(text, at);
  if (!isRecord(h) || h['format'] !== CQL_DUMP_FORMAT) throw new InputError(`${at}: not an amu CQL dump (no ${CQL_DUMP_FORMAT} header)`);
  if (h['version'] !== CQL_DUMP_VERSION) {
    throw new InputError(`${at}: CQL dump version ${String(h['version'])} is not supported (this amu reads version ${CQL_DUMP_VERSION})`);
  }
  const stringFields = ['keyspace', 'table', 'query', 'startedAt'] as const;
  const badField = stringFields.find((f) => typeof h[f] !== 'string');
  if (badField) throw new InputError(`${at}: CQL dump header has no valid "${badField}"`);
  if (h['source'] !== 'edge' && h['source'] !== 'hybrid') throw new InputError(`${at}: CQL dump header has an unknown source`);
  const params = h['params'] ?? [];
  if (!Array.isArray(params) || !params.every((p) => typeof p === 'string')) {
    throw new InputError(`${at}: CQL dump header "params" must be a list of strings`);
  }
  return { ...(h as unknown as CqlDumpHeader), params, columns: headerColumns(h['columns'], at) };
}

function headerColumns(value: unknown, at: string): CqlDumpColumn[] {
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((c) => isRecord(c) && typeof c['name'] === 'string' && DUMP_TYPES.has(c['type'] as string));
  const columns = ok ? (value as CqlDumpColumn[]).map((c) => ({ name: c.name, type: c.type })) : [];
  if (!ok || new Set(columns.map((c) => c.name)).size !== columns.length) {
    throw new InputError(`${at}: CQL dump header has no valid "columns" (unique {name, type} with type one of ${[...DUMP_TYPES].join(', ')})`);
  }
  return columns;
}

function checkTrailer(trailer: Record<string, unknown>, rows: number, at: string): void {
  const declared = trailer['rows'];
  if (typeof declared !== 'number' || !Number.isSafeInteger(declared)) throw new InputError(`${at}: the end trailer has no row count`);
  if (declared !== rows) {
    throw new InputError(`${at}: the end trailer says ${declared} rows but the dump holds ${rows}`);
  }
}

function rowCells(columns: readonly CqlDumpColumn[], row: unknown[], at: string): Record<string, string | null> {
  if (row.length !== columns.length) {
    throw new InputError(`${at}: a row of ${row.length} cells, the header names ${columns.length} columns`);
  }
  const cells: Record<string, string | null> = {};
  for (let i = 0; i < columns.length; i++) cells[columns[i]!.name] = parseCell(columns[i]!, row[i], at);
  return cells;
}

/** Checks one stored cell against its column type; returns its text (blob: base64). */
function parseCell(column: CqlDumpColumn, cell: unknown, at: string): string | null {
  if (cell === null) return null;
  if (column.type === 'text' && typeof cell === 'string') return cell;
  const bad = (why: string): InputError => new InputError(`${at}: column ${column.name} (${column.type}): ${why}`);
  if (column.type === 'blob') {
    if (!isRecord(cell) || typeof cell['b64'] !== 'string') throw bad('expected {"b64": ...} or null');
    if (!isStrictBase64(cell['b64'])) throw bad('invalid base64');
    return cell['b64'];
  }
  if (typeof cell !== 'string') throw bad('expected a string or null');
  switch (column.type) {
    case 'int':
      return checkInteger(cell, INT32, bad);
    case 'bigint':
      return checkInteger(cell, INT64, bad);
    case 'timestamp':
      if (!isCanonicalIso(cell)) throw bad(`not an ISO timestamp: ${cutInput(cell)}`);
      return cell;
    case 'uuid':
      if (!UUID_RE.test(cell)) throw bad(`not a UUID: ${cutInput(cell)}`);
      return cell;
    default:
      return cell;
  }
}

const ISO_SEPARATORS = '--T::.Z';
const ISO_SEPARATOR_AT = [4, 7, 10, 13, 16, 19, 23];

/** The decimal number in text[from, to), or -1 when a character there is not a digit. */
function digitsAt(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.mmmZ` with a 4-digit year in text[start, end), checked by its fields (what `new Date`
 * would accept and print back).
 */
export function isPlainIsoAt(text: string, start: number, end: number): boolean {
  if (end - start !== 24) return false;
  for (let k = 0; k < ISO_SEPARATOR_AT.length; k++) if (text.charCodeAt(start + ISO_SEPARATOR_AT[k]!) !== ISO_SEPARATORS.charCodeAt(k)) return false;
  // No closure, no array: this runs for every timestamp cell of a dump.
  const year = digitsAt(text, start, start + 4);
  const month = digitsAt(text, start + 5, start + 7);
  const day = digitsAt(text, start + 8, start + 10);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  const hour = digitsAt(text, start + 11, start + 13);
  const minute = digitsAt(text, start + 14, start + 16);
  const second = digitsAt(text, start + 17, start + 19);
  return day <= days && hour >= 0 && hour < 24 && minute >= 0 && minute < 60 && second >= 0 && second < 60 && digitsAt(text, start + 20, start + 23) >= 0;
}

function isCanonicalIso(cell: string): boolean {
  if (isPlainIsoAt(cell, 0, cell.length)) return true;
  const d = new Date(cell);
  return ISO_RE.test(cell) && !Number.isNaN(d.getTime()) && d.toISOString() === cell;
}

function checkInteger(cell: string, range: { min: bigint; max: bigint }, bad: (why: string) => InputError): string {
  if (!/^-?(0|[1-9]\d*)$/.test(cell)) throw bad(`not a decimal integer: ${cutInput(cell)}`);
  const n = BigInt(cell);
  if (n < range.min || n > range.max) throw bad(`out of range: ${cutInput(cell)}`);
  return cell;
}

function parseLine(text: string, at: string): unknown {
  if (jsonNestingExceeds(text)) throw new InputError(`${at}: JSON nested more than ${MAX_JSON_DEPTH} levels deep: not a CQL dump row`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError(`${at}: not a JSON line (a damaged or truncated CQL dump)`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const UUID_AT_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/y;

/**
 * True when the JSON string cell text[start, end) (no escapes in it) is valid for its column without a
 * look at parseCell; false means "not sure": the caller hands the line to the full reader, which decides.
 */
export function plainCellValid(type: CqlDumpType, text: string, start: number, end: number): boolean {
  switch (type) {
    case 'text':
      return true;
    case 'int':
      return plainInteger(text, start, end, 9);
    case 'bigint':
      return plainInteger(text, start, end, 18);
    case 'timestamp':
      return isPlainIsoAt(text, start, end);
    case 'uuid':
      UUID_AT_RE.lastIndex = start;
      return UUID_AT_RE.test(text) && UUID_AT_RE.lastIndex === end;
    default:
      return false;
  }
}

/** `-?(0|[1-9]\d*)` with at most `maxDigits` digits (so surely in range). */
function plainInteger(text: string, start: number, end: number, maxDigits: number): boolean {
  if (text.charCodeAt(start) === 0x2d) start++;
  const digits = end - start;
  if (digits < 1 || digits > maxDigits) return false;
  if (digits > 1 && text.charCodeAt(start) === 0x30) return false;
  return digitsAt(text, start, end) >= 0;
}
