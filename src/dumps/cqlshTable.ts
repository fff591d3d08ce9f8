// Streaming parser of cqlsh's no-tty table output (`SELECT` results), with display-width aware column cutting.
//
// What cqlsh prints (pylib/cqlshlib cqlshmain.py print_result / print_formatted_result, formatting.py
// format_value_text, wcwidth.py; cqlsh 5 for Cassandra 3.11 and cqlsh 6 for 4.x):
//   [Disabled Query paging.]            <- only after PAGING OFF
//   <blank>
//    name1 | name2 | name3               <- names left-justified, ' | ' between, trailing blanks cut
//   -------+-------+-------              <- '-' + dashes joined by '-+-' + '-'
//    cell1 | cell2 | cell3               <- every cell right-justified (leading padding)
//   <blank>                              <- cqlsh 6 prints two blanks when there are no rows
//   (N rows)
//   [<blank> / Warnings : / text / <blank> ...]  <- ignored trailer
// Widths are display columns: East-Asian wide and fullwidth characters count 2, combining marks 0.
//
// Choices (documented limits of the text format):
// - A cell that prints as `null` is read as null: in no-tty mode cqlsh prints null and the text "null" alike.
// - Leading blanks of a value cannot be told from cqlsh's padding; they are dropped (a value of
//   only blanks reads as ''). Kvm values are base64 ciphertext, so they never start with a blank.
// - Cells are cut at the column borders of the rule line (`|` inside a cell is not escaped). If a
//   line holding non-ASCII text does not fit those borders (a wcwidth table differing from ours), it
//   is split at its ' | ' separators instead, but only when exactly one separator per border exists,
//   which makes the split unambiguous. Any other misfit is an InputError naming file and line.

import { InputError } from '../errors.js';
import { location } from './lines.js';

/** One line of input, as `readLines` yields it (1-based line numbers). */
export interface CqlshLine {
  text: string;
  lineNo: number;
}

/** One data row: cell text by column name (null for cqlsh's `null`), and where it was read. */
export interface CqlshRow {
  cells: Record<string, string | null>;
  lineNo: number;
}

/** What the header told: available before the first row is yielded. */
export interface CqlshHeader {
  columns: string[];
  headerLineNo: number;
  /** The `Disabled Query paging.` line came first: without it cqlsh 5 prints only the first page. */
  pagingDisabled: boolean;
}

/** What the end of the table told: available after the last row. */
export interface CqlshSummary extends CqlshHeader {
  /** The N of `(N rows)`; always equal to the number of rows yielded. */
  rowCount: number;
  countLineNo: number;
  /** Rows that did not fit the rule's borders and were split at their unique ' | ' separators. */
  separatorSplitRows: number;
  /** Non-blank lines of `Warnings :` blocks after the count. */
  warnings: string[];
  /** Number of lines after `(N rows)` (warnings, other statements' output); they are not parsed. */
  trailerLines: number;
}

/** Callbacks for the header and the summary; a throwing callback aborts the parse. */
export interface CqlshTableObserver {
  header?: ((header: CqlshHeader) => void) | undefined;
  end?: ((summary: CqlshSummary) => void) | undefined;
}

/** Lines before the header that are tolerated (banners, `Disabled Query paging.`, blank lines). */
export const MAX_PREAMBLE_LINES = 100;
/** Trailer lines kept to collect warnings; later ones are only counted. */
const MAX_TRAILER_KEPT = 200;

const PAGING_OFF_LINE = 'Disabled Query paging.';
const ROW_COUNT_RE = /^\((\d+) rows?\)$/;
const PRINTABLE_ASCII_RE = /^[\x20-\x7e]*$/;
const ZERO_WIDTH_RE = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

// ---------------------------------------------------------------------------------------------
// Display width (cqlsh's wcwidth.py: Markus Kuhn's mk_wcwidth, Unicode 5.0)

/** True for code points cqlsh's wcwidth counts as 2 columns (East Asian Wide and Fullwidth). */
function isWide(cp: number): boolean {
  return (
    cp >= 0x1100 &&
    (cp <= 0x115f ||
      cp === 0x2329 ||
      cp === 0x232a ||
      (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe10 && cp <= 0xfe19) ||
      (cp >= 0xfe30 && cp <= 0xfe6f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x20000 && cp <= 0x2fffd) ||
      (cp >= 0x30000 && cp <= 0x3fffd))
  );
}

