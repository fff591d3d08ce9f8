// Messages between the export's main thread and its worker threads (second pass over an Edge dump, cassandra-cli text or CQL).
import { ScopeGroups } from '../../kvm/model.js';
import type { KvmDescriptor, KvmRef } from '../source.js';

/** How a worker renders each KVM: the target's text for one KVM. */
export type RenderKind = 'apigeecli' | 'maven';
/** What a worker makes of each KVM: its text in a target, or (for `kvms verify`) its keyed content digest. */
export type WorkerOutput = RenderKind | 'digest';

/** Where an Edge dump's rows are: cassandra-cli text (record lines `=> (name=…, value=…, timestamp=…)`), or an amu
 * CQL dump whose row lines are JSON arrays with the column name and value as text cells at these places. */
export type EdgeDumpLayout = { format: 'cli' } | { format: 'cql'; nameAt: number; valueAt: number };

/** Sent once, as workerData: everything a worker needs besides the chunks. */
export interface WorkerSetup {
  /** Names the dump in locations (`file:line`). */
  label: string;
  /** How its rows are written (default cassandra-cli text). */
  layout?: EdgeDumpLayout;
  /** The scopes' data keys by scopeKey (or why a scope has none). */
  keys: [string, { dek?: Uint8Array; failure?: string }][];
  /** The KVMs to render, their exact names by scopeKey; the others are passed over. */
  wanted: [scopeKey: string, names: string[]][];
  render: WorkerOutput;
  /** With render 'digest': the run's HMAC key (see ContentDigester). */
  digestKey?: Uint8Array;
}

/** Whole lines of the dump: `bytes[0, length)`, starting at line `firstLine` (1-based). */
export interface ChunkJob {
  seq: number;
  firstLine: number;
  buffer: ArrayBuffer;
  length: number;
  /** A text buffer of an earlier result, given back to render into. */
  reuse?: ArrayBuffer;
}

/** One KVM of a chunk: its text is `text[start, end)` of the chunk's result. */
export interface RenderedRow {
  descriptor: KvmDescriptor;
  kind: 'kvm' | 'failed';
  entries: number;
  reason?: string;
  /** With render 'digest': the KVM's content digest (hex), and no text. */
  digest?: string;
  start: number;
  end: number;
}

/** An error a worker met, rebuilt on the main thread as the same kind of error. */
export interface WorkerError {
  kind: 'InputError' | 'KeyError' | 'internal';
  message: string;
  details: string[];
  stack?: string;
}

export interface ChunkResult {
  seq: number;
  rows: RenderedRow[];
  text: ArrayBuffer;
  /** The chunk's buffer, given back for the next read. */
  buffer: ArrayBuffer;
  error?: WorkerError;
}

/** The wanted KVMs' names by scopeKey, as they cross to worker threads (no string made per KVM: KVMs of one scope share its object). */
export function wantedByScope(wanted: readonly KvmRef[]): [string, string[]][] {
  const names = new ScopeGroups<string[]>(() => []);
  for (const kvm of wanted) names.of(kvm.scope).push(kvm.name);
  return [...names.groups];
}
