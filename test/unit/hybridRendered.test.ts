// HybridKvmSource.readRendered and readDigested (export's and verify's fast paths) against read(): same KVMs, order, texts, digests and failures.

import { createCipheriv } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HybridKvmSource, type HybridKeys, type HybridSourceOptions } from '../../src/export/hybridSource.js';
import { descriptorKey, type KvmDescriptor } from '../../src/export/source.js';
import { cqlHybridReaders, cqlshEntryReaders, type HybridDumpReaders } from '../../src/dumps/openDump.js';
import { CqlDumpWriter } from '../../src/dumps/cqlDumpFormat.js';
import { apigeecliFileText } from '../../src/export/targets/apigeecli.js';
import { mavenKvmText } from '../../src/export/targets/maven.js';
import type { RenderKind } from '../../src/export/parallel/protocol.js';
import type { Kvm, KvmEntry } from '../../src/kvm/model.js';
import { formatCqlshTable } from '../support/cqlshTableFormat.js';
import { seededRandom } from '../support/random.js';
import { ContentDigester } from '../../src/verify/digest.js';

const ENTRY_COLUMNS = ['tid', 'a_scp', 'map', 'ver', 'key', 'c_at', 'c_by', 'u_at', 'u_by', 'val'];
const DESCRIPTOR_COLUMNS = ['tid', 'a_scp', 'map', 'attr', 'c_at', 'c_by', 'u_at', 'u_by', 'ver'];
const AT = '2021-06-16 10:11:12.345000+0000';
const AT_DATE = new Date('2021-06-16T10:11:12.345Z');
const TID = 'myorg';
const ORG_KEY = Buffer.from('0123456789abcdef');
const PROD_KEY = Buffer.from('prod-key-prod-key-prod-key-32byt');
const TEST_KEY = Buffer.from('test-key-16bytes');
const WRONG_KEY = Buffer.from('not-the-right-k!');
const KEYS: HybridKeys = { org: ORG_KEY, envs: { prod: PROD_KEY, test: TEST_KEY } };
const SCOPES: [string, Buffer][] = [
  ['', ORG_KEY],
  ['environments###prod', PROD_KEY],
  ['environments###test', TEST_KEY],
];

function encryptBytes(key: Buffer, plain: Buffer): string {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

type Row = { aScp: string; map: string; ver: string; key: string; val: string | null };

const NAMES = ['a', 'b', 'B', 'key-1', 'key-10', 'key-2', 'k"q', 'k\\b', 'tab\tkey', 'é', 'z😀', 'z\uE000', 'long-'.repeat(30), 'nul\0l', 'ctl\x01'];
const ASCII_NAMES = NAMES.filter((n) => /^[\x20-\x7e]*$/.test(n));
const VALUES = ['', 'v', 'plain value', '"quoted"', 'back\\slash', 'line\nbreak', '\x00\x1f\x7f', 'é漢😀', '\uFEFFbom', 'x'.repeat(100), '\u2028\u2029'];

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

/**
 * Random maps: most plain, some with a damaged, null, undecryptable or duplicate entry, stale versions, empty maps.
 * With `ascii`, names are ASCII (the dump's blocks then take the scans' fast cuts).
 */
function randomDump(rnd: () => number, ascii = false): { entries: Row[]; descriptors: { aScp: string; map: string; ver: string }[] } {
  const entries: Row[] = [];
  const descriptors: { aScp: string; map: string; ver: string }[] = [];
  const maps = 1 + Math.floor(rnd() * 25);
  for (let m = 0; m < maps; m++) {
    const [aScp, key] = pick(rnd, SCOPES);
    const map = !ascii && rnd() < 0.1 ? `map-é${m}` : `map-${m}`;
    const ver = rnd() < 0.2 ? '2' : '1';
    if (rnd() < 0.85) descriptors.push({ aScp, map, ver });
    const names = new Set<string>();
    const count = Math.floor(rnd() * 8);
    for (let e = 0; e < count; e++) names.add(rnd() < 0.5 ? `key-${Math.floor(rnd() * 1000)}` : pick(rnd, ascii ? ASCII_NAMES : NAMES));
    for (const name of names) {
      const anomaly = rnd();
      let val: string | null = encryptBytes(key, Buffer.from(pick(rnd, VALUES), 'utf8'));
      if (anomaly < 0.02) val = null;
      else if (anomaly < 0.04) val = 'not base64!';
      else if (anomaly < 0.06) val = Buffer.alloc(15).toString('base64');
      else if (anomaly < 0.08) val = encryptBytes(WRONG_KEY, Buffer.from('v'));
      else if (anomaly < 0.1) val = encryptBytes(key, Buffer.from([0xff, 0xfe]));
      entries.push({ aScp, map, ver, key: name, val });
      if (rnd() < 0.02) entries.push({ aScp, map, ver, key: name, val });
      if (rnd() < 0.05) entries.push({ aScp, map, ver: ver === '1' ? '0' : '1', key: name, val: encryptBytes(key, Buffer.from('old')) });
    }
  }
  // Token order: scattered.
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return { entries, descriptors };
}

let work: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'amu-hybrid-rendered-'));
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function cqlshDumps(dump: ReturnType<typeof randomDump>): Promise<HybridDumpReaders> {
  const entryPath = path.join(work, 'entries.out');
  const descriptorPath = path.join(work, 'descriptors.out');
  await writeFile(entryPath, formatCqlshTable(ENTRY_COLUMNS, dump.entries.map((r) => [TID, r.aScp, r.map, r.ver, r.key, AT, null, AT, null, r.val]), { pagingOff: true }));
  await writeFile(descriptorPath, formatCqlshTable(DESCRIPTOR_COLUMNS, dump.descriptors.map((d) => [TID, d.aScp, d.map, '{}', AT, null, AT, null, d.ver]), { pagingOff: true }));
  return cqlshEntryReaders(entryPath, descriptorPath);
}

