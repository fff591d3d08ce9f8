// Test and benchmark helper: renders a result table exactly as cqlsh 5/6 prints it without a tty.
//
// Written from a reading of Cassandra's pylib/cqlshlib (cqlshmain.py print_result,
// print_formatted_result, print_warnings; formatting.py format_value_text; wcwidth.py):
// - text cells: `\` doubled, then U+0000..U+0031 and U+007F..U+00A0 replaced by their Python repr
//   (so controls become \n, \t, \r or \xNN; the printable ones in that range stay as they are);
// - null prints `null`; widths are display widths (wide characters 2, combining marks 0);
// - header names ljust, joined by ' | ', trailing whitespace cut; rule '-' + '-+-'-joined dashes + '-';
// - rows: every cell rjust; then a blank line (two in cqlsh 6 when there are no rows) and `(N rows)`.

import { displayWidth } from '../../src/dumps/cqlshTable.js';

export interface FormatCqlshOptions {
  /** Start with `Disabled Query paging.` (the output of `PAGING OFF;`). */
  pagingOff?: boolean;
  /** Server warnings, printed after the count as cqlsh's print_warnings does. */
  warnings?: string[];
  /** Cut the output inside the last row (or after the rule when there is none): a truncated dump. */
  truncate?: boolean;
  /** cqlsh 5 (Cassandra 3.11) prints one blank line after an empty table, cqlsh 6 two. Default 6. */
  cqlshMajor?: 5 | 6;
}

/** Python's repr of one escaped character, without the quotes. */
function reprChar(ch: string): string {
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  const cp = ch.charCodeAt(0);
  const printable = cp >= 0x20 && cp < 0x7f;
  return printable ? ch : `\\x${cp.toString(16).padStart(2, '0')}`;
}

/** cqlsh's text escaping (format_value_text with a UTF-8 output encoding, no colour). */
export function escapeCqlshText(value: string): string {
  // The control characters are the point: this is cqlsh's unicode_controlchars_re.
  // eslint-disable-next-line no-control-regex
  return value.replace(/\\/g, '\\\\').replace(/[\x00-\x31\x7f-\xa0]/g, reprChar);
}

/** A cell as cqlsh prints it. */
function formatCell(value: string | null): string {
  return value === null ? 'null' : escapeCqlshText(value);
}

function ljust(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

function rjust(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

/** Python's str.rstrip() (whitespace as JavaScript's \s, close enough for these names). */
function rstrip(text: string): string {
  return text.replace(/[\s]+$/u, '');
}

/** Column widths: the widest of each column's name and cells. */
function columnWidths(names: string[], cells: string[][]): number[] {
  const widths = names.map(displayWidth);
  for (const row of cells) row.forEach((cell, k) => (widths[k] = Math.max(widths[k]!, displayWidth(cell))));
  return widths;
}

/** The table lines: header, rule, rows. */
function tableLines(columns: string[], rows: (string | null)[][]): string[] {
  const names = columns.map(escapeCqlshText);
  const cells = rows.map((row) => {
    if (row.length !== columns.length) throw new Error(`row has ${row.length} cells, expected ${columns.length}`);
    return row.map(formatCell);
  });
  const widths = columnWidths(names, cells);
  const header = ' ' + rstrip(names.map((name, k) => ljust(name, widths[k]!)).join(' | '));
  const rule = '-' + widths.map((w) => '-'.repeat(w)).join('-+-') + '-';
  const body = cells.map((row) => ' ' + row.map((cell, k) => rjust(cell, widths[k]!)).join(' | '));
  return [header, rule, ...body];
}

/** The warning block cqlsh prints after the count. */
function warningLines(warnings: string[]): string[] {
  if (warnings.length === 0) return [];
  return ['', 'Warnings :', ...warnings.flatMap((w) => [w, ''])];
}

/** Cuts the text inside its last line with content: what a dump interrupted mid-write looks like. */
function truncateOutput(lines: string[]): string {
  const last = lines.pop()!;
  return lines.join('\n') + '\n' + last.slice(0, Math.ceil(last.length / 2));
}

/** Renders columns and rows (null = CQL null) as cqlsh prints a SELECT result without a tty. */
export function formatCqlshTable(
  columns: string[],
  rows: (string | null)[][],
  opts: FormatCqlshOptions = {},
): string {
  const lines: string[] = opts.pagingOff ? ['Disabled Query paging.', ''] : [''];
  lines.push(...tableLines(columns, rows));
  if (opts.truncate) return truncateOutput(lines);
  const emptyBlanks = (opts.cqlshMajor ?? 6) === 5 ? [''] : ['', ''];
  lines.push(...(rows.length === 0 ? emptyBlanks : ['']));
  lines.push(`(${rows.length} rows)`);
  lines.push(...warningLines(opts.warnings ?? []));
  return lines.join('\n') + '\n';
}
