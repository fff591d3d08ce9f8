// Test kit: writes cassandra-cli dumps of keyvaluemaps_r21 exactly as Edge for Private Cloud stores KVMs.

import { createHash, randomBytes } from 'node:crypto';
import { encryptEdgeValue, wrapEdgeDek } from '../../src/keys/aesEcb.js';
import { scopeKey, type KvmEntry, type Scope } from '../../src/kvm/model.js';
import { encodeColumnName } from '../../src/kvm/edgeColumnNames.js';
import { ENCRYPTED_FLAG, KEYSTORE_ENTRY_NAME, KEYSTORE_KVM_NAME } from '../../src/dumps/edgeRowValue.js';

export interface DumpColumn {
  name: string;
  value: string;
  /** Microseconds; a fixed increasing value when absent. */
  timestamp?: string;
  ttl?: string;
}

export interface FormatOptions {
  /** Cut the output in the middle of the last record and leave out the trailer (a truncated dump). */
  truncate?: boolean;
}

/** A KVM to store, with plain-text values. */
export interface EdgeKvmSpec {
  scope: Scope;
  /** Real name (original case). */
  name: string;
  encrypted: boolean;
  entries: KvmEntry[];
}

/** Source of random bytes (DEKs); seededRandomBytes() makes runs reproducible. */
export type RandomBytes = (size: number) => Buffer;

const BASE_TIMESTAMP = 1734646539882000n;
const DEK_BYTES = 16;

/** The whole dump as one string (header, records, trailer), as cassandra-cli 2.1 prints it. */
export function formatCliDump(org: string, columns: readonly DumpColumn[], opts: FormatOptions = {}): string {
  return [...cliDumpLines(org, columns, opts)].join('');
}

/** The same dump line by line (each with its `\n`), for dumps too large to hold in memory. */
export function* cliDumpLines(org: string, columns: Iterable<DumpColumn>, opts: FormatOptions = {}): Generator<string> {
  yield* headerLines(org);
  let count = 0;
  let previous: string | undefined;
  for (const column of columns) {
    if (previous !== undefined) yield previous;
    previous = recordLine(column, count);
    count++;
  }
  if (opts.truncate) {
    if (previous !== undefined) yield previous.slice(0, Math.max(1, Math.floor(previous.length / 2)));
    return;
  }
  if (previous !== undefined) yield previous;
  yield `Returned ${count} results.\n`;
  yield 'Elapsed time: 46 msec(s).\n';
  yield '[default@keyvaluemap] ';
}

/**
 * The columns Edge would store for these KVMs: one keystore pseudo-KVM per scope that holds an
 * encrypted KVM (a fresh DEK wrapped with the KEK), values encrypted with that DEK, row JSON as
 * Edge writes it, sorted like Cassandra (UTF-8 byte order of the column name).
 */
export function buildEdgeColumns(kek: Buffer, kvms: readonly EdgeKvmSpec[], rng: RandomBytes = randomBytes): DumpColumn[] {
  const deks = new Map<string, Buffer>();
  const columns: DumpColumn[] = [];
  for (const kvm of kvms) {
    let dek: Buffer | undefined;
    if (kvm.encrypted) {
      dek = deks.get(scopeKey(kvm.scope));
      if (dek === undefined) {
        dek = rng(DEK_BYTES);
        deks.set(scopeKey(kvm.scope), dek);
        columns.push(keystoreColumn(kek, kvm.scope, dek));
      }
    }
    columns.push({ name: encodeColumnName(kvm.scope, kvm.name), value: edgeRowJson(kvm.name, kvm.entries, dek) });
  }
  columns.sort((a, b) => compareColumnNames(a.name, b.name));
  rejectDuplicateNames(columns);
  return columns;
}

/** Edge's row JSON; with a DEK the values are encrypted and the row is flagged. */
export function edgeRowJson(name: string, entries: readonly KvmEntry[], dek?: Buffer): string {
  const stored = entries.map((e) => ({ name: e.name, value: dek ? encryptEdgeValue(dek, e.value) : e.value }));
  const row: Record<string, string> = { [name]: JSON.stringify(stored) };
  if (dek) row[ENCRYPTED_FLAG] = 'true';
  return JSON.stringify(row);
}

/** Cassandra's UTF8Type order: bytes, not UTF-16 code units. */
export function compareColumnNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Deterministic bytes from a seed (SHA-256 in counter mode): same seed, same DEKs. */
export function seededRandomBytes(seed: string): RandomBytes {
  let counter = 0;
  return (size) => {
    const parts: Buffer[] = [];
    for (let have = 0; have < size; have += 32) parts.push(createHash('sha256').update(`${seed}:${counter++}`).digest());
    return Buffer.concat(parts).subarray(0, size);
  };
}

/** A synthetic org for benchmarks: every scope gets the same number of KVMs and entries. */
export interface SyntheticDumpSpec {
  org: string;
  kek: Buffer;
  scopes: Scope[];
  kvmsPerScope: number;
  entriesPerKvm: number;
  /** Approximate plain value length; default 24. */
  valueBytes?: number;
  /** Default true. */
  encrypted?: boolean;
  rng?: RandomBytes;
}