async function cqlDumps(dump: ReturnType<typeof randomDump>): Promise<HybridDumpReaders> {
  const text = (name: string) => ({ name, type: 'text' as const });
  const columns = [text('tid'), text('a_scp'), text('map'), { name: 'ver', type: 'int' as const }, text('key'), { name: 'c_at', type: 'timestamp' as const }, text('c_by'), { name: 'u_at', type: 'timestamp' as const }, text('u_by'), text('val')];
  const header = { source: 'hybrid' as const, keyspace: 'kvm_myorg_hybrid', query: 'SELECT ...', params: [TID], startedAt: AT_DATE.toISOString() };
  const entryPath = path.join(work, 'entries.cql');
  const entries = await CqlDumpWriter.create(entryPath, { ...header, table: 'kvm_map_entry', columns });
  await entries.writeRows(dump.entries.map((r) => [TID, r.aScp, r.map, Number(r.ver), r.key, AT_DATE, null, null, null, r.val]));
  await entries.finish();
  const descriptorColumns = [text('tid'), text('a_scp'), text('map'), text('attr'), { name: 'c_at', type: 'timestamp' as const }, text('c_by'), { name: 'u_at', type: 'timestamp' as const }, text('u_by'), { name: 'ver', type: 'int' as const }];
  const descriptorPath = path.join(work, 'descriptors.cql');
  const descriptors = await CqlDumpWriter.create(descriptorPath, { ...header, table: 'kvm_map_descriptor', columns: descriptorColumns });
  await descriptors.writeRows(dump.descriptors.map((d) => [TID, d.aScp, d.map, '{}', AT_DATE, null, null, null, Number(d.ver)]));
  await descriptors.finish();
  return cqlHybridReaders(entryPath, descriptorPath);
}

type SeenItem = { key: string; kind: string; entries?: number; text?: string; reason?: string };
type Seen = SeenItem[] | { error: string };

const DIGEST_KEY = Buffer.from('a digest key for the tests, 32 b');

/** What a source gives after its index pass, item by item, or the error it throws. */
async function seen(readers: HybridDumpReaders, options: HybridSourceOptions, keys: HybridKeys, each: (src: HybridKvmSource, wanted: KvmDescriptor[]) => AsyncIterable<SeenItem>): Promise<Seen> {
  const src = new HybridKvmSource('d', readers, keys, options);
  const out: SeenItem[] = [];
  try {
    const index = await src.index();
    for await (const item of each(src, index.kvms)) out.push(item);
  } catch (err) {
    return { error: String(err) };
  }
  return out;
}

/** What read() gives, each KVM as `made` makes it (its target text, or its digest). */
function viaReadAs(made: (entries: KvmEntry[], kvm: Kvm) => { entries: number; text: string }) {
  return (readers: HybridDumpReaders, options: HybridSourceOptions, keys = KEYS): Promise<Seen> =>
    seen(readers, options, keys, async function* (src) {
      for await (const item of src.read(() => true)) {
        const key = descriptorKey(item.descriptor);
        yield item.kind === 'failed' ? { key, kind: 'failed', reason: item.reason } : { key, kind: 'kvm', ...made(item.kvm.entries, item.kvm) };
      }
    });
}

/** What read() gives, each KVM in the target's text. */
function viaRead(readers: HybridDumpReaders, render: RenderKind, options: HybridSourceOptions, keys = KEYS): Promise<Seen> {
  const text = (entries: KvmEntry[], kvm: Kvm) => ({ entries: entries.length, text: render === 'apigeecli' ? apigeecliFileText(entries) : mavenKvmText(kvm) });
  return viaReadAs(text)(readers, options, keys);
}

/** What readRendered gives. */
function viaRendered(readers: HybridDumpReaders, render: RenderKind, options: HybridSourceOptions, keys = KEYS): Promise<Seen> {
  return seen(readers, options, keys, async function* (src, wanted) {
    for await (const batch of src.readRendered(wanted, render)) {
      for (const item of batch) {
        const key = descriptorKey(item.descriptor);
        yield item.kind === 'failed' ? { key, kind: 'failed', reason: item.reason } : { key, kind: 'kvm', entries: item.entries, text: Buffer.from(item.text).toString('utf8') };
      }
    }
  });
}

