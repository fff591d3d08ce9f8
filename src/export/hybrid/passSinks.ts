// What the hybrid source's fast second pass makes of each KVM, in batches: its target text (export) or its digest (verify).
import type { KvmDescriptor, SourceItem } from '../source.js';
import type { DigestedItem, RenderedItem } from '../parallel/edgeParallel.js';
import type { RenderKind } from '../parallel/protocol.js';
import { apigeecliFileText } from '../targets/apigeecli.js';
import { mavenKvmText } from '../targets/maven.js';
import { ContentDigester } from '../../verify/digest.js';
import { EntryLines } from '../../verify/entryLines.js';
import { digestRecords, renderEmpty, renderRecords } from './bucketRender.js';
import { RenderBatch } from './renderBatch.js';

/** The map a KVM comes from, as the sinks need it. */
export interface SinkKvm {
  descriptor: KvmDescriptor;
  /** The map's name (the KVM's name). */
  map: string;
}

export interface PassSink<T> {
  /** A KVM without rows. */
  empty(kvm: SinkKvm): void;
  /** The KVM of the records order[start, end) of a bucket by the fast path; false when it does not take them (nothing added). */
  fast(kvm: SinkKvm, key: Buffer, bytes: Buffer, order: Int32Array, start: number, end: number): boolean;
  /** The KVM as the source's general path made it. */
  item(kvm: SinkKvm, item: SourceItem): void;
  full(): boolean;
  size(): number;
  /** The batch so far (then a new one starts). */
  take(): T[];
}

/** Each KVM in the target's text (`kvms export`). */
export class RenderSink implements PassSink<RenderedItem> {
  private readonly batch: RenderBatch;

  constructor(private readonly render: RenderKind) {
    this.batch = new RenderBatch(render);
  }

  empty(kvm: SinkKvm): void {
    this.batch.startKvm();
    renderEmpty(this.batch.out, this.render, kvm.map);
    this.batch.rendered(kvm.descriptor, 0);
  }

  fast(kvm: SinkKvm, key: Buffer, bytes: Buffer, order: Int32Array, start: number, end: number): boolean {
    this.batch.startKvm();
    if (!renderRecords(this.batch.out, this.render, kvm.map, key, bytes, order, start, end)) return false;
    this.batch.rendered(kvm.descriptor, end - start);
    return true;
  }

  item(kvm: SinkKvm, item: SourceItem): void {
    this.batch.startKvm();
    if (item.kind === 'failed') return this.batch.failed(item.descriptor, item.reason);
    this.batch.out.text(this.render === 'apigeecli' ? apigeecliFileText(item.kvm.entries) : mavenKvmText(item.kvm));
    this.batch.rendered(kvm.descriptor, item.kvm.entries.length);
  }

  full(): boolean {
    return this.batch.full();
  }

  size(): number {
    return this.batch.size();
  }

  take(): RenderedItem[] {
    return this.batch.take();
  }
}

/** KVMs handed out at a time by DigestSink. */
const DIGEST_BATCH = 1024;

/** Each KVM's entry count and keyed content digest (`kvms verify`), the same as ContentDigester.digest of its entries. */
export class DigestSink implements PassSink<DigestedItem> {
  private items: DigestedItem[] = [];
  private readonly lines = new EntryLines();

  constructor(private readonly digester: ContentDigester) {}

  empty(kvm: SinkKvm): void {
    this.items.push({ kind: 'digest', descriptor: kvm.descriptor, ...this.digester.digest([]) });
  }

  fast(kvm: SinkKvm, key: Buffer, bytes: Buffer, order: Int32Array, start: number, end: number): boolean {
    if (!digestRecords(this.lines, key, bytes, order, start, end)) return false;
    this.items.push({ kind: 'digest', descriptor: kvm.descriptor, ...this.digester.digestLines(this.lines) });
    return true;
  }

  item(kvm: SinkKvm, item: SourceItem): void {
    if (item.kind === 'failed') this.items.push(item);
    else this.items.push({ kind: 'digest', descriptor: kvm.descriptor, ...this.digester.digest(item.kvm.entries) });
  }

  full(): boolean {
    return this.items.length >= DIGEST_BATCH;
  }

  size(): number {
    return this.items.length;
  }

  take(): DigestedItem[] {
    const items = this.items;
    this.items = [];
    return items;
  }
}
