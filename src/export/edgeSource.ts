// The Edge KVM source: columns of keyvaluemaps_r21 from any reader, DEKs unwrapped with the KEK, values decrypted.
import type { Kvm, KvmEntry, Scope } from '../kvm/model.js';
import { scopeKey, scopeLabel } from '../kvm/model.js';
import { ownedText, ScopeIndex } from '../kvm/ownedText.js';
import { decodeColumnName } from '../kvm/edgeColumnNames.js';
import { decodeRowHeader, decodeRowValue, KEYSTORE_KVM_NAME } from '../dumps/edgeRowValue.js';
import { DecryptFailure, decryptEdgeValues, unwrapEdgeDek } from '../keys/aesEcb.js';
import { InputError, KeyError } from '../errors.js';
import { type KvmDescriptor, type KvmRef, type KvmSource, type SourceIndex, type SourceItem } from './source.js';
import type { EdgeColumn, EdgeColumnReader } from '../dumps/openDump.js';
import path from 'node:path';
import { exportThreads, renderEdgeDump, type DigestedItem, type RenderedItem } from './parallel/edgeParallel.js';
import { wantedByScope, type EdgeDumpLayout, type RenderKind } from './parallel/protocol.js';

/** A scope's unwrapped data key, or why it could not be unwrapped. */
export interface ScopeKey {
  dek?: Buffer;
  failure?: string;
}

/**
 * Edge keys each column by the lowercased KVM name and keeps the real name inside the value: when they differ,
 * the row was edited or spliced and the value may belong to another KVM.
 */
function checkNameMatches(kvmKey: string, name: string, scope: Scope, where: string): void {
  if (name.toLowerCase() === kvmKey) return;
  throw new InputError(
    `${where}: the column of KVM "${kvmKey}" (${scopeLabel(scope)}) holds the value of KVM "${name}": the dump is damaged or was edited`,
    ['Edge names each column after the lowercased name of the KVM in its value; emigrate the org again.'],
  );
}

export class EdgeKvmSource implements KvmSource {
  private readonly keys = new Map<string, ScopeKey>();

  constructor(
    readonly description: string,
    private readonly readColumns: EdgeColumnReader,
    private readonly kek: Buffer,
    /** The dump's file and how its rows are laid out, when the second pass can read it in chunks (on worker threads too). */
    private readonly chunked?: { file: string; layout: EdgeDumpLayout },
  ) {}

  async index(): Promise<SourceIndex> {
    const kvms: KvmDescriptor[] = [];
    let rowsRead = 0;
    const wrapped: { scope: Scope; key: string; where: string }[] = [];
    // What is kept per KVM is copied out of the dump's lines (and scopes shared): it must not hold the lines.
    const scopes = new ScopeIndex();
    for await (const column of this.readColumns({ headersOnly: true })) {
      rowsRead += 1;
      const { scope, kvmKey } = decodeColumnName(column.name, column.where);
      const row = decodeRowHeader(column.value, column.where);
      checkNameMatches(kvmKey, row.kind === 'keystore' ? KEYSTORE_KVM_NAME : row.name, scope, column.where);
      if (row.kind === 'keystore') wrapped.push({ scope, key: row.wrappedDek, where: column.where });
      else kvms.push({ scope: scopes.owned(scope), name: ownedText(row.name), encrypted: row.encrypted, origin: ownedText(column.where) });
    }
    this.unwrapAll(wrapped);
    return { kvms, notes: [], rowsRead };
  }

  async *read(wanted: (d: KvmDescriptor) => boolean): AsyncIterable<SourceItem> {
    for await (const column of this.readColumns()) {
      const item = edgeItemOf(column, this.keys, wanted);
      if (item !== undefined) yield item;
    }
  }

  readRendered(wanted: readonly KvmRef[], render: RenderKind, threads?: number): AsyncIterable<RenderedItem[]> | undefined {
    if (this.chunked === undefined) return undefined;
    const { file, layout } = this.chunked;
    const setup = { label: path.basename(file), layout, keys: this.sharedKeys(), wanted: wantedByScope(wanted), render };
    // A target's render kind gives rendered (or failed) KVMs only.
    return renderEdgeDump(file, setup, exportThreads(threads)) as AsyncIterable<RenderedItem[]>;
  }