/** True for code points of width 0: combining and format characters (not U+00AD), Hangul medial/final jamo. */
function isZeroWidth(cp: number): boolean {
  if (cp === 0) return true;
  if (cp < 0x300 || cp === 0xad) return false;
  if (cp >= 0x1160 && cp <= 0x11ff) return true;
  return ZERO_WIDTH_RE.test(String.fromCodePoint(cp));
}

/** Display columns of one code point (0, 1 or 2). Control characters count 1: cqlsh escapes them. */
export function charWidth(cp: number): number {
  if (cp >= 0x20 && cp < 0x7f) return 1;
  if (isZeroWidth(cp)) return 0;
  return isWide(cp) ? 2 : 1;
}

/** Display columns of a string, as cqlsh measures them. */
export function displayWidth(s: string): number {
  if (PRINTABLE_ASCII_RE.test(s)) return s.length;
  let width = 0;
  for (const ch of s) width += charWidth(ch.codePointAt(0)!);
  return width;
}

/**
 * The UTF-16 index at which display column `column` starts, or -1 when the string is shorter or
 * the column falls inside a wide character. Zero-width characters after the column belong to it.
 */
export function cutAtColumn(s: string, column: number): number {
  let col = 0;
  let i = 0;
  while (col < column && i < s.length) {
    const cp = s.codePointAt(i)!;
    col += charWidth(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return col === column ? i : -1;
}

// ---------------------------------------------------------------------------------------------
// Layout: the column borders of the rule line

/** Display columns of the cells: cell k spans [starts[k], ends[k]). */
interface Layout {
  starts: number[];
  ends: number[];
  /** Display width of a data row: the rule's length minus one. */
  rowWidth: number;
}

/** Reads a rule line (`-----+----+---`) into cell borders, or null when the line is not one. */
function parseRule(text: string): Layout | null {
  if (text.length < 3 || !/^-[-+]*-$/.test(text)) return null;
  const starts: number[] = [1];
  const ends: number[] = [];
  for (let i = 1; i < text.length - 1; i++) {
    if (text[i] !== '+') continue;
    if (text[i - 1] !== '-' || text[i + 1] !== '-') return null;
    ends.push(i - 1);
    starts.push(i + 2);
  }
  ends.push(text.length - 1);
  for (let k = 0; k < starts.length; k++) if (ends[k]! <= starts[k]!) return null;
  return { starts, ends, rowWidth: text.length - 1 };
}

/** Splits a pure printable-ASCII row by position; null when it does not fit the layout. */
function splitAsciiRow(text: string, layout: Layout): string[] | null {
  if (text.length !== layout.rowWidth || text[0] !== ' ') return null;
  const cells: string[] = [];
  for (let k = 0; k < layout.starts.length; k++) {
    const start = layout.starts[k]!;
    if (k > 0 && text.slice(start - 3, start) !== ' | ') return null;
    cells.push(text.slice(start, layout.ends[k]!));
  }
  return cells;
}

/** Splits a row by display columns; null when it is short, long, or its separators are off the borders. */
function splitWideRow(text: string, layout: Layout): string[] | null {
  if (text[0] !== ' ') return null;
  const cells: string[] = [];
  const last = layout.ends.length - 1;
  let col = 1;
  let i = 1;
  for (let k = 0; ; k++) {
    const end = layout.ends[k]!;
    const cellStart = i;
    while (i < text.length) {
      const cp = text.codePointAt(i)!;
      const w = charWidth(cp);
      if (col === end && w > 0) break;
      if (col + w > end) return null;
      col += w;
      i += cp > 0xffff ? 2 : 1;
    }
    if (col !== end) return null;
    cells.push(text.slice(cellStart, i));
    if (k === last) return i === text.length ? cells : null;
    if (text.slice(i, i + 3) !== ' | ') return null;
    i += 3;
    col += 3;
  }
}

/** Positions of ' | ' in text, overlapping ones included. */
function separatorPositions(text: string): number[] {
  const found: number[] = [];
  for (let i = text.indexOf(' | '); i >= 0; i = text.indexOf(' | ', i + 1)) found.push(i);
  return found;
}

/** Splits a row at its ' | ' separators when there is exactly one per border (unambiguous). */
function splitAtSeparators(text: string, columnCount: number): string[] | null {
  if (text[0] !== ' ') return null;
  const seps = separatorPositions(text);
  if (seps.length !== columnCount - 1) return null;
  const cells: string[] = [];
  let from = 1;
  for (const at of seps) {
    if (at < from) return null;
    cells.push(text.slice(from, at));
    from = at + 3;
  }
  cells.push(text.slice(from));
  return cells;
}

// ---------------------------------------------------------------------------------------------
// Cells

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', n: '\n', t: '\t', r: '\r' };
const HEX_ESCAPE_DIGITS: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/**
 * Undoes cqlsh's text escaping: `\\`, `\n`, `\t`, `\r`, `\xNN` (controls, DEL..NBSP), and the
 * `\uNNNN`/`\UNNNNNNNN` of a non-UTF-8 output encoding. Any other escape is an InputError.
 */
export function unescapeCqlsh(raw: string, where: string): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const slash = raw.indexOf('\\', i);
    if (slash < 0) return out + raw.slice(i);
    out += raw.slice(i, slash);
    const [text, next] = decodeEscape(raw, slash, where);
    out += text;
    i = next;
  }
  return out;
}

