// Fast readers of hybrid kvm_map_entry / kvm_map_descriptor dumps (cqlsh tables, amu CQL line dumps): rows in batches.
//
// Each read chunk is decoded once (lineBlocks.ts) and its plain rows are cut in place from the block's
// text: no string per line or per unused cell, no object per cell, one promise per batch instead of per
// row. A row is "plain" when the quick cut is surely what the full parser would make of it (cqlsh: a
// printable-ASCII line of the table's width with ' | ' at every border and no backslash; CQL dump: a
// JSON array of plain strings and nulls, each cell valid for its column). Every other line - header,
// rule, trailer, escapes, non-ASCII text, a damaged row, a null key column - goes to the full parser
// (cqlshTable.ts, cqlDumpFormat.ts), which keeps every check and message. Rows come out identical.

import { CqlDumpReader, plainCellValid, type CqlDumpHeader, type CqlDumpType } from './cqlDumpFormat.js';
import { CqlshTableParser } from './cqlshTable.js';
import {
  checkingObserver,
  descriptorRowFrom,
  DESCRIPTOR_COLUMNS,
  entryRowFrom,
  ENTRY_COLUMNS,
  type HybridDescriptorRow,
  type HybridEntryRow,
} from './hybridRows.js';
import { fileLineBlocks, type LineBlock } from './lineBlocks.js';

/** What a table's rows are made of: the columns read (in this order) and how a row is built from them. */
export interface RowShape<T> {
  table: 'kvm_map_entry' | 'kvm_map_descriptor';
  columns: readonly string[];
  /** Index (in `columns`) of the one column that may be null, or -1. */
  nullable: number;
  /** Builds a row from the cut cells (in `columns` order). */
  build(cells: (string | null)[], lineNo: number): T;
  /** Builds a row from the full parser's record (same checks, same messages). */
  fromRecord(row: { cells: Record<string, string | null>; lineNo: number }, fileName: string): T;
}

export const ENTRY_SHAPE: RowShape<HybridEntryRow> = {
  table: 'kvm_map_entry',
  columns: ENTRY_COLUMNS,
  nullable: ENTRY_COLUMNS.indexOf('val'),
  build: (c, lineNo) => ({ tid: c[0]!, aScp: c[1]!, map: c[2]!, ver: c[3]!, key: c[4]!, val: c[5]!, lineNo }),
  fromRecord: entryRowFrom,
};

export const DESCRIPTOR_SHAPE: RowShape<HybridDescriptorRow> = {
  table: 'kvm_map_descriptor',
  columns: DESCRIPTOR_COLUMNS,
  nullable: -1,
  build: (c, lineNo) => ({ tid: c[0]!, aScp: c[1]!, map: c[2]!, ver: c[3]!, lineNo }),
  fromRecord: descriptorRowFrom,
};

/**
 * Receives the entry rows of a scan (one pass over a dump, no row objects for plain rows). Calls are synchronous,
 * in dump order; everything they are given is valid during the call only.
 */
export interface EntryRowSink {
  /**
   * A plain row of an ASCII block: cell c (ENTRY_COLUMNS order) is text[from[c], to[c]), and byte for byte
   * bytes[from[c], to[c]); from[c] = -1 for a null (only `val` may be null).
   */
  cut(text: string, bytes: Buffer, from: Int32Array, to: Int32Array, lineNo: number): void;
  /** Any other row, as the full parser made it (same checks, same messages). */
  row(row: HybridEntryRow): void;
}

/** The sink's call for a row cut into `cut` from `block`: `cut` when the block is ASCII and its bytes are known, else `row`. */
function sinkPlain(sink: EntryRowSink, block: LineBlock, cut: CutState): (lineNo: number) => void {
  const { text, bytes } = block;
  if (block.ascii && bytes !== undefined) return (lineNo) => sink.cut(text, bytes, cut.from, cut.to, lineNo);
  return (lineNo) => sink.row(ENTRY_SHAPE.build(cut.cells(text), lineNo));
}

/** Cuts the rows of one block: `plain(lineNo)` for a row cut into the cut state, `row(row)` for one the full parser made. */
type BlockCutter<T> = (block: LineBlock, plain: (lineNo: number) => void, row: (row: T) => void) => void;

