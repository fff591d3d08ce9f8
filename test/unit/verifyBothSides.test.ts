// verifyAgainst reads the dump and the tree at the same time: the first failure of either is thrown and the other side stopped.
import { setTimeout as sleep } from 'node:timers/promises';
import { verifyAgainst } from '../../src/verify/verifyExport.js';
import type { KvmSource, SourceItem } from '../../src/export/source.js';
import type { ExportTree } from '../../src/verify/readExportTree.js';
import { InputError } from '../../src/errors.js';
import { EventLoopTurns } from '../../src/eventLoopTurns.js';

const descriptors = Array.from({ length: 50 }, (_, i) => ({ scope: { kind: 'org' as const }, name: `k${i}`, encrypted: false, origin: `dump.out:${i + 1}` }));

/** A dump side that yields one KVM per 5 ms, recording how far it got and whether it was stopped. */
function slowSource(failAt?: number): KvmSource & { yielded: number; stopped: boolean } {
  const source = {
    description: 'dump.out',
    yielded: 0,
    stopped: false,
    index: async () => ({ kvms: descriptors, notes: [], rowsRead: descriptors.length }),
    async *read(): AsyncIterable<SourceItem> {
      try {
        for (const descriptor of descriptors) {
          await sleep(5);
          if (source.yielded === failAt) throw new InputError(`dump.out:${failAt + 1}: not a row`);
          source.yielded++;
          yield { kind: 'kvm', descriptor, kvm: { scope: descriptor.scope, name: descriptor.name, encrypted: false, entries: [] } };
        }
      } finally {
        source.stopped = true;
      }
    },
  };
  return source;
}

const options = (source: KvmSource) => ({ source, includeCustomReports: false, unrepresentable: () => undefined, where: 'tree', threads: 0 });
const emptyTree: ExportTree = { layout: 'test', kvms: [], warnings: [] };

test('a tree that fails stops the dump side and its error is the one thrown', async () => {
  const source = slowSource();
  const tree = async () => {
    await sleep(30);
    throw new InputError('tree/org__k1__kvmfile__0.json: not JSON');
  };
  await expect(verifyAgainst(options(source), tree)).rejects.toThrow('tree/org__k1__kvmfile__0.json: not JSON');
  expect(source.stopped).toBe(true);
  expect(source.yielded).toBeLessThan(descriptors.length);
});

test('a dump that fails is the error thrown once the tree side is done', async () => {
  const source = slowSource(3);
  let treeDone = false;
  const tree = async () => {
    await sleep(100);
    treeDone = true;
    return emptyTree;
  };
  await expect(verifyAgainst(options(source), tree)).rejects.toThrow('dump.out:4: not a row');
  expect(treeDone).toBe(true);
});

test('both sides run at once: the dump side is read while the tree side is still reading', async () => {
  const source = slowSource();
  let seenWhileTreeRead = 0;
  const tree = async () => {
    await sleep(60);
    seenWhileTreeRead = source.yielded;
    return emptyTree;
  };
  const result = await verifyAgainst(options(source), tree);
  expect(seenWhileTreeRead).toBeGreaterThan(0);
  expect(result.totals.missing).toBe(descriptors.length);
});

test('a long loop that takes its turns lets the event loop run meanwhile', async () => {
  const turns = new EventLoopTurns();
  let ran = false;
  setImmediate(() => (ran = true));
  const until = performance.now() + 40;
  let ranDuringLoop = false;
  while (performance.now() < until) {
    if (turns.due) await turns.take();
    if (ran) ranDuringLoop = true;
  }
  expect(ranDuringLoop).toBe(true);
});