/** Decodes the escape starting at raw[slash] (a backslash); returns its text and the next index. */
function decodeEscape(raw: string, slash: number, where: string): [string, number] {
  const code = raw[slash + 1];
  if (code === undefined) throw new InputError(`${where}: a lone backslash ends the cell`);
  const simple = SIMPLE_ESCAPES[code];
  if (simple !== undefined) return [simple, slash + 2];
  const digits = HEX_ESCAPE_DIGITS[code];
  if (digits !== undefined) {
    const hex = raw.slice(slash + 2, slash + 2 + digits);
    const cp = /^[0-9a-fA-F]+$/.test(hex) && hex.length === digits ? parseInt(hex, 16) : NaN;
    if (Number.isNaN(cp) || cp > 0x10ffff) {
      // The digits are part of a value: only the escape letter is named.
      throw new InputError(`${where}: bad escape "\\${code}…" (expected ${digits} hex digits)`);
    }
    return [String.fromCodePoint(cp), slash + 2 + digits];
  }
  throw new InputError(
    `${where}: unknown escape "\\${code}"`,
    ['cqlsh writes only \\\\, \\n, \\t, \\r, \\xNN, \\uNNNN and \\UNNNNNNNN: is this cqlsh output?'],
  );
}

/** Drops cqlsh's right-justification padding (blanks only). */
function stripLeadingBlanks(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === 0x20) i++;
  return i === 0 ? s : s.slice(i);
}

/** Drops trailing blanks (left-justification padding of names). */
function stripTrailingBlanks(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x20) end--;
  return end === s.length ? s : s.slice(0, end);
}

// ---------------------------------------------------------------------------------------------
// The parser

/** `name line N` — the location format of amu's messages. */
function at(fileName: string, lineNo: number): string {
  return location(fileName, lineNo);
}

/** Removes one trailing CR (CRLF files); genuine cqlsh lines never end with a raw CR. */
function lineText(line: CqlshLine): string {
  return line.text.endsWith('\r') ? line.text.slice(0, -1) : line.text;
}

/** Reads the header line into column names, cut at the rule's borders. */
function parseHeader(text: string, layout: Layout, where: string): string[] {
  const padded = text + ' '.repeat(Math.max(0, layout.rowWidth - displayWidth(text)));
  const cells = PRINTABLE_ASCII_RE.test(padded) ? splitAsciiRow(padded, layout) : splitWideRow(padded, layout);
  const fallback = cells ?? splitAtSeparators(text, layout.starts.length);
  if (fallback === null) {
    throw new InputError(`${where}: the header does not fit the column borders of the rule line below it`);
  }
  const names = fallback.map((cell) => unescapeCqlsh(stripTrailingBlanks(cell), where));
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') throw new InputError(`${where}: a column name is empty`);
    if (seen.has(name)) throw new InputError(`${where}: column "${name}" appears twice`);
    seen.add(name);
  }
  return names;
}

/** Mutable state of one parse. */
interface ParseState {
  phase: 'preamble' | 'rows' | 'afterRows' | 'trailer';
  layout: Layout | null;
  header: CqlshHeader | null;
  previous: CqlshLine | null;
  beforePrevious: CqlshLine | null;
  pagingDisabled: boolean;
  preambleLines: number;
  rows: number;
  separatorSplitRows: number;
  summary: CqlshSummary | null;
  /** A row that did not fit: reported when the next line comes, or as truncation at the end. */
  badRow: InputError | null;
  trailerKept: string[];
  trailerLines: number;
}

