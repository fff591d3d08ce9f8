// The few CQL statements the test server understands (SELECT with `=` filters, USE), run over an in-memory store.
import { cellsEqual, decodeCell, InvalidValue, type CqlColumnDef } from './cqlFrameCodec.js';

/** One table of the in-memory store; rows hold cells in `columns` order (see encodeCell for JS types). */
export interface CqlServerTable {
  keyspace: string;
  table: string;
  columns: CqlColumnDef[];
  rows: unknown[][];
  /** When given, a WHERE on anything but the full partition key (plus clustering prefix) needs ALLOW FILTERING. */
  partitionKey?: readonly string[];
  clusteringKey?: readonly string[];
}

/** Answered with SYNTAX_ERROR (0x2000). */
export class CqlSyntaxError extends Error {}
/** Answered with INVALID (0x2200). */
export class CqlInvalidQuery extends Error {}

type Operand = { kind: 'marker' } | { kind: 'literal'; text: string };

export interface ParsedSelect {
  kind: 'select';
  selection: '*' | string[];
  keyspace: string | undefined;
  table: string;
  conditions: { column: string; operand: Operand }[];
  limit: number | undefined;
  allowFiltering: boolean;
}

export type ParsedStatement = ParsedSelect | { kind: 'use'; keyspace: string };

/** A SELECT checked against the store: what to return and how to filter. */
export interface ResolvedSelect {
  table: CqlServerTable;
  output: CqlColumnDef[];
  outputIndexes: number[];
  /** Bind markers in order, named after their column (PREPARE metadata). */
  markers: CqlColumnDef[];
  /** Positions (in `markers`) of the partition key columns, or [] when not all are bound. */
  pkMarkerIndexes: number[];
  /** Each filter: the column, and either a bind marker position or the literal's value. */
  conditions: { columnIndex: number; def: CqlColumnDef; markerIndex: number; literal: unknown }[];
  limit: number | undefined;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_]*)`;
const SELECT_RE = new RegExp(
  String.raw`^\s*SELECT\s+(.+?)\s+FROM\s+(${IDENT})(?:\.(${IDENT}))?` +
    String.raw`(?:\s+WHERE\s+(.+?))?(?:\s+LIMIT\s+(\d+))?(\s+ALLOW\s+FILTERING)?\s*;?\s*$`,
  'is',
);
const USE_RE = new RegExp(String.raw`^\s*USE\s+(${IDENT})\s*;?\s*$`, 'i');
const CONDITION_RE = new RegExp(
  String.raw`\s*(${IDENT})\s*=\s*(\?|'(?:[^']|'')*'|-?\d+)\s*(?:AND\b|$)`,
  'iy',
);

/** Parses one statement; anything else is a syntax error. */
export function parseStatement(cql: string): ParsedStatement {
  const use = USE_RE.exec(cql);
  if (use) return { kind: 'use', keyspace: identifier(use[1]!) };
  const m = SELECT_RE.exec(cql);
  if (!m) throw new CqlSyntaxError(`line 1:0 no viable alternative at input '${cql.trim().slice(0, 40)}'`);
  const [, selection, first, second, where, limit, filtering] = m;
  return {
    kind: 'select',
    selection: parseSelection(selection!),
    keyspace: second === undefined ? undefined : identifier(first!),
    table: identifier(second ?? first!),
    conditions: where === undefined ? [] : parseConditions(where),
    limit: limit === undefined ? undefined : Number(limit),
    allowFiltering: filtering !== undefined,
  };
}

function parseSelection(text: string): '*' | string[] {
  if (text.trim() === '*') return '*';
  return text.split(',').map((part) => {
    const name = part.trim();
    if (!new RegExp(`^${IDENT}$`).test(name)) throw new CqlSyntaxError(`line 1:7 unsupported selector '${name}'`);
    return identifier(name);
  });
}

function parseConditions(where: string): { column: string; operand: Operand }[] {
  const out: { column: string; operand: Operand }[] = [];
  CONDITION_RE.lastIndex = 0;
  let m: RegExpExecArray | null = null;
  while (CONDITION_RE.lastIndex < where.length) {
    m = CONDITION_RE.exec(where);
    if (!m) throw new CqlSyntaxError(`line 1:0 unsupported WHERE clause '${where}'`);
    const operand: Operand = m[2] === '?' ? { kind: 'marker' } : { kind: 'literal', text: m[2]! };
    out.push({ column: identifier(m[1]!), operand });
  }
  if (m && /AND$/i.test(m[0].trim())) throw new CqlSyntaxError(`line 1:0 dangling AND in '${where}'`);
  return out;
}

/** CQL identifiers: unquoted ones are case-insensitive (lower-cased), quoted ones are kept. */
function identifier(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1).replace(/""/g, '"') : text.toLowerCase();
}

/** The tables the server holds, by keyspace and name. */
export class CqlStore {
  private readonly tables = new Map<string, CqlServerTable>();

  add(table: CqlServerTable): void {
    this.tables.set(`${table.keyspace}.${table.table}`, table);
  }

  get(keyspace: string, table: string): CqlServerTable | undefined {
    return this.tables.get(`${keyspace}.${table}`);
  }

  hasKeyspace(keyspace: string): boolean {
    return [...this.tables.values()].some((t) => t.keyspace === keyspace);
  }
}