/** What read() gives, each KVM's count and digest by ContentDigester. */
const viaReadDigests = viaReadAs((entries) => {
  const { entries: count, digest } = new ContentDigester(DIGEST_KEY).digest(entries);
  return { entries: count, text: digest };
});

/** What readDigested gives. */
function viaDigested(readers: HybridDumpReaders, options: HybridSourceOptions, keys = KEYS): Promise<Seen> {
  return seen(readers, options, keys, async function* (src, wanted) {
    for await (const batch of src.readDigested(wanted, DIGEST_KEY)) {
      for (const item of batch) {
        const key = descriptorKey(item.descriptor);
        yield item.kind === 'failed' ? { key, kind: 'failed', reason: item.reason } : { key, kind: 'kvm', entries: item.entries, text: item.digest };
      }
    }
  });
}

describe('readDigested', () => {
  test.each([
    ['cqlsh', cqlshDumps],
    ['CQL', cqlDumps],
  ])('gives the counts and digests of read() and ContentDigester, %s dumps, random maps, one bucket or many', async (_format, write) => {
    const rnd = seededRandom(_format === 'cqlsh' ? 21 : 22);
    for (let round = 0; round < 25; round++) {
      const readers = await write(randomDump(rnd, round % 2 === 0));
      for (const bucketBytes of [64, 1 << 20]) {
        const options = { spillDir: work, bucketBytes };
        const expected = await viaReadDigests(readers, options);
        expect({ round, bucketBytes, seen: await viaDigested(readers, options) }).toEqual({ round, bucketBytes, seen: expected });
      }
    }
    expect((await readdir(work)).filter((f) => f.startsWith('amu-spill-'))).toEqual([]);
  });

  test('a wrong key fails as read() does; a large KVM (more than a batch of digests around it) digests whole', async () => {
    const readers = await cqlshDumps(randomDump(seededRandom(6)));
    const keys = { org: WRONG_KEY, envs: { prod: WRONG_KEY, test: WRONG_KEY } };
    const expected = await viaReadDigests(readers, { spillDir: work }, keys);
    expect(expected).toEqual({ error: expect.stringContaining('wrong key') });
    expect(await viaDigested(readers, { spillDir: work }, keys)).toEqual(expected);
    const entries: Row[] = [];
    for (let i = 0; i < 3000; i++) entries.push({ aScp: '', map: `m${i % 1500}`, ver: '1', key: `k${(i * 7919) % 3000}`, val: encryptBytes(ORG_KEY, Buffer.from(`v${i}`)) });
    const many = await cqlshDumps({ entries, descriptors: [] });
    expect(await viaDigested(many, { spillDir: work })).toEqual(await viaReadDigests(many, { spillDir: work }));
  });
});

describe('readRendered', () => {
  test.each([
    ['cqlsh', cqlshDumps],
    ['CQL', cqlDumps],
  ])('gives what read() and the targets give, %s dumps, random maps, one bucket or many', async (_format, write) => {
    const rnd = seededRandom(_format === 'cqlsh' ? 11 : 12);
    for (let round = 0; round < 25; round++) {
      const readers = await write(randomDump(rnd, round % 2 === 0));
      for (const render of ['apigeecli', 'maven'] as const) {
        for (const bucketBytes of [64, 1 << 20]) {
          const options = { spillDir: work, bucketBytes };
          const expected = await viaRead(readers, render, options);
          expect({ round, render, bucketBytes, seen: await viaRendered(readers, render, options) }).toEqual({ round, render, bucketBytes, seen: expected });
        }
      }
    }
    // Every spill folder was removed.
    expect((await readdir(work)).filter((f) => f.startsWith('amu-spill-'))).toEqual([]);
  });

  test('a key that decrypts none of its values fails the read as read() does', async () => {
    const rnd = seededRandom(5);
    const readers = await cqlshDumps(randomDump(rnd));
    const keys = { org: WRONG_KEY, envs: { prod: WRONG_KEY, test: WRONG_KEY } };
    const expected = await viaRead(readers, 'apigeecli', { spillDir: work }, keys);
    expect(expected).toEqual({ error: expect.stringContaining('wrong key') });
    expect(await viaRendered(readers, 'apigeecli', { spillDir: work }, keys)).toEqual(expected);
  });

  test('a large plain KVM (many batches of text) comes whole and sorted', async () => {
    const entries: Row[] = [];
    for (let i = 0; i < 3000; i++) entries.push({ aScp: '', map: 'big', ver: '1', key: `k${(i * 7919) % 3000}`, val: encryptBytes(ORG_KEY, Buffer.from('y'.repeat(400))) });
    const readers = await cqlshDumps({ entries, descriptors: [] });
    const expected = await viaRead(readers, 'maven', { spillDir: work });
    expect(await viaRendered(readers, 'maven', { spillDir: work })).toEqual(expected);
  });
});
