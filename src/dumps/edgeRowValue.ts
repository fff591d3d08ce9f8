// Decodes a keyvaluemaps_r21 column value: the JSON object Edge stores for one KVM (or for a scope's keystore).
//
// Shape: {"<Real Name>": "<JSON array of {name, value} as a string>", "__apigee__encrypted": "true"}.
// The flag is absent (or "false") for plain KVMs. Entries keep the dump's order and duplicates.
// JSON null: a null row, a null array string, or an entry whose name or value is null is an
// InputError. KvmEntry values are strings, and turning null into "" (or "null") would change the
// data without anyone noticing; the caller reports the KVM as not exported instead.

import { InputError } from '../errors.js';
import { cutInput, jsonProblem } from '../cli/quoteInput.js';
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
  const row = parseRowObject(json, where);
  const name = kvmNameOf(row, where);
  const encrypted = encryptedFlagOf(row, where);
  const entries = parseEntries(row[name], name, where);
  if (name === KEYSTORE_KVM_NAME) return { kind: 'keystore', wrappedDek: wrappedDekOf(entries, where) };
  return { kind: 'kvm', name, encrypted, entries };
}

/** A KVM row without its entries parsed: what the export's first pass needs. */
export type RowHeader = KeystoreRow | { kind: 'kvm'; name: string; encrypted: boolean };

/** Like decodeRowValue, but leaves a KVM's entry array unparsed (a keystore's is small and is parsed). */
export function decodeRowHeader(json: string, where: string): RowHeader {
  const row = parseRowObject(json, where);
  const name = kvmNameOf(row, where);
  const encrypted = encryptedFlagOf(row, where);
  if (name === KEYSTORE_KVM_NAME) return { kind: 'keystore', wrappedDek: wrappedDekOf(parseEntries(row[name], name, where), where) };
  return { kind: 'kvm', name, encrypted };
}

function parseRowObject(json: string, where: string): Record<string, unknown> {
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

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