/** The rows of each block, built from their cells or as the full parser made them, a batch per block holding rows. */
async function* batchesOf<T>(blocks: AsyncIterable<LineBlock>, shape: RowShape<T>, cut: CutState, cutBlock: BlockCutter<T>): AsyncIterable<T[]> {
  for await (const block of blocks) {
    const rows: T[] = [];
    cutBlock(block, (lineNo) => rows.push(shape.build(cut.cells(block.text), lineNo)), (row) => rows.push(row));
    if (rows.length > 0) yield rows;
  }
}

/** Every entry row of the blocks given to `sink` (see EntryRowSink). */
async function scanOf(blocks: AsyncIterable<LineBlock>, cut: CutState, sink: EntryRowSink, cutBlock: BlockCutter<HybridEntryRow>): Promise<void> {
  const row = (r: HybridEntryRow) => sink.row(r);
  for await (const block of blocks) cutBlock(block, sinkPlain(sink, block, cut), row);
}

/** Control characters (but newline) or a backslash: a block whose JSON lines need the full parser. */
// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
const NOT_PLAIN_JSON_RE = /[\x00-\x09\x0b-\x1f\\]/;

// ---------------------------------------------------------------------------------------------
// cqlsh tables

/** Rows of a cqlsh dump of `kvm_map_entry`, in batches (one per read chunk). */
export function cqlshEntryBatches(file: string): AsyncIterable<HybridEntryRow[]> {
  return cqlshBatches(file, ENTRY_SHAPE);
}

/** Every row of a cqlsh dump of `kvm_map_entry`, given to `sink` (see EntryRowSink). */
export async function scanCqlshEntries(blocks: AsyncIterable<LineBlock>, fileName: string, sink: EntryRowSink): Promise<void> {
  const parser = new CqlshTableParser(fileName, checkingObserver(ENTRY_SHAPE.columns, ENTRY_SHAPE.table, fileName, {}));
  const cut = new CutState(ENTRY_SHAPE.columns.length);
  await scanOf(blocks, cut, sink, (block, plain, row) => cqlshBlock(block, parser, ENTRY_SHAPE, fileName, cut, plain, row));
  parser.end();
}

/** The same for a cqlsh dump file. */
export function scanCqlshEntryFile(file: string, sink: EntryRowSink): Promise<void> {
  return scanCqlshEntries(fileLineBlocks(file, file), file, sink);
}

/** Rows of a cqlsh dump of `kvm_map_descriptor`, in batches. */
export function cqlshDescriptorBatches(file: string): AsyncIterable<HybridDescriptorRow[]> {
  return cqlshBatches(file, DESCRIPTOR_SHAPE);
}

function cqlshBatches<T>(file: string, shape: RowShape<T>): AsyncIterable<T[]> {
  return cqlshBlockRows(fileLineBlocks(file, file), shape, file);
}

/** The rows of a cqlsh table read as line blocks, in batches (one per block holding rows). */
export async function* cqlshBlockRows<T>(blocks: AsyncIterable<LineBlock>, shape: RowShape<T>, fileName: string): AsyncIterable<T[]> {
  const parser = new CqlshTableParser(fileName, checkingObserver(shape.columns, shape.table, fileName, {}));
  const cut = new CutState(shape.columns.length);
  yield* batchesOf(blocks, shape, cut, (block, plain, row) => cqlshBlock(block, parser, shape, fileName, cut, plain, row));
  parser.end();
}

/** The cells of the row being cut: cell c is text[from[c], to[c]), from[c] = -1 for a null (reused: one row at a time). */
class CutState {
  readonly from: Int32Array;
  readonly to: Int32Array;
  /** Table column of each shape column (cqlsh), set with the first plain row. */
  at: number[] | null = null;
  private readonly strings: (string | null)[];

  constructor(columns: number) {
    this.from = new Int32Array(columns);
    this.to = new Int32Array(columns);
    this.strings = new Array<string | null>(columns);
  }

  /** The cut cells as strings (in shape order). */
  cells(text: string): (string | null)[] {
    for (let c = 0; c < this.from.length; c++) this.strings[c] = this.from[c]! < 0 ? null : text.slice(this.from[c], this.to[c]);
    return this.strings;
  }
}

