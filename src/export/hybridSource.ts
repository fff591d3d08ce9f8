// The Apigee hybrid KVM source: kvm_map_entry/kvm_map_descriptor rows, regrouped through spill buckets, decrypted per scope key.
//
// Rows come one per entry in Cassandra token order (every entry is its own partition), so a map's
// entries are scattered through the dump. `index()` makes one streaming pass keeping per-map counters
// only; `read()` streams the entries again into spill buckets (binary records of ciphertext only,
// spillRecords.ts, in a private temp folder) and decrypts one bucket at a time, one AES call per KVM,
// so memory follows the largest bucket (about `bucketBytes`, or the largest KVM). Rows arrive in
// batches from the block readers (dumps/hybridBlockRows.ts).
//
// The export's fast path (`readRendered`, same KVMs in the same order): both passes take the rows from a
// scan (the readers' `scanEntries`), plain rows as cell borders in the dump's text, looked up by map id in
// flat arrays (hybrid/mapIds.ts), counted and spilled without a string or an object per row; each KVM is then
// rendered in the target's text straight from its records' bytes (hybrid/bucketRender.ts). Anything unusual
// (a null or damaged value, a name twice, a wrong key, a non-ASCII name) takes `read`'s own path for that KVM.
//
// Decisions (see also the README of the export):
// - A map's current version is its descriptor row's `ver`; rows of other versions are stale
//   leftovers of a deleted-and-recreated map: not exported, counted in the notes.
// - Without a descriptor dump, and for maps that have entry rows but no descriptor row although a
//   descriptor dump was given, the highest `ver` is taken (integers numerically, version-1 UUIDs
//   by their time, anything else as text); the map is exported and noted, never dropped.
// - A descriptor row without entry rows of its version is an empty KVM: exported with no entries.
// - A null `val` fails its KVM (a `failed` item naming entry and line): a KVM is never exported
//   with an entry silently missing. A null `key` cannot exist (it is part of Cassandra's primary
//   key); the cqlsh reader refuses such a row as a damaged dump (InputError).
// - Entries of a KVM are sorted by entry name (UTF-16 code unit order), so output is
//   deterministic whatever the dump's token order or bucket count.
// - All rows must belong to one tenant (`tid`): rows of several are an InputError, since the
//   same scope and map name in two tenants could not be told apart in the export.

import { InputError, KeyError } from '../errors.js';
import type { Kvm, KvmEntry, Scope } from '../kvm/model.js';
import { scopeLabel } from '../kvm/model.js';
import { decryptHybridValue } from '../keys/hybridKeys.js';
import { isAesKeyLength } from '../keys/aesEcb.js';
import { decryptLaidOut } from '../keys/ecbBatch.js';
import { ScopeDecoder, type HybridScopeKind } from '../kvm/hybridScope.js';
import { ownedText } from '../kvm/ownedText.js';
import type { DescriptorRowLike, EntryRowLike, HybridDumpReaders } from '../dumps/openDump.js';
import { ENTRY_SHAPE } from '../dumps/hybridBlockRows.js';
import { bucketCount, bucketOf, SpillBuckets } from './spillBuckets.js';
import { MapTable, textAt } from './mapTable.js';
import {
  BucketRecords,
  maxRecordBytes,
  maxRecordBytesAt,
  recordAt,
  recordValue,
  VAL_CIPHER,
  VAL_NULL,
  writeRecord,
  writeRecordBytes,
  type SpillRecord,
} from './spillRecords.js';
import { descriptorKey, type KvmDescriptor, type KvmRef, type KvmSource, type SourceIndex, type SourceItem, type SourceNote } from './source.js';
import type { RenderKind } from './parallel/protocol.js';
import type { DigestedItem, RenderedItem } from './parallel/edgeParallel.js';
import { groupRecords } from './hybrid/bucketRender.js';
import { DigestSink, RenderSink, type PassSink } from './hybrid/passSinks.js';
import { ContentDigester } from '../verify/digest.js';
import { MapIds } from './hybrid/mapIds.js';

/** The AES keys of the hybrid org. */
export interface HybridKeys {
  /** One key for every scope (`--dek`, as the bash amu did), or per scope: */
  all?: Buffer;
  /** kvmEncryptionKey: org scope AND proxy scope. */
  org?: Buffer;
  /** envKvmEncryptionKey per environment. */
  envs?: Record<string, Buffer>;
}