/** Cuts one data row into raw cells; InputError naming the line when it does not fit. */
function splitRow(text: string, state: ParseState, where: string): string[] {
  const layout = state.layout!;
  const ascii = PRINTABLE_ASCII_RE.test(text);
  const cells = ascii ? splitAsciiRow(text, layout) : splitWideRow(text, layout);
  if (cells !== null) return cells;
  const bySeparators = ascii ? null : splitAtSeparators(text, layout.starts.length);
  if (bySeparators !== null) {
    state.separatorSplitRows++;
    return bySeparators;
  }
  const width = displayWidth(text);
  const problem =
    width < layout.rowWidth
      ? `the row is shorter (${width} columns) than the table (${layout.rowWidth})`
      : `the row's separators are not at the column borders of the rule line`;
  const hints = state.header!.pagingDisabled
    ? []
    : ['without PAGING OFF cqlsh prints each page with its own column widths: run PAGING OFF before the SELECT'];
  throw new InputError(`${where}: ${problem}`, hints);
}

/** Cuts a row, or records why it does not fit (thrown at the next line, or reported as truncation). */
function trySplitRow(text: string, state: ParseState, where: string): string[] | null {
  try {
    return splitRow(text, state, where);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    state.badRow = err;
    return null;
  }
}

/** A data row, or null for the blank line ending the rows (or a row held back as possibly cut). */
function onRowLine(line: CqlshLine, text: string, state: ParseState, fileName: string): CqlshRow | null {
  if (state.badRow !== null) throw state.badRow;
  if (text === '') {
    state.phase = 'afterRows';
    return null;
  }
  const where = at(fileName, line.lineNo);
  const cells = trySplitRow(text, state, where);
  if (cells === null) return null;
  state.rows++;
  return toRow(cells, state.header!.columns, line.lineNo, where);
}

/** Builds a row record from raw cells. */
function toRow(cells: string[], columns: string[], lineNo: number, where: string): CqlshRow {
  const record: Record<string, string | null> = Object.create(null) as Record<string, string | null>;
  for (let k = 0; k < columns.length; k++) {
    const text = stripLeadingBlanks(cells[k]!);
    // The place of a cell is named only when it has escapes to decode (no string per plain cell).
    record[columns[k]!] = text === 'null' ? null : text.includes('\\') ? unescapeCqlsh(text, `${where}, column ${columns[k]}`) : text;
  }
  return { cells: record, lineNo };
}

/** Preamble: looks for blank, header, rule; returns the header once the rule is seen. */
function onPreambleLine(line: CqlshLine, text: string, state: ParseState, fileName: string): CqlshHeader | null {
  const layout = parseRule(text);
  const header = state.previous;
  const blankBefore = state.beforePrevious === null || lineText(state.beforePrevious) === '';
  if (layout !== null && header !== null && lineText(header) !== '' && blankBefore) {
    const columns = parseHeader(lineText(header), layout, at(fileName, header.lineNo));
    state.layout = layout;
    state.phase = 'rows';
    return { columns, headerLineNo: header.lineNo, pagingDisabled: state.pagingDisabled };
  }
  if (text === PAGING_OFF_LINE) state.pagingDisabled = true;
  state.preambleLines++;
  if (state.preambleLines > MAX_PREAMBLE_LINES) {
    throw new InputError(`${at(fileName, line.lineNo)}: no cqlsh table header in the first ${MAX_PREAMBLE_LINES} lines`, [
      'expected a header line and a rule of dashes (-----+-----), as cqlsh prints a SELECT result',
    ]);
  }
  state.beforePrevious = state.previous;
  state.previous = line;
  return null;
}

/** After the rows: blank lines, then `(N rows)` checked against the rows read. */
function onAfterRowsLine(line: CqlshLine, text: string, state: ParseState, fileName: string): void {
  if (text === '') return;
  const match = ROW_COUNT_RE.exec(text);
  if (match === null) {
    throw new InputError(`${at(fileName, line.lineNo)}: expected "(N rows)" after the table, found other text`);
  }
  const count = Number(match[1]);
  if (count !== state.rows) {
    throw new InputError(
      `${at(fileName, line.lineNo)}: cqlsh reports ${count} rows but the table holds ${state.rows}`,
      ['the dump is damaged or was edited: dump it again'],
    );
  }
  state.summary = {
    ...state.header!,
    rowCount: count,
    countLineNo: line.lineNo,
    separatorSplitRows: state.separatorSplitRows,
    warnings: [],
    trailerLines: 0,
  };
  state.phase = 'trailer';
}

