// What the export stage needs from a dump, whatever read it (cassandra-cli text, cqlsh tables, CQL line dumps).
import type { Kvm, Scope } from '../kvm/model.js';
import type { DigestedItem, RenderedItem } from './parallel/edgeParallel.js';
import type { RenderKind } from './parallel/protocol.js';

/** A KVM known from the first pass over a dump, before its values are read. */
export interface KvmDescriptor {
  scope: Scope;
  name: string;
  encrypted: boolean;
  /** Where it is in the dump, for messages: `validate-kvms.out:12`. */
  origin: string;
}

/** Things the source itself left out, with counts, for the summary (e.g. hybrid rows of old map versions). */
export interface SourceNote {
  reason: string;
  count: number;
  detail?: string;
}

export interface SourceIndex {
  kvms: KvmDescriptor[];
  notes: SourceNote[];
  /** Rows or columns read, for the summary. */
  rowsRead: number;
  /** Things about the input the user must know (e.g. a dump with no integrity record). */
  warnings?: string[];
}

/** One KVM read in the second pass: decrypted, or the reason it could not be. */
export type SourceItem =
  | { kind: 'kvm'; descriptor: KvmDescriptor; kvm: Kvm }
  | { kind: 'failed'; descriptor: KvmDescriptor; reason: string };

export interface KvmSource {
  /** A short description of the input, e.g. the dump's path. */
  readonly description: string;
  /** First pass: every KVM with scope, name and encryption flag; key problems (a wrong KEK) fail here. */
  index(): Promise<SourceIndex>;
  /** Second pass: the KVMs `wanted` selects, decrypted, in dump order. */
  read(wanted: (d: KvmDescriptor) => boolean): AsyncIterable<SourceItem>;
  /**
   * Second pass done by worker threads, each KVM already in the target's text: the KVMs `wanted` names (by scope and
   * exact name), in dump order, a batch per chunk of the dump. Undefined when this source cannot (then `read` is used).
   */
  readRendered?(wanted: readonly KvmRef[], render: RenderKind, threads?: number): AsyncIterable<RenderedItem[]> | undefined;
  /** The same for `kvms verify`: each wanted KVM's entry count and content digest under `digestKey` (see ContentDigester). */
  readDigested?(wanted: readonly KvmRef[], digestKey: Buffer, threads?: number): AsyncIterable<DigestedItem[]> | undefined;
}

/** A KVM by scope and exact name (a descriptor, or anything else that names one). */
export interface KvmRef {
  scope: Scope;
  name: string;
}

/** Identifies a KVM within a dump: scope and exact name. */
export function descriptorKey(d: { scope: Scope; name: string }): string {
  const s = d.scope;
  const scopePart =
    s.kind === 'org' ? 'org' : s.kind === 'env' ? `env\0${s.env}` : s.kind === 'proxy' ? `proxy\0${s.proxy}` : `rev\0${s.proxy}\0${s.revision}`;
  return `${scopePart}\0${d.name}`;
}