export interface HybridSourceOptions {
  /** Parent of the private spill folder; default the OS temp folder. */
  spillDir?: string;
  /** Target size of one spill bucket; default 16 MB (a bucket is read back whole). */
  bucketBytes?: number;
  /** Extra a_scp kinds, once a dump shows them (e.g. { apis: 'proxy' }). */
  scopeKinds?: Readonly<Record<string, HybridScopeKind>>;
}

export const DEFAULT_BUCKET_BYTES = 16 * 1024 * 1024;
/** Names listed in a note's detail before "and N more". */
const NOTE_NAMES_SHOWN = 5;
/** Distinct tenants remembered for the error message. */
const TIDS_SHOWN = 10;
/** Spill overhead per row beyond key and value, in the estimate that sizes the buckets. */
const SPILL_LINE_OVERHEAD = 24;

/** Per version of a map: rows and approximate spill bytes. */
interface VersionCount {
  rows: number;
  bytes: number;
}

/** What the first pass keeps of a map: counters only, never values. */
interface MapState {
  id: number;
  aScp: string;
  map: string;
  scope: Scope;
  origin: string;
  /** The descriptor row's ver; null when the map has no descriptor row. */
  descriptorVer: string | null;
  versions: Map<string, VersionCount>;
  /** The version of the last row counted, and its counter (a map's rows nearly always share one version). */
  hotVer: string | null;
  hotCount: VersionCount | null;
  /** The version exported (set at the end of the first pass). */
  chosenVer: string | null;
  descriptor: KvmDescriptor;
  /** Selected by the current read, and its spill bucket. */
  wanted: boolean;
  bucket: number;
  /** The next map of its slot in the map table. */
  nextInSlot: MapState | undefined;
}

/** The maps of a dump by scope text and name. */
interface MapIndex {
  table: MapTable<MapState>;
  /** The same maps by id, for the fast row passes. */
  ids: MapIds;
}

function newMapIndex(): MapIndex {
  return { table: new MapTable(), ids: new MapIds() };
}

/**
 * One copy (ownedText: not a view of its line) of each scope text and version, shared by all maps: the row
 * lookups of both passes compare against a few strings that stay in the cache instead of one copy per map.
 */
class Interned {
  private readonly texts = new Map<string, string>();

  of(text: string): string {
    let copy = this.texts.get(text);
    if (copy === undefined) {
      copy = ownedText(text);
      if (this.texts.size < 4096) this.texts.set(copy, copy);
    }
    return copy;
  }
}

/** The key of a scope, or why there is none. */
type KeyChoice = { id: string; label: string; key: Buffer } | { missing: string };

/** Identifies a map in the dump. */
function mapKey(aScp: string, map: string): string {
  return `${aScp}\0${map}`;
}

// ---------------------------------------------------------------------------------------------
// Versions

const INTEGER_RE = /^-?\d+$/;
const UUID_V1_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The 60-bit timestamp of a version-1 UUID. */
function uuidV1Time(uuid: string): bigint {
  const hex = uuid.replace(/-/g, '');
  return BigInt(`0x${hex.slice(13, 16)}${hex.slice(8, 12)}${hex.slice(0, 8)}`);
}