/**
 * Streams a large synthetic dump line by line; only one KVM is in memory at a time. Values hold
 * the characters that trip naive parsers (`, value=`, `), timestamp=`, quotes, non-ASCII).
 * Use syntheticPlainValue() to know what each value should decrypt to.
 */
export function* syntheticEdgeDumpLines(spec: SyntheticDumpSpec): Generator<string> {
  const rng = spec.rng ?? randomBytes;
  const encrypted = spec.encrypted ?? true;
  const columns = syntheticColumnPlan(spec, encrypted);
  const deks = new Map<string, Buffer>();
  const dekFor = (scope: Scope): Buffer => {
    let dek = deks.get(scopeKey(scope));
    if (dek === undefined) deks.set(scopeKey(scope), (dek = rng(DEK_BYTES)));
    return dek;
  };
  function* rows(): Generator<DumpColumn> {
    for (const plan of columns) {
      if (plan.kvmIndex < 0) {
        yield keystoreColumn(spec.kek, plan.scope, dekFor(plan.scope));
        continue;
      }
      const entries = syntheticEntries(plan.kvmIndex, spec.entriesPerKvm, spec.valueBytes ?? 24);
      yield { name: plan.name, value: edgeRowJson(syntheticKvmName(plan.kvmIndex), entries, encrypted ? dekFor(plan.scope) : undefined) };
    }
  }
  yield* cliDumpLines(spec.org, rows());
}

/** Name of synthetic KVM i (mixed case: the column holds it lowercased). */
export function syntheticKvmName(kvmIndex: number): string {
  return `Kvm-${String(kvmIndex).padStart(6, '0')}`;
}

/** Plain value of entry i of synthetic KVM k. */
export function syntheticPlainValue(kvmIndex: number, entryIndex: number, valueBytes = 24): string {
  const core = entryIndex % 10 === 0 ? `v${kvmIndex}.${entryIndex} "q", value=ü), timestamp=1` : `v${kvmIndex}.${entryIndex}`;
  return core.length >= valueBytes ? core : core + 'x'.repeat(valueBytes - core.length);
}

interface PlannedColumn {
  name: string;
  scope: Scope;
  /** -1 for the scope's keystore. */
  kvmIndex: number;
}

function syntheticColumnPlan(spec: SyntheticDumpSpec, encrypted: boolean): PlannedColumn[] {
  const plan: PlannedColumn[] = [];
  let kvmIndex = 0;
  for (const scope of spec.scopes) {
    if (encrypted && spec.kvmsPerScope > 0) plan.push({ name: encodeColumnName(scope, KEYSTORE_KVM_NAME), scope, kvmIndex: -1 });
    for (let i = 0; i < spec.kvmsPerScope; i++, kvmIndex++) {
      plan.push({ name: encodeColumnName(scope, syntheticKvmName(kvmIndex)), scope, kvmIndex });
    }
  }
  plan.sort((a, b) => compareColumnNames(a.name, b.name));
  rejectDuplicateNames(plan);
  return plan;
}

function syntheticEntries(kvmIndex: number, count: number, valueBytes: number): KvmEntry[] {
  const entries = new Array<KvmEntry>(count);
  for (let i = 0; i < count; i++) entries[i] = { name: `key-${i}`, value: syntheticPlainValue(kvmIndex, i, valueBytes) };
  return entries;
}

function keystoreColumn(kek: Buffer, scope: Scope, dek: Buffer): DumpColumn {
  const stored = JSON.stringify([{ name: KEYSTORE_ENTRY_NAME, value: wrapEdgeDek(kek, dek) }]);
  return { name: encodeColumnName(scope, KEYSTORE_KVM_NAME), value: JSON.stringify({ [KEYSTORE_KVM_NAME]: stored }) };
}

function headerLines(org: string): string[] {
  return [
    'Connected to: "Apigee" on 10.0.0.4/9160\n',
    'Welcome to Cassandra CLI version 2.1.22\n',
    '\n',
    'The CLI is deprecated and will be removed in Cassandra 2.2.  Consider migrating to cqlsh.\n',
    'CQL is fully backwards compatible with Thrift data; see http://www.datastax.com/dev/blog/thrift-to-cql3\n',
    '\n',
    "Type 'help;' or '?' for help.\n",
    "Type 'quit;' or 'exit;' to quit.\n",
    '\n',
    '[default@unknown] use keyvaluemap;\n',
    'Authenticated to keyspace: keyvaluemap\n',
    `[default@keyvaluemap] get keyvaluemaps_r21[${org}];\n`,
  ];
}

function recordLine(column: DumpColumn, index: number): string {
  const timestamp = column.timestamp ?? String(BASE_TIMESTAMP + BigInt(index) * 1000n);
  const ttl = column.ttl === undefined ? '' : `, ttl=${column.ttl}`;
  return `=> (name=${column.name}, value=${column.value}, timestamp=${timestamp}${ttl})\n`;
}

function rejectDuplicateNames(sorted: readonly { name: string }[]): void {
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].name === sorted[i - 1].name) throw new Error(`two KVMs map to the same column ${JSON.stringify(sorted[i].name)} (names differ only in case?)`);
  }
}