/** Checks a SELECT against the store the way Cassandra would (keyspace, table, columns, filtering). */
export function resolveSelect(store: CqlStore, stmt: ParsedSelect, sessionKeyspace: string | undefined): ResolvedSelect {
  const keyspace = stmt.keyspace ?? sessionKeyspace;
  if (keyspace === undefined) throw new CqlInvalidQuery('No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename');
  if (!store.hasKeyspace(keyspace)) throw new CqlInvalidQuery(`Keyspace ${keyspace} does not exist`);
  const table = store.get(keyspace, stmt.table);
  if (!table) throw new CqlInvalidQuery(`unconfigured table ${stmt.table}`);
  const outputIndexes = stmt.selection === '*' ? table.columns.map((_, i) => i) : stmt.selection.map((c) => columnIndex(table, c));
  let markerCount = 0;
  const conditions = stmt.conditions.map((c) => {
    const index = columnIndex(table, c.column);
    const def = table.columns[index]!;
    if (c.operand.kind === 'marker') return { columnIndex: index, def, markerIndex: markerCount++, literal: undefined };
    return { columnIndex: index, def, markerIndex: -1, literal: literalValue(def, c.operand.text) };
  });
  checkFiltering(table, conditions.map((c) => c.def.name), stmt.allowFiltering);
  const markers = conditions.filter((c) => c.markerIndex >= 0).map((c) => c.def);
  return {
    table,
    output: outputIndexes.map((i) => table.columns[i]!),
    outputIndexes,
    markers,
    pkMarkerIndexes: partitionKeyMarkers(table, markers),
    conditions,
    limit: stmt.limit,
  };
}

function columnIndex(table: CqlServerTable, name: string): number {
  const i = table.columns.findIndex((c) => c.name === name);
  if (i < 0) throw new CqlInvalidQuery(`Undefined column name ${name}`);
  return i;
}

function checkFiltering(table: CqlServerTable, restricted: string[], allowFiltering: boolean): void {
  if (allowFiltering || !table.partitionKey || restricted.length === 0) return;
  const pk = table.partitionKey;
  const ck = table.clusteringKey ?? [];
  const pkComplete = pk.every((c) => restricted.includes(c));
  const ckRestricted = ck.filter((c) => restricted.includes(c));
  const ckIsPrefix = ckRestricted.every((c, i) => ck[i] === c);
  const onlyKeys = restricted.every((c) => pk.includes(c) || ck.includes(c));
  if (!(pkComplete && ckIsPrefix && onlyKeys)) {
    throw new CqlInvalidQuery(
      'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. ' +
        'If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING',
    );
  }
}

function partitionKeyMarkers(table: CqlServerTable, markers: CqlColumnDef[]): number[] {
  const pk = table.partitionKey ?? [];
  const indexes = pk.map((c) => markers.findIndex((m) => m.name === c));
  return pk.length > 0 && indexes.every((i) => i >= 0) ? indexes : [];
}

/** Turns the bound [value]s into cells of the markers' column types. */
export function bindValues(sel: ResolvedSelect, values: (Buffer | null)[]): unknown[] {
  if (values.length !== sel.markers.length) {
    throw new CqlInvalidQuery(`There were ${sel.markers.length} markers(?) in CQL but ${values.length} bound variables`);
  }
  return values.map((v, i) => {
    try {
      return decodeCell(sel.markers[i]!.type, v);
    } catch (err) {
      if (err instanceof InvalidValue) throw new CqlInvalidQuery(`Invalid value for ${sel.markers[i]!.name}: ${err.message}`);
      throw err;
    }
  });
}

/** One page of the rows matching the conditions, starting at a table row index; `next` is null on the last page. */
export function selectPage(
  sel: ResolvedSelect,
  bound: unknown[],
  start: number,
  pageSize: number,
  returnedBefore: number,
): { rows: unknown[][]; next: number | null } {
  const wanted = Math.min(pageSize, (sel.limit ?? Infinity) - returnedBefore);
  const tableRows = sel.table.rows;
  const rows: unknown[][] = [];
  let i = start;
  for (; i < tableRows.length && rows.length < wanted; i++) {
    const row = tableRows[i]!;
    if (rowMatches(sel, row, bound)) rows.push(sel.outputIndexes.map((c) => row[c]));
  }
  const limitReached = returnedBefore + rows.length >= (sel.limit ?? Infinity);
  // Like Cassandra, a full page says "more" whenever rows remain to be read, even if none of them match.
  const more = rows.length === wanted && i < tableRows.length && !limitReached;
  return { rows, next: more ? i : null };
}

function rowMatches(sel: ResolvedSelect, row: unknown[], bound: unknown[]): boolean {
  return sel.conditions.every((c) => {
    const wanted = c.markerIndex >= 0 ? bound[c.markerIndex] : c.literal;
    return cellsEqual(c.def.type, row[c.columnIndex], wanted);
  });
}

function literalValue(def: CqlColumnDef, text: string): unknown {
  if (text.startsWith("'")) {
    if (def.type !== 'text') throw new CqlInvalidQuery(`Invalid STRING constant (${text}) for "${def.name}" of type ${def.type}`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (def.type === 'int') return Number(text);
  if (def.type === 'bigint') return BigInt(text);
  throw new CqlInvalidQuery(`Invalid INTEGER constant (${text}) for "${def.name}" of type ${def.type}`);
}