/** Orders two `ver` values: integers numerically, version-1 UUIDs by time, anything else as text. */
export function compareVersions(a: string, b: string): number {
  if (INTEGER_RE.test(a) && INTEGER_RE.test(b)) {
    const d = BigInt(a) - BigInt(b);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  if (UUID_V1_RE.test(a) && UUID_V1_RE.test(b)) {
    const d = uuidV1Time(a) - uuidV1Time(b);
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The highest of some versions. */
function highestVersion(versions: Iterable<string>): string | null {
  let best: string | null = null;
  for (const v of versions) if (best === null || compareVersions(v, best) > 0) best = v;
  return best;
}

// ---------------------------------------------------------------------------------------------
// Notes

/** Why rows of a map were left out. */
type StaleBasis = 'descriptor' | 'no descriptor row' | 'no descriptor dump';

const STALE_REASONS: Readonly<Record<StaleBasis, string>> = {
  descriptor: 'entry rows of old map versions',
  'no descriptor row': 'entry rows of old map versions (map has no descriptor row: highest ver taken)',
  'no descriptor dump': 'entry rows of old map versions (no descriptor dump: highest ver taken)',
};

/** A short label of a map for notes: `env prod "m1"`. */
function mapLabel(state: MapState): string {
  return `${scopeLabel(state.scope)} "${state.map}"`;
}

/** "a, b, c and 4 more". */
function someNames(names: string[]): string {
  const shown = names.slice(0, NOTE_NAMES_SHOWN).join(', ');
  return names.length > NOTE_NAMES_SHOWN ? `${shown} and ${names.length - NOTE_NAMES_SHOWN} more` : shown;
}

/** Counts left-out rows per basis and maps without descriptor rows, then builds the notes. */
function buildNotes(maps: MapState[], haveDescriptors: boolean): SourceNote[] {
  const stale = new Map<StaleBasis, { rows: number; maps: number }>();
  const orphans: MapState[] = [];
  let orphanRows = 0;
  for (const state of maps) {
    const basis: StaleBasis = state.descriptorVer !== null ? 'descriptor' : haveDescriptors ? 'no descriptor row' : 'no descriptor dump';
    if (basis === 'no descriptor row') {
      orphans.push(state);
      orphanRows += state.versions.get(state.chosenVer!)?.rows ?? 0;
    }
    let rows = 0;
    for (const [ver, count] of state.versions) if (ver !== state.chosenVer) rows += count.rows;
    if (rows === 0) continue;
    const total = stale.get(basis) ?? { rows: 0, maps: 0 };
    stale.set(basis, { rows: total.rows + rows, maps: total.maps + 1 });
  }
  const notes: SourceNote[] = [];
  for (const [basis, total] of stale) notes.push({ reason: STALE_REASONS[basis], count: total.rows, detail: `${total.maps} maps` });
  if (orphans.length > 0) {
    notes.push({
      reason: 'maps with entry rows but no descriptor row (exported from their highest ver)',
      count: orphans.length,
      detail: `${orphanRows} entry rows exported: ${someNames(orphans.map((s) => `${mapLabel(s)} (${s.origin})`))}`,
    });
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Keys

/** The key a scope uses: `all`, else the org key for org and proxy scope, the env's key for env scope. */
function chooseKey(scope: Scope, keys: HybridKeys): KeyChoice {
  if (keys.all) return { id: 'all', label: 'the key given for every scope', key: keys.all };
  if (scope.kind === 'env') {
    const key = keys.envs && Object.hasOwn(keys.envs, scope.env) ? keys.envs[scope.env] : undefined;
    if (key) return { id: `env:${scope.env}`, label: `the env key of ${scope.env} (envKvmEncryptionKey)`, key };
    return { missing: `no key for environment ${scope.env}: add it to the keys file` };
  }
  if (keys.org) return { id: 'org', label: 'the org key (kvmEncryptionKey)', key: keys.org };
  return { missing: `no org key (kvmEncryptionKey, used for org and proxy scope): add it to the keys file` };
}

/** Refuses keys that cannot be AES keys, naming them. */
function checkKeyLengths(keys: HybridKeys): void {
  const named: [string, Buffer | undefined][] = [
    ['the key given for every scope', keys.all],
    ['the org key (kvmEncryptionKey)', keys.org],
    ...Object.entries(keys.envs ?? {}).map(([env, key]): [string, Buffer] => [`the env key of ${env} (envKvmEncryptionKey)`, key]),
  ];
  for (const [label, key] of named) {
    if (key && !isAesKeyLength(key.length)) {
      throw new KeyError(`${label} is ${key.length} bytes long; AES keys are 16, 24 or 32 bytes`);
    }
  }
}

/** Per key: on how many KVMs it failed to decrypt, and whether it ever decrypted a value. */
class KeyTally {
  private readonly uses = new Map<string, { label: string; failedKvms: number; worked: boolean }>();

  record(choice: { id: string; label: string }, outcome: 'worked' | 'failed'): void {
    const use = this.uses.get(choice.id) ?? { label: choice.label, failedKvms: 0, worked: false };
    if (outcome === 'worked') use.worked = true;
    else use.failedKvms += 1;
    this.uses.set(choice.id, use);
  }

  /** Throws a KeyError naming every key that was tried and decrypted nothing. */
  throwIfUseless(): void {
    const wrong = [...this.uses.values()].filter((u) => !u.worked && u.failedKvms > 0);
    if (wrong.length === 0) return;
    const names = wrong.map((u) => u.label).join(', ');
    throw new KeyError(`wrong key: ${names} decrypted none of the values it was tried on`, [
      ...wrong.map((u) => `${u.label}: failed on ${u.failedKvms} KVM(s), decrypted nothing`),
      'Check the keys file against the org and environment secrets (kvmEncryptionKey, envKvmEncryptionKey); amu stopped before writing anything.',
    ]);
  }
}

// ---------------------------------------------------------------------------------------------
// Decryption of one KVM

/** The first problem that fails a KVM before any decryption: a null value or an entry twice. */
function rowProblem(entries: SpillRecord[], where: (lineNo: number) => string): string | null {
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.kind === VAL_NULL) {
      return `entry "${entry.key}" has no value (val is null at ${where(entry.lineNo)}); the KVM is not exported without it`;
    }
    const previous = entries[i - 1];
    if (previous && previous.key === entry.key) {
      return `entry "${entry.key}" appears twice (${where(previous.lineNo)} and ${where(entry.lineNo)})`;
    }
  }
  return null;
}

/** Orders entries by name (UTF-16 code units), then by line. */
function byEntryName(a: SpillRecord, b: SpillRecord): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  return a.lineNo - b.lineNo;
}

/** Ciphertexts of a KVM laid end to end for one AES call (reused, grown to the largest KVM). */
let laidOut = Buffer.allocUnsafe(64 * 1024);

/** All entries decrypted in one AES call, or null when any value is not ciphertext or fails to decrypt. */
function decryptAll(key: Buffer, entries: SpillRecord[], bucket: Buffer): KvmEntry[] | null {
  let bytes = 0;
  for (const entry of entries) {
    if (entry.kind !== VAL_CIPHER) return null;
    bytes += entry.valEnd - entry.valStart;
  }
  if (laidOut.length < bytes) laidOut = Buffer.allocUnsafe(Math.max(bytes, laidOut.length * 2));
  const lengths = new Int32Array(entries.length);
  let at = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const length = entry.valEnd - entry.valStart;
    // Short values byte by byte: cheaper than a Buffer.copy call each.
    if (length <= 64) for (let j = entry.valStart; j < entry.valEnd; j++) laidOut[at++] = bucket[j]!;
    else at += bucket.copy(laidOut, at, entry.valStart, entry.valEnd);
    lengths[i] = length;
  }
  const values = decryptLaidOut(key, laidOut.subarray(0, bytes), lengths, entries.length);
  if (values === null) return null;
  const plain = new Array<KvmEntry>(entries.length);
  for (let i = 0; i < entries.length; i++) plain[i] = { name: entries[i]!.key, value: values[i]! };
  return plain;
}

/** The reason of a failed decryption; a key failure is recorded against the key. */
function decryptFailure(err: unknown, what: string, choice: { id: string; label: string }, tally: KeyTally): string {
  if (err instanceof KeyError) {
    tally.record(choice, 'failed');
    return `the value of ${what} does not decrypt with ${choice.label}: wrong key?`;
  }
  if (err instanceof InputError) return `${err.message} (a damaged value)`;
  throw err;
}

// ---------------------------------------------------------------------------------------------
// The source

export class HybridKvmSource implements KvmSource {
  private maps: MapState[] | null = null;
  private index_: MapIndex = newMapIndex();
  private readonly interned = new Interned();
  private readonly entryName: string;
  private readonly descriptorName: string;

  constructor(
    readonly description: string,
    private readonly readers: HybridDumpReaders,
    private readonly keys: HybridKeys,
    private readonly options: HybridSourceOptions = {},
  ) {
    checkKeyLengths(keys);
    this.entryName = readers.entryName ?? 'kvm_map_entry';
    this.descriptorName = readers.descriptorName ?? 'kvm_map_descriptor';
  }

  async index(): Promise<SourceIndex> {
    const decoder = new ScopeDecoder(this.options.scopeKinds ?? {});
    const tids = new Set<string>();
    const index = newMapIndex();
    const maps: MapState[] = [];
    let rowsRead = 0;
    let lastTid: string | null = null;
    if (this.readers.descriptors) {
      for await (const batch of this.readers.descriptors()) {
        for (const row of batch) {
          rowsRead += 1;
          if (row.tid !== lastTid) noteTid(tids, (lastTid = row.tid));
          this.addDescriptorRow(index, maps, decoder, row);
        }
      }
    }
    const onRow = (row: EntryRowLike): void => {
      rowsRead += 1;
      if (row.tid !== lastTid) noteTid(tids, (lastTid = row.tid));
      this.addEntryRow(index, maps, decoder, row);
    };
    if (this.readers.scanEntries) {
      // A plain row of a known map and its last version is counted in `hot` from its cells' borders: no string, no
      // object. Every other row goes through onRow, the map's hot counts added to its state first.
      const hot = new HotCounts();
      const slowRow = (row: EntryRowLike): void => {
        const known = this.lookUp(index, row.aScp, row.map);
        if (known) hot.flush(known);
        onRow(row);
        const state = known ?? this.lookUp(index, row.aScp, row.map);
        if (state) hot.track(state);
      };
      await this.readers.scanEntries({
        cut: (text, _bytes, from, to, lineNo) => {
          const tid = lastTid;
          const id = tid !== null && to[0]! - from[0]! === tid.length && textAt(text, from[0]!, tid) ? index.ids.find(text, from[1]!, to[1]!, from[2]!, to[2]!) : -1;
          const ver = id < 0 ? null : hot.ver(id);
          if (ver === null || to[3]! - from[3]! !== ver.length || !textAt(text, from[3]!, ver)) {
            slowRow(ENTRY_SHAPE.build(cellsOf(text, from, to), lineNo));
            return;
          }
          rowsRead += 1;
          hot.count(id, to[4]! - from[4]! + (from[5]! < 0 ? 4 : to[5]! - from[5]!) + SPILL_LINE_OVERHEAD);
        },
        row: slowRow,
      });
      for (const state of maps) hot.flush(state);
    } else {
      for await (const batch of this.readers.entries()) for (const row of batch) onRow(row);
    }
    decoder.throwIfUnknown();
    this.checkOneTenant(tids);
    for (const state of maps) state.chosenVer = state.descriptorVer ?? highestVersion(state.versions.keys());
    this.maps = maps;
    this.index_ = index;
    return { kvms: maps.map((s) => s.descriptor), notes: buildNotes(maps, this.readers.descriptors !== undefined), rowsRead };
  }

  async *read(wanted: (d: KvmDescriptor) => boolean): AsyncIterable<SourceItem> {
    if (this.maps === null) await this.index();
    const selected = this.maps!.filter((s) => wanted(s.descriptor));
    const tally = new KeyTally();
    const withRows = selected.filter((s) => this.currentCount(s).rows > 0);
    for (const state of selected) if (this.currentCount(state).rows === 0) yield this.decryptKvm(state, [], tally);
    if (withRows.length > 0) yield* this.readThroughBuckets(withRows, tally);
    tally.throwIfUseless();
  }

  /**
   * The second pass with every KVM already in the target's text (the export's fast path): the same KVMs, in the same
   * order, as `read`, rendered from the spill records' bytes (bucketRender.ts) or, for anything unusual, from `read`'s
   * own items. One thread: the file writer thread already has the other core.
   */
  readRendered(wanted: readonly KvmRef[], render: RenderKind): AsyncIterable<RenderedItem[]> {
    return this.fastPass(new Set(wanted.map(descriptorKey)), new RenderSink(render));
  }

  /** The same pass for `kvms verify`: each KVM's entry count and content digest under `digestKey` (see ContentDigester). */
  readDigested(wanted: readonly KvmRef[], digestKey: Buffer): AsyncIterable<DigestedItem[]> {
    return this.fastPass(new Set(wanted.map(descriptorKey)), new DigestSink(new ContentDigester(digestKey)));
  }

  private async *fastPass<T>(wanted: Set<string>, sink: PassSink<T>): AsyncIterable<T[]> {
    if (this.maps === null) await this.index();
    const selected = this.maps!.filter((s) => wanted.has(descriptorKey(s.descriptor)));
    const tally = new KeyTally();
    for (const state of selected) {
      if (this.currentCount(state).rows > 0) continue;
      if (sink.full()) yield sink.take();
      sink.empty(state);
    }
    const withRows = selected.filter((s) => this.currentCount(s).rows > 0);
    if (withRows.length > 0) {
      const count = bucketCount(withRows.reduce((sum, s) => sum + this.currentCount(s).bytes, 0), this.options.bucketBytes ?? DEFAULT_BUCKET_BYTES, withRows.length);
      const buckets = await SpillBuckets.create(count, this.options.spillDir);
      try {
        const mapsByBucket = this.prepareSpill(withRows, count);
        await this.spillScanned(buckets);
        let space: Buffer = Buffer.alloc(0);
        for (let b = 0; b < count; b++) {
          const read = buckets.bytesInto(b, space);
          const bytes = read.bytes;
          space = read.space;
          await buckets.remove(b);
          const { order, first } = groupRecords(bytes, this.maps!.length, b);
          for (const state of mapsByBucket[b]!) {
            if (sink.full()) yield sink.take();
            this.passKvm(sink, state, bytes, order, first[state.id]!, first[state.id + 1]!, tally);
          }
        }
      } finally {
        await buckets.dispose();
      }
    }
    if (sink.size() > 0) yield sink.take();
    tally.throwIfUseless();
  }

  /** One KVM of a bucket (records order[start, end)) into the sink: by the fast path, else as `read` makes it. */
  private passKvm<T>(sink: PassSink<T>, state: MapState, bytes: Buffer, order: Int32Array, start: number, end: number, tally: KeyTally): void {
    if (start === end) return sink.empty(state);
    const choice = chooseKey(state.scope, this.keys);
    if (!('missing' in choice) && sink.fast(state, choice.key, bytes, order, start, end)) {
      tally.record(choice, 'worked');
      return;
    }
    const records: SpillRecord[] = [];
    for (let k = start; k < end; k++) records.push(recordAt(bytes, order[k]!, state.id));
    // In dump order, as BucketRecords gives them to `read` (the sort is stable).
    records.sort((a, b) => a.lineNo - b.lineNo);
    sink.item(state, this.decryptKvm(state, records, tally, bytes));
  }

  /** Marks the maps to spill and their buckets; returns the maps of each bucket (in index order). */
  private prepareSpill(maps: MapState[], count: number): MapState[][] {
    for (const state of this.maps!) state.wanted = false;
    for (const state of maps) {
      state.wanted = true;
      state.bucket = bucketOf(mapKey(state.aScp, state.map), count);
    }
    return groupByBucket(maps, count);
  }

  /** `spill` over a dump scan: plain rows' records written from the dump's bytes. */
  private async spillScanned(buckets: SpillBuckets): Promise<void> {
    const scan = this.readers.scanEntries;
    if (scan === undefined) return this.spill(buckets);
    const index = this.index_;
    // By map id: its bucket (-1: not wanted) and version, read by the fast path (no state object touched).
    const bucketOfId = new Int32Array(this.maps!.length).fill(-1);
    const verOfId = this.maps!.map((state) => state.chosenVer);
    for (const state of this.maps!) if (state.wanted) bucketOfId[state.id] = state.bucket;
    await scan({
      cut: (text, bytes, from, to, lineNo) => {
        const id = index.ids.find(text, from[1]!, to[1]!, from[2]!, to[2]!);
        const b = id < 0 ? -1 : bucketOfId[id]!;
        if (b < 0) return;
        const ver = verOfId[id]!;
        if (ver === null || to[3]! - from[3]! !== ver.length || !textAt(text, from[3]!, ver)) return;
        const valStart = from[5]!;
        buckets.reserveSync(b, maxRecordBytesAt(to[4]! - from[4]!, valStart < 0 ? 0 : to[5]! - valStart));
        buckets.advance(b, writeRecordBytes(buckets.buffer(b), buckets.used(b), id, lineNo, bytes, from[4]!, to[4]!, valStart, to[5]!));
      },
      row: (row) => {
        const state = this.lookUp(index, row.aScp, row.map);
        if (!state || !state.wanted || row.ver !== state.chosenVer) return;
        const b = state.bucket;
        buckets.reserveSync(b, maxRecordBytes(row.key, row.val));
        buckets.advance(b, writeRecord(buckets.buffer(b), buckets.used(b), state.id, row.lineNo, row.key, row.val));
      },
    });
    await buckets.flush();
  }

  /** Spills the wanted maps' current rows into buckets, then decrypts bucket by bucket; always removes the spill. */
  private async *readThroughBuckets(maps: MapState[], tally: KeyTally): AsyncIterable<SourceItem> {
    const totalBytes = maps.reduce((sum, s) => sum + this.currentCount(s).bytes, 0);
    const count = bucketCount(totalBytes, this.options.bucketBytes ?? DEFAULT_BUCKET_BYTES, maps.length);
    const buckets = await SpillBuckets.create(count, this.options.spillDir);
    try {
      for (const state of this.maps!) state.wanted = false;
      for (const state of maps) {
        state.wanted = true;
        state.bucket = bucketOf(mapKey(state.aScp, state.map), count);
      }
      const mapsByBucket = groupByBucket(maps, count);
      await this.spill(buckets);
      for (let b = 0; b < count; b++) {
        const bytes = await buckets.bytes(b);
        await buckets.remove(b);
        const records = new BucketRecords(bytes, b);
        for (const state of mapsByBucket[b]!) yield this.decryptKvm(state, records.of(state.id), tally, bytes);
      }
    } finally {
      await buckets.dispose();
    }
  }

  /** Second streaming pass: appends each wanted, current-version row to its map's bucket. */
  private async spill(buckets: SpillBuckets): Promise<void> {
    const index = this.index_;
    for await (const batch of this.readers.entries()) {
      for (const row of batch) {
        const state = this.lookUp(index, row.aScp, row.map);
        if (!state || !state.wanted || row.ver !== state.chosenVer) continue;
        const b = state.bucket;
        const writing = buckets.reserve(b, maxRecordBytes(row.key, row.val));
        if (writing) await writing;
        buckets.advance(b, writeRecord(buckets.buffer(b), buckets.used(b), state.id, row.lineNo, row.key, row.val));
      }
    }
    await buckets.flush();
  }

  /** Decrypts one KVM's entries (records of `bucket`): a `kvm` item, or a `failed` one saying why. */
  private decryptKvm(state: MapState, spilled: SpillRecord[], tally: KeyTally, bucket: Buffer = Buffer.alloc(0)): SourceItem {
    const descriptor = state.descriptor;
    const where = (lineNo: number): string => `${this.entryName}:${lineNo}`;
    const kvm = (entries: KvmEntry[]): Kvm => ({ scope: state.scope, name: state.map, encrypted: true, entries });
    if (spilled.length === 0) return { kind: 'kvm', descriptor, kvm: kvm([]) };
    const choice = chooseKey(state.scope, this.keys);
    if ('missing' in choice) return { kind: 'failed', descriptor, reason: choice.missing };
    const entries = spilled.sort(byEntryName);
    const problem = rowProblem(entries, where);
    if (problem !== null) return { kind: 'failed', descriptor, reason: problem };
    const fast = decryptAll(choice.key, entries, bucket);
    if (fast !== null) {
      tally.record(choice, 'worked');
      return { kind: 'kvm', descriptor, kvm: kvm(fast) };
    }
    // Some value failed: decrypt one by one, so that the message names the first failure exactly.
    const plain: KvmEntry[] = [];
    for (const entry of entries) {
      const what = `entry "${entry.key}" of ${mapLabel(state)} (${where(entry.lineNo)})`;
      try {
        plain.push({ name: entry.key, value: decryptHybridValue(choice.key, recordValue(bucket, entry)!, what) });
      } catch (err) {
        if (plain.length > 0) tally.record(choice, 'worked');
        return { kind: 'failed', descriptor, reason: decryptFailure(err, what, choice, tally) };
      }
    }
    tally.record(choice, 'worked');
    return { kind: 'kvm', descriptor, kvm: kvm(plain) };
  }

  /** The map of a row, if known. */
  private lookUp(index: MapIndex, aScp: string, map: string): MapState | undefined {
    return index.table.get(aScp, map);
  }

  private addDescriptorRow(index: MapIndex, maps: MapState[], decoder: ScopeDecoder, row: DescriptorRowLike): void {
    const origin = `${this.descriptorName}:${row.lineNo}`;
    const scope = decoder.decode(row.aScp, origin);
    if (scope === null) return;
    const seen = this.lookUp(index, row.aScp, row.map);
    if (seen) {
      throw new InputError(`${origin}: a second descriptor row for ${mapLabel(seen)} (first at ${seen.origin})`, [
        'kvm_map_descriptor holds one row per map: the dump is damaged or holds several dumps',
      ]);
    }
    addMap(index, maps, newMapState(maps.length, this.interned.of(row.aScp), ownedText(row.map), scope, origin, this.interned.of(row.ver)));
  }

  private addEntryRow(index: MapIndex, maps: MapState[], decoder: ScopeDecoder, row: EntryRowLike): void {
    let state = this.lookUp(index, row.aScp, row.map);
    if (!state) {
      // A row of a known map needs neither its origin text nor its scope decoded again.
      const origin = `${this.entryName}:${row.lineNo}`;
      const scope = decoder.decode(row.aScp, origin);
      if (scope === null) return;
      state = addMap(index, maps, newMapState(maps.length, this.interned.of(row.aScp), ownedText(row.map), scope, origin, null));
    }
    let count = state.hotVer === row.ver ? state.hotCount! : state.versions.get(row.ver);
    if (count === undefined) {
      count = { rows: 0, bytes: 0 };
      state.versions.set(this.interned.of(row.ver), count);
    }
    if (state.hotCount !== count) {
      state.hotVer = this.interned.of(row.ver);
      state.hotCount = count;
    }
    count.rows += 1;
    count.bytes += row.key.length + (row.val?.length ?? 4) + SPILL_LINE_OVERHEAD;
  }

  private currentCount(state: MapState): VersionCount {
    return (state.chosenVer !== null ? state.versions.get(state.chosenVer) : undefined) ?? { rows: 0, bytes: 0 };
  }

  private checkOneTenant(tids: Set<string>): void {
    if (tids.size <= 1) return;
    const shown = [...tids].slice(0, TIDS_SHOWN).map((t) => `"${t}"`).join(', ');
    throw new InputError(`${this.description} holds rows of several tenants (tid): ${shown}`, [
      'the same scope and map name could exist in each: dump one org at a time (SELECT ... WHERE tid = \'<org>\' ALLOW FILTERING)',
    ]);
  }
}

/** Rows counted by the first pass's fast path for each map's hot version, added to its state in batches. */
class HotCounts {
  private rows = new Int32Array(1024);
  private bytes = new Float64Array(1024);
  private readonly vers: (string | null)[] = [];

  /** The version counted for map `id`, or null. */
  ver(id: number): string | null {
    return this.vers[id] ?? null;
  }

  count(id: number, bytes: number): void {
    this.rows[id]! += 1;
    this.bytes[id]! += bytes;
  }

  /** Counts for the state's hot version from now on (its counts so far are in the state). */
  track(state: MapState): void {
    if (state.id >= this.rows.length) {
      const size = Math.max(state.id + 1, this.rows.length * 2);
      const rows = new Int32Array(size);
      rows.set(this.rows);
      const bytes = new Float64Array(size);
      bytes.set(this.bytes);
      this.rows = rows;
      this.bytes = bytes;
    }
    while (this.vers.length <= state.id) this.vers.push(null);
    this.vers[state.id] = state.hotCount === null ? null : state.hotVer;
  }

  /** Adds what was counted to the state's hot version. */
  flush(state: MapState): void {
    const id = state.id;
    if (id >= this.rows.length || this.rows[id] === 0) return;
    state.hotCount!.rows += this.rows[id]!;
    state.hotCount!.bytes += this.bytes[id]!;
    this.rows[id] = 0;
    this.bytes[id] = 0;
  }
}

/** The cells of a cut row as strings (ENTRY_COLUMNS order), for the general path. */
function cellsOf(text: string, from: Int32Array, to: Int32Array): (string | null)[] {
  const cells = new Array<string | null>(from.length);
  for (let c = 0; c < from.length; c++) cells[c] = from[c]! < 0 ? null : text.slice(from[c], to[c]);
  return cells;
}

/** Remembers a tenant id (a few, for the message). */
function noteTid(tids: Set<string>, tid: string): void {
  if (tids.size <= TIDS_SHOWN) tids.add(tid);
}

function newMapState(id: number, aScp: string, map: string, scope: Scope, origin: string, descriptorVer: string | null): MapState {
  return {
    id, aScp, map, scope, origin, descriptorVer,
    versions: new Map(),
    hotVer: null,
    hotCount: null,
    chosenVer: null,
    descriptor: { scope, name: map, encrypted: true, origin },
    wanted: false,
    bucket: 0,
    nextInSlot: undefined,
  };
}

/** Adds a map to the index and the list (first seen order); returns it. */
function addMap(index: MapIndex, maps: MapState[], state: MapState): MapState {
  index.table.add(state);
  index.ids.add(state.id, state.aScp, state.map);
  maps.push(state);
  return state;
}

/** The maps of each bucket, in index (first seen) order. */
function groupByBucket(maps: MapState[], count: number): MapState[][] {
  const groups: MapState[][] = Array.from({ length: count }, () => []);
  for (const state of maps) groups[bucketOf(mapKey(state.aScp, state.map), count)]!.push(state);
  return groups;
}