/** The rows of one block of a cqlsh table: `plain(lineNo)` for a row cut into `cut`, `row(row)` for one the full parser made. */
function cqlshBlock<T>(
  block: LineBlock,
  parser: CqlshTableParser,
  shape: RowShape<T>,
  fileName: string,
  cut: CutState,
  plain: (lineNo: number) => void,
  row: (row: T) => void,
): void {
  const { text } = block;
  // Every character of an ASCII line has display width 1 (cqlsh's wcwidth), but NUL (width 0): such
  // lines are cut by position exactly as the full parser's display-width cut would.
  const ascii = block.ascii && !text.includes('\0');
  let backslash = ascii ? text.indexOf('\\') : -1;
  let lineNo = block.firstLineNo;
  for (let start = 0; start < text.length; lineNo++) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    if (backslash >= 0 && backslash < start) backslash = text.indexOf('\\', start);
    const layout = ascii && (backslash < 0 || backslash >= nl) ? parser.rowLayout : null;
    if (layout !== null && cut.at === null) cut.at = shape.columns.map((name) => parser.header!.columns.indexOf(name));
    if (layout !== null && cutCqlshRow(text, start, nl, layout, cut.at!, shape.nullable, cut)) {
      parser.countRow(lineNo);
      plain(lineNo);
    } else {
      const end = nl > start && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      const record = parser.line({ text: text.slice(start, end), lineNo });
      if (record !== null) row(shape.fromRecord(record, fileName));
    }
    start = nl + 1;
  }
}

/**
 * Cuts the wanted cells of the ASCII line text[start, end) (no NUL, no backslash) by the rule's borders, as the
 * full parser would, into `cut`; false (nothing decided) when the line does not fit, ends with '\r', or a required cell is null.
 */
