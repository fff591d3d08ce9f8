// Decodes a keyvaluemaps_r21 column value: the JSON object Edge stores for one KVM (or for a scope's keystore).
//
// Shape: {"<Real Name>": "<JSON array of {name, value} as a string>", "__apigee__encrypted": "true"}.
// The flag is absent (or "false") for plain KVMs. Entries keep the dump's order and duplicates.
// JSON null: a null row, a null array string, or an entry whose name or value is null is an
// InputError. KvmEntry values are strings, and turning null into "" (or "null") would change the
// data without anyone noticing; the caller reports the KVM as not exported instead.

import { InputError } from '../errors.js';
import { cutInput, jsonProblem } from '../cli/quoteInput.js';
import { jsonNestingExceeds, MAX_JSON_DEPTH } from './jsonDepth.js';
import type { KvmEntry } from '../kvm/model.js';

/** The pseudo-KVM holding a scope's wrapped DEK (note the space after the first `__`). */
export const KEYSTORE_KVM_NAME = '__ apigee__kvm__.keystore';
/** The keystore entry that holds the wrapped DEK. */
export const KEYSTORE_ENTRY_NAME = 'key1';
/** The row field marking encrypted KVMs. */
export const ENCRYPTED_FLAG = '__apigee__encrypted';

export interface KeystoreRow {
  kind: 'keystore';
  /** base64 of AES-ECB(KEK, base64 text of the DEK). */
  wrappedDek: string;
}

export interface KvmRow {
  kind: 'kvm';
  /** The KVM's real name (original case): the object key. */
  name: string;
  encrypted: boolean;
  /** In dump order, duplicates kept; values are base64 ciphertext when `encrypted`. */
  entries: KvmEntry[];
}

export type RowValue = KeystoreRow | KvmRow;

/** Parses one row value; `where` ("validate-kvms.out line 12") starts every error message. */
export function decodeRowValue(json: string, where: string): RowValue {
  const shape = edgeRowShape(json);
  if (shape !== undefined) {
    const arrayText = parseStringLiteral(json.slice(shape.literalStart, shape.literalEnd));
    if (arrayText !== undefined) {
      const entries = parseEntries(arrayText, shape.name, where);
      if (shape.name === KEYSTORE_KVM_NAME) return { kind: 'keystore', wrappedDek: wrappedDekOf(entries, where) };
      return { kind: 'kvm', name: shape.name, encrypted: shape.encrypted, entries };
    }
  }
  const row = parseRowObject(json, where);
  const name = kvmNameOf(row, where);
  const encrypted = encryptedFlagOf(row, where);
  const entries = parseEntries(row[name], name, where);
  if (name === KEYSTORE_KVM_NAME) return { kind: 'keystore', wrappedDek: wrappedDekOf(entries, where) };
  return { kind: 'kvm', name, encrypted, entries };
}

/** Name and flag of a row in Edge's own layout read from its ends only (undefined for a keystore or any other layout). */
export function edgeLayoutHeader(json: string): { name: string; encrypted: boolean } | undefined {
  const shape = edgeRowShape(json);
  return shape === undefined || shape.name === KEYSTORE_KVM_NAME ? undefined : { name: shape.name, encrypted: shape.encrypted };
}

/** A KVM row without its entries parsed: what the export's first pass needs. */
export type RowHeader = KeystoreRow | { kind: 'kvm'; name: string; encrypted: boolean };

/** Like decodeRowValue, but leaves a KVM's entry array unparsed (a keystore's is small and is parsed). */
export function decodeRowHeader(json: string, where: string): RowHeader {
  // The first pass only needs name and flag: Edge's own layout is read without parsing the entries' text. A row
  // that only looks like it (a quote inside the entries) is refused by decodeRowValue in the second pass.
  const shape = edgeRowShape(json);
  if (shape !== undefined && shape.name !== KEYSTORE_KVM_NAME) return { kind: 'kvm', name: shape.name, encrypted: shape.encrypted };
  const row = parseRowObject(json, where);
  const name = kvmNameOf(row, where);
  const encrypted = encryptedFlagOf(row, where);
  if (name === KEYSTORE_KVM_NAME) return { kind: 'keystore', wrappedDek: wrappedDekOf(parseEntries(row[name], name, where), where) };
  return { kind: 'kvm', name, encrypted };
}