  readDigested(wanted: readonly KvmRef[], digestKey: Buffer, threads?: number): AsyncIterable<DigestedItem[]> | undefined {
    if (this.chunked === undefined) return undefined;
    const { file, layout } = this.chunked;
    const setup = { label: path.basename(file), layout, keys: this.sharedKeys(), wanted: wantedByScope(wanted), render: 'digest' as const, digestKey: new Uint8Array(digestKey) };
    // The digest kind gives digested (or failed) KVMs only.
    return renderEdgeDump(file, setup, exportThreads(threads)) as AsyncIterable<DigestedItem[]>;
  }

  /** The scopes' keys as they cross to worker threads. */
  private sharedKeys(): [string, { dek?: Uint8Array; failure?: string }][] {
    return [...this.keys].map(([scope, key]) => [
      scope,
      { ...(key.dek ? { dek: new Uint8Array(key.dek) } : {}), ...(key.failure !== undefined ? { failure: key.failure } : {}) },
    ]);
  }

  /** Unwraps each scope's DEK; when none unwraps, the KEK is wrong and nothing can be exported. */
  private unwrapAll(wrapped: { scope: Scope; key: string; where: string }[]): void {
    const failures: string[] = [];
    for (const w of wrapped) {
      try {
        this.keys.set(scopeKey(w.scope), { dek: unwrapEdgeDek(this.kek, w.key) });
      } catch {
        const failure = `the data key (DEK) of ${scopeLabel(w.scope)} (${w.where}) does not unwrap with the KEK given`;
        this.keys.set(scopeKey(w.scope), { failure });
        failures.push(failure);
      }
    }
    if (wrapped.length > 0 && failures.length === wrapped.length) {
      throw new KeyError(
        `the KEK does not unwrap any of the ${wrapped.length} data keys in ${this.description}: it is the wrong KEK`,
        ['Check it with "amu kek export --src opdk --vault ..." on the management server of this Edge installation.'],
      );
    }
  }

}

/**
 * One column of the second pass: the KVM it holds, decrypted (or why not), or undefined for a keystore or a KVM
 * `wanted` leaves out. The same for the main thread and the export's worker threads.
 */
export function edgeItemOf(column: EdgeColumn, keys: ReadonlyMap<string, ScopeKey>, wanted: (d: KvmDescriptor) => boolean): SourceItem | undefined {
  const { scope, kvmKey } = decodeColumnName(column.name, column.where);
  const row = decodeRowValue(column.value, column.where);
  checkNameMatches(kvmKey, row.kind === 'keystore' ? KEYSTORE_KVM_NAME : row.name, scope, column.where);
  if (row.kind === 'keystore') return undefined;
  const descriptor: KvmDescriptor = { scope, name: row.name, encrypted: row.encrypted, origin: column.where };
  if (!wanted(descriptor)) return undefined;
  return decryptKvm(descriptor, row.entries, keys);
}

function decryptKvm(descriptor: KvmDescriptor, entries: KvmEntry[], keys: ReadonlyMap<string, ScopeKey>): SourceItem {
  const kvm: Kvm = { scope: descriptor.scope, name: descriptor.name, encrypted: descriptor.encrypted, entries };
  if (!descriptor.encrypted) return { kind: 'kvm', descriptor, kvm };
  const key = keys.get(scopeKey(descriptor.scope));
  if (!key?.dek) {
    const reason = key?.failure ?? `no data key (keystore pseudo-KVM) for ${scopeLabel(descriptor.scope)} in the dump`;
    return { kind: 'failed', descriptor, reason };
  }
  let values: string[];
  const ciphertexts = new Array<string>(entries.length);
  for (let i = 0; i < entries.length; i++) ciphertexts[i] = entries[i]!.value;
  try {
    values = decryptEdgeValues(key.dek, ciphertexts);
  } catch (err) {
    if (!(err instanceof DecryptFailure)) throw err;
    const entry = err.index === undefined ? 'an entry' : `entry "${entries[err.index]!.name}"`;
    const reason = `the value of ${entry} does not decrypt with the scope's data key: ${err.reason} check failed (corrupt value, or a wrong KEK)`;
    return { kind: 'failed', descriptor, reason };
  }
  // The entries were parsed for this KVM alone: their values are replaced in place.
  for (let i = 0; i < entries.length; i++) entries[i]!.value = values[i]!;
  return { kind: 'kvm', descriptor, kvm };
}
