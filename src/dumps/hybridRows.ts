// Typed records from cqlsh dumps of Apigee hybrid's `kvm_map_entry` and `kvm_map_descriptor` tables.
//
// `kvm_map_entry`: tid, a_scp, map, ver, key, c_at, c_by, u_at, u_by, val (val: base64 ciphertext).
// `kvm_map_descriptor`: tid, a_scp, map, attr, c_at, c_by, u_at, u_by, ver (the map's current version).
// Columns are found by name, so their order may differ (e.g. an explicit SELECT list).

import { InputError } from '../errors.js';
import { parseCqlshTable, type CqlshLine, type CqlshRow, type CqlshTableObserver } from './cqlshTable.js';
import { location } from './lines.js';

/** One entry of a map version; `val` is still ciphertext, null only if Cassandra holds none. */
export interface HybridEntryRow {
  tid: string;
  aScp: string;
  map: string;
  ver: string;
  key: string;
  val: string | null;
  lineNo: number;
}

/** A map and its current version. */
export interface HybridDescriptorRow {
  tid: string;
  aScp: string;
  map: string;
  ver: string;
  lineNo: number;
}

/** Columns an entry dump must have. */
export const ENTRY_COLUMNS = ['tid', 'a_scp', 'map', 'ver', 'key', 'val'] as const;
/** Columns a descriptor dump must have. */
export const DESCRIPTOR_COLUMNS = ['tid', 'a_scp', 'map', 'ver'] as const;

/** Throws when the header lacks any required column, listing all missing ones. */
export function checkColumns(
  columns: readonly string[],
  required: readonly string[],
  table: string,
  where: string,
): void {
  const missing = required.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    throw new InputError(`${where}: not a ${table} dump: column(s) ${missing.join(', ')} missing`, [
      `found columns: ${columns.join(', ')}`,
    ]);
  }
}

/** A key column's text; null there means the dump is not what it claims. */
function requiredCell(row: CqlshRow, column: string, fileName: string): string {
  const value = row.cells[column];
  if (value === null || value === undefined) throw new InputError(`${at(fileName, row.lineNo)}: ${column} is null`);
  return value;
}

/** `name line N`. */
function at(fileName: string, lineNo: number): string {
  return location(fileName, lineNo);
}

/** Converts one parsed `kvm_map_entry` row. */
export function entryRowFrom(row: CqlshRow, fileName: string): HybridEntryRow {
  return {
    tid: requiredCell(row, 'tid', fileName),
    aScp: requiredCell(row, 'a_scp', fileName),
    map: requiredCell(row, 'map', fileName),
    ver: requiredCell(row, 'ver', fileName),
    key: requiredCell(row, 'key', fileName),
    val: row.cells['val'] ?? null,
    lineNo: row.lineNo,
  };
}

/** Converts one parsed `kvm_map_descriptor` row. */
export function descriptorRowFrom(row: CqlshRow, fileName: string): HybridDescriptorRow {
  return {
    tid: requiredCell(row, 'tid', fileName),
    aScp: requiredCell(row, 'a_scp', fileName),
    map: requiredCell(row, 'map', fileName),
    ver: requiredCell(row, 'ver', fileName),
    lineNo: row.lineNo,
  };
}

/** An observer that checks the header's columns before passing it on. */
export function checkingObserver(
  required: readonly string[],
  table: string,
  fileName: string,
  observer: CqlshTableObserver,
): CqlshTableObserver {
  return {
    header(header) {
      checkColumns(header.columns, required, table, at(fileName, header.headerLineNo));
      observer.header?.(header);
    },
    end: observer.end,
  };
}

/** Streams the rows of a cqlsh dump of `kvm_map_entry`. */
export async function* readEntryRows(
  lines: AsyncIterable<CqlshLine>,
  fileName: string,
  observer: CqlshTableObserver = {},
): AsyncGenerator<HybridEntryRow, void, undefined> {
  const checked = checkingObserver(ENTRY_COLUMNS, 'kvm_map_entry', fileName, observer);
  for await (const row of parseCqlshTable(lines, fileName, checked)) yield entryRowFrom(row, fileName);
}

/** Streams the rows of a cqlsh dump of `kvm_map_descriptor`. */
export async function* readDescriptorRows(
  lines: AsyncIterable<CqlshLine>,
  fileName: string,
  observer: CqlshTableObserver = {},
): AsyncGenerator<HybridDescriptorRow, void, undefined> {
  const checked = checkingObserver(DESCRIPTOR_COLUMNS, 'kvm_map_descriptor', fileName, observer);
  for await (const row of parseCqlshTable(lines, fileName, checked)) yield descriptorRowFrom(row, fileName);
}