const QUOTE = 0x22;
const TRUE_TAIL = `","${ENCRYPTED_FLAG}":"true"}`;
const FALSE_TAIL = `","${ENCRYPTED_FLAG}":"false"}`;
const PLAIN_TAIL = '"}';
const ENTRY_START = '{"name":"';
const VALUE_START = '","value":"';
// JSON strings hold no raw control characters; text that has any is left to JSON.parse to refuse.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f]/;

/** Where Edge's own row layout puts things: `{"<name>":"<entries>"}` with the flag, if any, last. */
interface RowShape {
  name: string;
  encrypted: boolean;
  /** The entries' JSON string literal, quotes included: json.slice(literalStart, literalEnd). */
  literalStart: number;
  literalEnd: number;
}

/**
 * Edge's layout `{"<name>":"<entries>"[,"__apigee__encrypted":"true"|"false"]}` (no blanks, a name without
 * escapes); undefined for any other, which is then parsed the general way. Not a validation: the caller
 * parses the entries literal, which fails unless it is exactly one JSON string.
 */
function edgeRowShape(json: string): RowShape | undefined {
  if (json.charCodeAt(0) !== 0x7b || json.charCodeAt(1) !== QUOTE) return undefined;
  const nameEnd = json.indexOf('"', 2);
  if (nameEnd < 0 || json.charCodeAt(nameEnd + 1) !== 0x3a || json.charCodeAt(nameEnd + 2) !== QUOTE) return undefined;
  const name = json.slice(2, nameEnd);
  if (name === ENCRYPTED_FLAG || name.includes('\\') || CONTROL.test(name)) return undefined;
  let tail: number;
  let encrypted = false;
  if (json.endsWith(TRUE_TAIL)) {
    tail = TRUE_TAIL.length;
    encrypted = true;
  } else if (json.endsWith(FALSE_TAIL)) tail = FALSE_TAIL.length;
  else if (json.endsWith(PLAIN_TAIL)) tail = PLAIN_TAIL.length;
  else return undefined;
  const literalStart = nameEnd + 2;
  const literalEnd = json.length - tail + 1;
  if (literalEnd - literalStart < 2) return undefined;
  return { name, encrypted, literalStart, literalEnd };
}

