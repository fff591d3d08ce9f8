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

/** Control characters (but newline) or a backslash: a block whose JSON lines need the full parser. */
// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
const NOT_PLAIN_JSON_RE = /[\x00-\x09\x0b-\x1f\\]/;

// ---------------------------------------------------------------------------------------------
// cqlsh tables

/** Rows of a cqlsh dump of `kvm_map_entry`, in batches (one per read chunk). */
export function cqlshEntryBatches(file: string): AsyncIterable<HybridEntryRow[]> {
  return cqlshBatches(file, ENTRY_SHAPE);
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
  yield* cqlshRowsOf(blocks, parser, shape, fileName);
  parser.end();
}

async function* cqlshRowsOf<T>(
  blocks: AsyncIterable<LineBlock>,
  parser: CqlshTableParser,
  shape: RowShape<T>,
  fileName: string,
): AsyncIterable<T[]> {
  let at: number[] | null = null; // table column of each shape column
  const cells = new Array<string | null>(shape.columns.length);
  for await (const block of blocks) {
    const rows: T[] = [];
    const { text } = block;
    // Every character of an ASCII line has display width 1 (cqlsh's wcwidth), but NUL (width 0): such
    // lines are cut by position exactly as the full parser's display-width cut would.
    const plain = block.ascii && !text.includes('\0');
    let backslash = plain ? text.indexOf('\\') : -1;
    let lineNo = block.firstLineNo;
    for (let start = 0; start < text.length; lineNo++) {
      let nl = text.indexOf('\n', start);
      if (nl < 0) nl = text.length;
      if (backslash >= 0 && backslash < start) backslash = text.indexOf('\\', start);
      const layout = plain && (backslash < 0 || backslash >= nl) ? parser.rowLayout : null;
      if (layout !== null && at === null) at = shape.columns.map((name) => parser.header!.columns.indexOf(name));
      if (layout !== null && cutCqlshRow(text, start, nl, layout, at!, shape.nullable, cells)) {
        parser.countRow(lineNo);
        rows.push(shape.build(cells, lineNo));
      } else {
        const end = nl > start && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
        const row = parser.line({ text: text.slice(start, end), lineNo });
        if (row !== null) rows.push(shape.fromRecord(row, fileName));
      }
      start = nl + 1;
    }
    if (rows.length > 0) yield rows;
  }
}

/**
 * Cuts the wanted cells of the ASCII line text[start, end) (no NUL, no backslash) by the rule's borders, as the
 * full parser would; false (nothing decided) when the line does not fit, ends with '\r', or a required cell is null.
 */
function cutCqlshRow(
  text: string,
  start: number,
  end: number,
  layout: { starts: readonly number[]; ends: readonly number[]; rowWidth: number },
  at: number[],
  nullable: number,
  cells: (string | null)[],
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
    cells[c] = isNull ? null : text.slice(from, to);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// amu CQL line dumps

/** Rows of an amu CQL dump of hybrid `kvm_map_entry`, in batches; `onHeader` may refuse the header. */
export function cqlEntryBatches(file: string, label: string, onHeader: (h: CqlDumpHeader) => void): AsyncIterable<HybridEntryRow[]> {
  return cqlBatches(file, label, onHeader, ENTRY_SHAPE);
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
  yield* cqlRowsOf(blocks, reader, shape, names.fileName);
  reader.end();
}

async function* cqlRowsOf<T>(
  blocks: AsyncIterable<LineBlock>,
  reader: CqlDumpReader,
  shape: RowShape<T>,
  fileName: string,
): AsyncIterable<T[]> {
  let plan: { at: number[]; types: CqlDumpType[] } | null = null;
  let columns: unknown = null;
  const cells = new Array<string | null>(shape.columns.length);
  for await (const block of blocks) {
    const rows: T[] = [];
    const { text } = block;
    const plain = !NOT_PLAIN_JSON_RE.test(text);
    let lineNo = block.firstLineNo;
    for (let start = 0; start < text.length; lineNo++) {
      let nl = text.indexOf('\n', start);
      if (nl < 0) nl = text.length;
      const rowColumns = plain ? reader.rowColumns : null;
      if (rowColumns !== null && rowColumns !== columns) {
        columns = rowColumns;
        plan = { at: shape.columns.map((name) => rowColumns.findIndex((c) => c.name === name)), types: rowColumns.map((c) => c.type) };
        // A dump lacking a column is refused by the full reader, row by row.
        if (plan.at.includes(-1)) plan = null;
      }
      if (rowColumns !== null && plan !== null && cutJsonRow(text, start, nl, plan, shape.nullable, cells)) {
        reader.countRow(lineNo);
        rows.push(shape.build(cells, lineNo));
      } else {
        const end = nl > start && text.charCodeAt(nl - 1) === 0x0d ? nl - 1 : nl;
        const row = reader.line(text.slice(start, end), lineNo);
        if (row !== null) rows.push(shape.fromRecord(row, fileName));
      }
      start = nl + 1;
    }
    if (rows.length > 0) yield rows;
  }
}

/** Cell borders of the row being cut (reused: one row at a time). */
let cellFrom = new Int32Array(16);
let cellTo = new Int32Array(16);

/**
 * Reads text[start, end) as a JSON array of strings without escapes and nulls, one per column, each valid for
 * its column type; fills the wanted cells. False (nothing decided) for anything else, including a null key column.
 */
function cutJsonRow(
  text: string,
  start: number,
  end: number,
  plan: { at: number[]; types: CqlDumpType[] },
  nullable: number,
  cells: (string | null)[],
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
    cells[c] = from < 0 ? null : text.slice(from, cellTo[k2]);
  }
  return true;
}