/** Trailer: counted, and the first lines kept to collect warnings. */
function onTrailerLine(text: string, state: ParseState): void {
  state.trailerLines++;
  if (state.trailerKept.length < MAX_TRAILER_KEPT) state.trailerKept.push(text);
}

/** Non-blank lines of the `Warnings :` blocks among the trailer lines. */
function warningsOf(trailer: string[]): string[] {
  const warnings: string[] = [];
  let inBlock = false;
  for (const text of trailer) {
    if (text === 'Warnings :') inBlock = true;
    else if (ROW_COUNT_RE.test(text)) inBlock = false;
    else if (inBlock && text !== '') warnings.push(text);
  }
  return warnings;
}

/** The error for input that ends before `(N rows)`. */
function truncatedError(state: ParseState, fileName: string, lastLineNo: number): InputError {
  if (state.phase === 'preamble') {
    return new InputError(`${fileName}: no cqlsh table found (${lastLineNo} lines read)`, [
      'expected a header line and a rule of dashes (-----+-----), as cqlsh prints a SELECT result',
    ]);
  }
  const cut = state.badRow !== null ? ' inside a row' : '';
  return new InputError(
    `${at(fileName, lastLineNo)}: the table ends${cut} without "(N rows)": the dump is truncated`,
    [`${state.rows} rows were read; a partial dump is never exported: dump it again`],
  );
}

/**
 * The parse of one cqlsh table, fed line by line (the streaming parser below, and the hybrid dump's
 * block reader, which cuts plain ASCII rows itself and hands every other line here).
 */
export class CqlshTableParser {
  private readonly state: ParseState = {
    phase: 'preamble', layout: null, header: null, previous: null, beforePrevious: null,
    pagingDisabled: false, preambleLines: 0, rows: 0, separatorSplitRows: 0, summary: null, badRow: null, trailerKept: [], trailerLines: 0,
  };
  private lastLineNo = 0;

  constructor(
    private readonly fileName: string,
    private readonly observer: CqlshTableObserver = {},
  ) {}

  /** The column borders, once the header was read and while rows come with nothing held back; else null. */
  get rowLayout(): { starts: readonly number[]; ends: readonly number[]; rowWidth: number } | null {
    const s = this.state;
    return s.phase === 'rows' && s.badRow === null ? s.layout : null;
  }

  /** The header (null before it was read). */
  get header(): CqlshHeader | null {
    return this.state.header;
  }

  /**
   * Counts a data row that the caller cut itself, exactly as `line` would have (only while `rowLayout` is
   * not null, for a printable-ASCII line of the row width with ' | ' at every border and no backslash).
   */
  countRow(lineNo: number): void {
    this.state.rows++;
    this.lastLineNo = lineNo;
  }

  /** Feeds one line (its trailing '\r' may still be there); returns the data row it holds, if any. */
  line(line: CqlshLine): CqlshRow | null {
    const state = this.state;
    this.lastLineNo = line.lineNo;
    const text = lineText(line);
    if (state.phase === 'preamble') {
      const header = onPreambleLine(line, text, state, this.fileName);
      if (header !== null) {
        state.header = header;
        this.observer.header?.(header);
      }
      return null;
    }
    if (state.phase === 'rows') return onRowLine(line, text, state, this.fileName);
    if (state.phase === 'afterRows') onAfterRowsLine(line, text, state, this.fileName);
    else onTrailerLine(text, state);
    return null;
  }

  /** Ends the parse: the summary, or an InputError when the table was cut short. */
  end(): CqlshSummary {
    const state = this.state;
    if (state.summary === null) throw truncatedError(state, this.fileName, this.lastLineNo);
    const summary: CqlshSummary = {
      ...state.summary,
      warnings: warningsOf(state.trailerKept),
      trailerLines: state.trailerLines,
    };
    this.observer.end?.(summary);
    return summary;
  }
}

/**
 * Parses cqlsh's output of one SELECT, yielding each data row as soon as it is read. The header
 * columns reach `observer.header` before the first row; `observer.end` gets the summary after the
 * `(N rows)` line was checked. Truncated or malformed input is an InputError naming file and line.
 */
export async function* parseCqlshTable(
  lines: AsyncIterable<CqlshLine>,
  fileName: string,
  observer: CqlshTableObserver = {},
): AsyncGenerator<CqlshRow, CqlshSummary, undefined> {
  const parser = new CqlshTableParser(fileName, observer);
  for await (const line of lines) {
    const row = parser.line(line);
    if (row !== null) yield row;
  }
  return parser.end();
}
