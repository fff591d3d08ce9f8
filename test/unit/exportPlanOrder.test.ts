// The export finds each KVM of the second pass by its plan whatever order the pass gives them in: files all written, a repeat ignored, a lost one an error.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { exportKvms } from '../../src/export/exportKvms.js';
import type { KvmDescriptor, KvmSource, SourceItem } from '../../src/export/source.js';
import type { Scope } from '../../src/kvm/model.js';

const prod: Scope = { kind: 'env', env: 'prod' };
const test_: Scope = { kind: 'env', env: 'test' };
const d = (scope: Scope, name: string, line: number): KvmDescriptor => ({ scope, name, encrypted: false, origin: `dump:${line}` });

/** A source whose second pass gives `order` (descriptors, copied: never the first pass's objects). */
function source(indexed: KvmDescriptor[], order: KvmDescriptor[]): KvmSource {
  return {
    description: 'fake dump',
    index: async () => ({ kvms: indexed, notes: [], rowsRead: indexed.length }),
    read: async function* (wanted): AsyncIterable<SourceItem> {
      for (const o of order) {
        const descriptor = { ...o, scope: { ...o.scope } };
        if (wanted(descriptor)) yield { kind: 'kvm', descriptor, kvm: { scope: descriptor.scope, name: o.name, encrypted: false, entries: [{ name: 'k', value: o.name }] } };
      }
    },
  };
}

async function run(indexed: KvmDescriptor[], order: KvmDescriptor[]) {
  const work = await mkdtemp(path.join(os.tmpdir(), 'amu-plan-order-'));
  const exportDir = path.join(work, 'out');
  try {
    const summary = await exportKvms({
      source: source(indexed, order),
      target: 'apigeecli',
      exportDir,
      overwrite: false,
      includeCustomReports: false,
      org: 'acme',
      apigeecliNaming: 'current',
      mavenProject: false,
      mavenPluginVersion: '2.5.0',
      cwd: work,
    });
    const files = (await readdir(exportDir)).filter((f) => f.endsWith('kvmfile__0.json')).sort();
    const values = await Promise.all(files.map(async (f) => JSON.parse(await readFile(path.join(exportDir, f), 'utf8')).keyValueEntries[0].value as string));
    return { summary, files, values };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

describe('second pass order', () => {
  const a = d(prod, 'a', 1);
  const b = d(prod, 'b', 2);
  const c = d(test_, 'a', 3);
  const e = d(test_, 'e', 4);

  test('in the first pass order or not, every KVM is written once with its own entries and counted', async () => {
    for (const order of [
      [a, b, c, e],
      [e, c, b, a],
      [b, a, e, c],
    ]) {
      const { summary, files, values } = await run([a, b, c, e], order);
      expect(files).toEqual(['env__prod__a__kvmfile__0.json', 'env__prod__b__kvmfile__0.json', 'env__test__a__kvmfile__0.json', 'env__test__e__kvmfile__0.json']);
      expect(values).toEqual(['a', 'b', 'a', 'e']);
      expect(summary.kvms.map((k) => [k.scope, k.name, k.entries])).toEqual([
        ['env prod', 'a', 1],
        ['env prod', 'b', 1],
        ['env test', 'a', 1],
        ['env test', 'e', 1],
      ]);
    }
  });

  test('a KVM read twice is written once; one the first pass did not find is passed over', async () => {
    const stray = d(prod, 'stray', 9);
    const { files, summary } = await run([a, b], [a, stray, a, b]);
    expect(files).toEqual(['env__prod__a__kvmfile__0.json', 'env__prod__b__kvmfile__0.json']);
    expect(summary.byScope.env.exportedKvms).toBe(2);
  });

  test('a KVM the second pass does not give again fails the export, naming it', async () => {
    await expect(run([a, b, c], [c, a])).rejects.toThrow(/changed between the two passes.*not found again: b \(dump:2\)/);
  });
});