function cutCqlshRow(
  text: string,
  start: number,
  end: number,
  layout: { starts: readonly number[]; ends: readonly number[]; rowWidth: number },
  at: number[],
  nullable: number,
  cut: CutState,
): boolean {
  if (end - start !== layout.rowWidth || text.charCodeAt(start) !== 0x20 || text.charCodeAt(end - 1) === 0x0d) return false;
  const { starts, ends } = layout;
  for (let k = 1; k < starts.length; k++) {
    const s = start + starts[k]!;
    if (text.charCodeAt(s - 3) !== 0x20 || text.charCodeAt(s - 2) !== 0x7c || text.charCodeAt(s - 1) !== 0x20) return false;
  }
  for (let c = 0; c < at.length; c++) {
    const k = at[c]!;
    let from = start + starts[k]!;
    const to = start + ends[k]!;
    while (from < to && text.charCodeAt(from) === 0x20) from++;
    const isNull = to - from === 4 && text.startsWith('null', from);
    if (isNull && c !== nullable) return false;
    cut.from[c] = isNull ? -1 : from;
    cut.to[c] = to;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// amu CQL line dumps

/** Rows of an amu CQL dump of hybrid `kvm_map_entry`, in batches; `onHeader` may refuse the header. */
export function cqlEntryBatches(file: string, label: string, onHeader: (h: CqlDumpHeader) => void): AsyncIterable<HybridEntryRow[]> {
  return cqlBatches(file, label, onHeader, ENTRY_SHAPE);
}

/** Every row of an amu CQL dump of hybrid `kvm_map_entry`, given to `sink` (names as for cqlBlockRows). */
export async function scanCqlEntries(
  blocks: AsyncIterable<LineBlock>,
  names: { label: string; fileName: string; onHeader?: (h: CqlDumpHeader) => void },
  sink: EntryRowSink,
): Promise<void> {
  const reader = new CqlDumpReader(names.label, names.onHeader);
  const cut = new CqlCutState(ENTRY_SHAPE.columns.length);
  await scanOf(blocks, cut, sink, (block, plain, row) => cqlBlock(block, reader, ENTRY_SHAPE, names.fileName, cut, plain, row));
  reader.end();
}

/** The same for a CQL dump file. */
export function scanCqlEntryFile(file: string, label: string, onHeader: (h: CqlDumpHeader) => void, sink: EntryRowSink): Promise<void> {
  return scanCqlEntries(fileLineBlocks(file, label), { label, fileName: file, onHeader }, sink);
}

/** Rows of an amu CQL dump of hybrid `kvm_map_descriptor`, in batches. */
export function cqlDescriptorBatches(file: string, label: string, onHeader: (h: CqlDumpHeader) => void): AsyncIterable<HybridDescriptorRow[]> {
  return cqlBatches(file, label, onHeader, DESCRIPTOR_SHAPE);
}

function cqlBatches<T>(file: string, label: string, onHeader: (h: CqlDumpHeader) => void, shape: RowShape<T>): AsyncIterable<T[]> {
  return cqlBlockRows(fileLineBlocks(file, label), shape, { label, fileName: file, onHeader });
}

/**
 * The rows of an amu CQL dump read as line blocks, in batches. `label` names the dump in the reader's messages,
 * `fileName` in the rows' (as the per-row readers do).
 */
export async function* cqlBlockRows<T>(
  blocks: AsyncIterable<LineBlock>,
  shape: RowShape<T>,
  names: { label: string; fileName: string; onHeader?: (h: CqlDumpHeader) => void },
): AsyncIterable<T[]> {
  const reader = new CqlDumpReader(names.label, names.onHeader);
  const cut = new CqlCutState(shape.columns.length);
  yield* batchesOf(blocks, shape, cut, (block, plain, row) => cqlBlock(block, reader, shape, names.fileName, cut, plain, row));
  reader.end();
}

/** The cut state of a CQL dump: the plan of the row columns seen last. */
class CqlCutState extends CutState {
  plan: { at: number[]; types: CqlDumpType[] } | null = null;
  columns: unknown = null;
}

/** The rows of one block of a CQL dump: `plain(lineNo)` for a row cut into `cut`, `row(row)` for one the full reader made. */
function cqlBlock<T>(
  block: LineBlock,
  reader: CqlDumpReader,
  shape: RowShape<T>,
  fileName: string,
  cut: CqlCutState,
  plain: (lineNo: number) => void,
  row: (row: T) => void,
): void {
  const { text } = block;
  const plainBlock = !NOT_PLAIN_JSON_RE.test(text);
  let lineNo = block.firstLineNo;
  for (let start = 0; start < text.length; lineNo++) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = text.length;
    const rowColumns = plainBlock ? reader.rowColumns : null;
    if (rowColumns !== null && rowColumns !== cut.columns) {
      cut.columns = rowColumns;
      cut.plan = { at: shape.columns.map((name) => rowColumns.findIndex((c) => c.name === name)), types: rowColumns.map((c) => c.type) };
      // A dump lacking a column is refused by the full reader, row by row.
      if (cut.plan.at.includes(-1)) cut.plan = null;
    }
    if (rowColumns !== null && cut.plan !== null && cutJsonRow(text, start, nl, cut.plan, shape.nullable, cut)) {
      reader.countRow(lineNo);
      plain(lineNo);
    } else {
      const end = nl > start && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
      const record = reader.line(text.slice(start, end), lineNo);
      if (record !== null) row(shape.fromRecord(record, fileName));
    }
    start = nl + 1;
  }
}

/** Cell borders of the row being cut (reused: one row at a time). */
let cellFrom = new Int32Array(16);
let cellTo = new Int32Array(16);

/**
 * Reads text[start, end) as a JSON array of strings without escapes and nulls, one per column, each valid for
 * its column type; fills the wanted cells' borders into `cut`. False (nothing decided) for anything else, including a null key column.
 */
function cutJsonRow(
  text: string,
  start: number,
  end: number,
  plan: { at: number[]; types: CqlDumpType[] },
  nullable: number,
  cut: CutState,
): boolean {
  const count = plan.types.length;
  if (cellFrom.length < count) {
    cellFrom = new Int32Array(count);
    cellTo = new Int32Array(count);
  }
  if (text.charCodeAt(start) !== 0x5b) return false; // [
  let pos = start + 1;
  let k = 0;
  for (;;) {
    if (k === count) return false;
    const c = text.charCodeAt(pos);
    if (c === 0x22) {
      const close = text.indexOf('"', pos + 1);
      if (close < 0 || close >= end) return false;
      if (!plainCellValid(plan.types[k]!, text, pos + 1, close)) return false;
      cellFrom[k] = pos + 1;
      cellTo[k] = close;
      pos = close + 1;
    } else if (c === 0x6e && text.startsWith('null', pos)) {
      cellFrom[k] = -1;
      pos += 4;
    } else {
      return false;
    }
    k++;
    const sep = text.charCodeAt(pos++);
    if (sep === 0x5d) break; // ]
    if (sep !== 0x2c) return false; // ,
  }
  if (pos !== end || k !== count) return false;
  for (let c = 0; c < plan.at.length; c++) {
    const k2 = plan.at[c]!;
    const from = cellFrom[k2]!;
    if (from < 0 && c !== nullable) return false;
    cut.from[c] = from;
    cut.to[c] = cellTo[k2]!;
  }
  return true;
}

