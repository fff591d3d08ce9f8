// A KVM source guarded by the dumps' integrity records: checked before the first pass, unchanged through the second.
import { InputError } from '../errors.js';
import type { KvmDescriptor, KvmRef, KvmSource, SourceIndex, SourceItem } from './source.js';
import type { DigestedItem, RenderedItem } from './parallel/edgeParallel.js';
import type { RenderKind } from './parallel/protocol.js';
import { checkDumpAgainstRecord, checkUnchanged, noRecordNote, type DumpCheck } from '../dumps/integrity.js';

export class CheckedKvmSource implements KvmSource {
  private checks: DumpCheck[] = [];

  /** `files[0]` is the main dump (Edge keyvaluemaps_r21, hybrid kvm_map_entry); its record may allow it to be empty. */
  constructor(
    private readonly inner: KvmSource,
    private readonly files: string[],
  ) {}

  get description(): string {
    return this.inner.description;
  }

  async index(): Promise<SourceIndex> {
    this.checks = [];
    for (const file of this.files) this.checks.push(await checkDumpAgainstRecord(file));
    const index = await this.inner.index();
    await this.unchanged();
    const main = this.checks[0]!;
    if (index.kvms.length === 0 && main.record?.allowEmpty !== true) {
      throw new InputError(`the dump ${main.file} holds no KVM: nothing to do, and an empty migration is not a success`, [
        'The dump may be of a misspelt organization, or cut by hand.',
        'If the organization really has no KVMs, make the dump with "amu kvms emigrate ... --allow-empty"; export and verify then accept it.',
      ]);
    }
    const warnings = this.checks.filter((c) => !c.record).map((c) => noRecordNote(c.file));
    return { ...index, warnings: [...(index.warnings ?? []), ...warnings] };
  }

  async *read(wanted: (d: KvmDescriptor) => boolean): AsyncIterable<SourceItem> {
    await this.unchanged();
    yield* this.inner.read(wanted);
    await this.unchanged();
  }

  readRendered(wanted: readonly KvmRef[], render: RenderKind, threads?: number): AsyncIterable<RenderedItem[]> | undefined {
    return this.guarded(this.inner.readRendered?.(wanted, render, threads));
  }

  readDigested(wanted: readonly KvmRef[], digestKey: Buffer, threads?: number): AsyncIterable<DigestedItem[]> | undefined {
    return this.guarded(this.inner.readDigested?.(wanted, digestKey, threads));
  }

  /** `inner`, with the dumps checked unchanged before and after it is read. */
  private guarded<T>(inner: AsyncIterable<T> | undefined): AsyncIterable<T> | undefined {
    if (inner === undefined) return undefined;
    const unchanged = () => this.unchanged();
    return (async function* checked() {
      await unchanged();
      yield* inner;
      await unchanged();
    })();
  }

  private async unchanged(): Promise<void> {
    for (const check of this.checks) await checkUnchanged(check);
  }
}
