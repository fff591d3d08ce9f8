// The hybrid source's rendered KVMs gathered into one text buffer and handed out as a batch of about a megabyte (then reused).
import type { KvmDescriptor } from '../source.js';
import type { RenderedItem } from '../parallel/edgeParallel.js';
import type { RenderKind } from '../parallel/protocol.js';
import { ByteOut } from '../parallel/byteOut.js';

/** A batch is handed out once its text reaches this size. */
const BATCH_BYTES = 1024 * 1024;

type Row = { kind: 'kvm'; descriptor: KvmDescriptor; entries: number; start: number; end: number } | { kind: 'failed'; descriptor: KvmDescriptor; reason: string };

export class RenderBatch {
  /** The texts of the batch's KVMs, end to end: render a KVM into it between `startKvm` and `rendered`. */
  readonly out = new ByteOut(2 * BATCH_BYTES);
  private rows: Row[] = [];
  private kvmStart = 0;

  constructor(readonly render: RenderKind) {}

  /** The next KVM's text starts here. */
  startKvm(): void {
    this.kvmStart = this.out.length;
  }

  /** The KVM's text is what was written since `startKvm`. */
  rendered(descriptor: KvmDescriptor, entries: number): void {
    this.rows.push({ kind: 'kvm', descriptor, entries, start: this.kvmStart, end: this.out.length });
  }

  /** The KVM could not be decrypted (anything written since `startKvm` is dropped). */
  failed(descriptor: KvmDescriptor, reason: string): void {
    this.out.length = this.kvmStart;
    this.rows.push({ kind: 'failed', descriptor, reason });
  }

  full(): boolean {
    return this.out.length >= BATCH_BYTES;
  }

  size(): number {
    return this.rows.length;
  }

  /** The batch's items; their texts are valid until the next KVM is rendered (the consumer copies them first). */
  take(): RenderedItem[] {
    const bytes = this.out.bytes;
    const items = this.rows.map((row): RenderedItem => (row.kind === 'failed' ? row : { kind: 'kvm', descriptor: row.descriptor, entries: row.entries, text: bytes.subarray(row.start, row.end) }));
    this.rows = [];
    this.out.length = 0;
    return items;
  }
}