/** The string a JSON string literal stands for, or undefined when the text is not exactly one. */
function parseStringLiteral(literal: string): string | undefined {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** End (closing quote) of the JSON string whose text starts at `start`, or -1. */
function stringEnd(text: string, start: number): number {
  let close = start - 1;
  for (;;) {
    close = text.indexOf('"', close + 1);
    if (close < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return close;
  }
}

/**
 * Edge's entries layout `[{"name":"..","value":".."},...]` (no blanks, fields in that order), read by position:
 * strings without escapes are sliced, others parsed as literals. Undefined for anything else (then parsed the
 * general way, which also gives the exact message for a malformed entry).
 */
function scanEntries(text: string): KvmEntry[] | undefined {
  if (text === '[]') return [];
  if (text.charCodeAt(0) !== 0x5b || CONTROL.test(text)) return undefined;
  const n = text.length;
  const entries: KvmEntry[] = [];
  let backslash = text.indexOf('\\');
  if (backslash < 0) backslash = n;
  let i = 1;
  const readString = (start: number): string | undefined => {
    let end = text.indexOf('"', start);
    if (end < 0) return undefined;
    if (backslash > end) {
      i = end + 1;
      return text.slice(start, end);
    }
    end = stringEnd(text, start);
    if (end < 0) return undefined;
    const value = parseStringLiteral(text.slice(start - 1, end + 1));
    i = end + 1;
    backslash = text.indexOf('\\', i);
    if (backslash < 0) backslash = n;
    return value;
  };
  for (;;) {
    if (!text.startsWith(ENTRY_START, i)) return undefined;
    const name = readString(i + ENTRY_START.length);
    if (name === undefined || !text.startsWith(VALUE_START, i - 1)) return undefined;
    const value = readString(i - 1 + VALUE_START.length);
    if (value === undefined || text.charCodeAt(i) !== 0x7d) return undefined;
    entries.push({ name, value });
    const next = text.charCodeAt(i + 1);
    if (next === 0x5d && i + 2 === n) return entries;
    if (next !== 0x2c) return undefined;
    i += 2;
  }
}

function parseRowObject(json: string, where: string): Record<string, unknown> {
  if (jsonNestingExceeds(json)) throw tooDeep(where, 'the value');
  let row: unknown;
  try {
    row = JSON.parse(json);
  } catch (err) {
    throw new InputError(`${where}: the value is not valid JSON (${jsonProblem(err)})`);
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new InputError(`${where}: the value is ${describe(row)}, not a JSON object`);
  }
  return row as Record<string, unknown>;
}

/** The one key other than the encryption flag. */
function kvmNameOf(row: Record<string, unknown>, where: string): string {
  const names = Object.keys(row).filter((k) => k !== ENCRYPTED_FLAG);
  if (names.length !== 1) {
    const found = names.length === 0 ? 'no KVM name' : `${names.length} KVM names (${names.map((n) => JSON.stringify(n)).join(', ')})`;
    throw new InputError(`${where}: the value holds ${found}; expected exactly one besides "${ENCRYPTED_FLAG}"`);
  }
  return names[0];
}

function encryptedFlagOf(row: Record<string, unknown>, where: string): boolean {
  const flag = row[ENCRYPTED_FLAG];
  if (flag === undefined || flag === 'false') return false;
  if (flag === 'true') return true;
  // A string is cut (it could be a value put in the wrong place); true, 1 or null are shown as they are.
  const shown = typeof flag === 'string' ? cutInput(flag) : typeof flag === 'object' && flag !== null ? describe(flag) : JSON.stringify(flag);
  throw new InputError(`${where}: "${ENCRYPTED_FLAG}" is ${shown}; expected "true" or "false"`);
}

function parseEntries(arrayText: unknown, kvmName: string, where: string): KvmEntry[] {
  const kvm = `KVM ${JSON.stringify(kvmName)}`;
  if (typeof arrayText !== 'string') {
    throw new InputError(`${where}: ${kvm}: the entries are ${describe(arrayText)}, not a JSON string holding an array`);
  }
  const scanned = scanEntries(arrayText);
  if (scanned !== undefined) return scanned;
  if (jsonNestingExceeds(arrayText)) throw tooDeep(where, `${kvm}: the entries`);
  let list: unknown;
  try {
    list = JSON.parse(arrayText);
  } catch (err) {
    throw new InputError(`${where}: ${kvm}: the entries are not valid JSON (${jsonProblem(err)})`);
  }
  if (!Array.isArray(list)) throw new InputError(`${where}: ${kvm}: the entries are ${describe(list)}, not an array`);
  const entries = new Array<KvmEntry>(list.length);
  for (let i = 0; i < list.length; i++) entries[i] = toEntry(list[i], i, kvm, where);
  return entries;
}

/** A `{name, value}` object with two strings and nothing else (an unknown field would be lost). */
function toEntry(item: unknown, i: number, kvm: string, where: string): KvmEntry {
  const at = `${where}: ${kvm} entry ${i + 1}`;
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new InputError(`${at} is ${describe(item)}, not an object with name and value`);
  }
  const { name, value, ...rest } = item as Record<string, unknown>;
  if (typeof name !== 'string') throw new InputError(`${at}: name is ${describe(name)}, not a string`);
  if (typeof value !== 'string') {
    throw new InputError(`${at} (${JSON.stringify(name)}): value is ${describe(value)}, not a string`);
  }
  const extra = Object.keys(rest);
  if (extra.length > 0) {
    throw new InputError(`${at} (${JSON.stringify(name)}): unexpected field(s) ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
  }
  return { name, value };
}

/** The keystore must hold exactly one entry, `key1`: several candidate DEKs would be a guess. */
function wrappedDekOf(entries: KvmEntry[], where: string): string {
  if (entries.length !== 1 || entries[0].name !== KEYSTORE_ENTRY_NAME) {
    const names = entries.map((e) => JSON.stringify(e.name)).join(', ') || 'none';
    throw new InputError(`${where}: the keystore "${KEYSTORE_KVM_NAME}" should hold one entry "${KEYSTORE_ENTRY_NAME}"; it holds: ${names}`);
  }
  return entries[0].value;
}

function tooDeep(where: string, what: string): InputError {
  return new InputError(`${where}: ${what} nest(s) JSON more than ${MAX_JSON_DEPTH} levels deep: not a KVM (an array of {name, value})`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
