// HybridKvmSource: cqlsh dumps of kvm_map_entry/kvm_map_descriptor, per-scope keys, stale versions, spill buckets and their cleanup.

import { createCipheriv } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError, KeyError } from '../../src/errors.js';
import {
  compareVersions,
  HybridKvmSource,
  type HybridKeys,
  type HybridSourceOptions,
} from '../../src/export/hybridSource.js';
import { descriptorKey, type KvmDescriptor, type SourceItem } from '../../src/export/source.js';
import { cqlshEntryReaders, type HybridDumpReaders } from '../../src/dumps/openDump.js';
import { formatCqlshTable } from '../support/cqlshTableFormat.js';
import { seededRandom } from '../support/random.js';

const ENTRY_COLUMNS = ['tid', 'a_scp', 'map', 'ver', 'key', 'c_at', 'c_by', 'u_at', 'u_by', 'val'];
const DESCRIPTOR_COLUMNS = ['tid', 'a_scp', 'map', 'attr', 'c_at', 'c_by', 'u_at', 'u_by', 'ver'];
const AT = '2021-06-16 10:11:12.345000+0000';
const TID = 'myorg';

const ORG_KEY = Buffer.from('0123456789abcdef'); // 16 bytes: AES-128
const PROD_KEY = Buffer.from('prod-key-prod-key-prod-key-32byt'); // 32 bytes: AES-256
const TEST_KEY = Buffer.from('test-key-16bytes'); // 16 bytes
const WRONG_KEY = Buffer.from('not-the-right-k!');

function encrypt(key: Buffer, plain: string): string {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  return Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

const ORG = '';
const env = (name: string): string => `environments###${name}`;

function entryRow(aScp: string, map: string, ver: string, key: string, val: string | null): (string | null)[] {
  return [TID, aScp, map, ver, key, AT, null, AT, null, val];
}

function descriptorRow(aScp: string, map: string, ver: string): (string | null)[] {
  return [TID, aScp, map, `{'mapFullName': '${map}'}`, AT, null, AT, null, ver];
}

let work: string;
let spillDir: string;

beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'amu-hybrid-test-'));
  spillDir = path.join(work, 'spill');
  await mkdir(spillDir);
});

afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Writes the dumps as cqlsh prints them and returns cqlsh readers over them. */
async function dumps(entries: (string | null)[][], descriptors?: (string | null)[][]): Promise<HybridDumpReaders> {
  const entryPath = path.join(work, 'entries.out');
  await writeFile(entryPath, formatCqlshTable(ENTRY_COLUMNS, entries, { pagingOff: true }));
  if (descriptors === undefined) return cqlshEntryReaders(entryPath);
  const descriptorPath = path.join(work, 'descriptors.out');
  await writeFile(descriptorPath, formatCqlshTable(DESCRIPTOR_COLUMNS, descriptors, { pagingOff: true }));
  return cqlshEntryReaders(entryPath, descriptorPath);
}

function source(readers: HybridDumpReaders, keys: HybridKeys, options: HybridSourceOptions = {}): HybridKvmSource {
  return new HybridKvmSource('test dump', readers, keys, { spillDir, ...options });
}

async function readAll(src: HybridKvmSource, wanted: (d: KvmDescriptor) => boolean = () => true): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of src.read(wanted)) items.push(item);
  return items;
}

/** Items keyed by scope and name, as plain comparable values. */
function byKvm(items: SourceItem[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const key = descriptorKey(item.descriptor).replace(/\0/g, '/');
    if (key in out) throw new Error(`${key} yielded twice`);
    out[key] = item.kind === 'kvm' ? item.kvm.entries : { failed: item.reason };
  }
  return out;
}

async function spillContents(): Promise<string[]> {
  return readdir(spillDir);
}

describe('keys per scope', () => {
  test('distinct org and env keys (16 and 32 bytes) each decrypt their own scope; entries come sorted by name', async () => {
    const readers = await dumps(
      [
        entryRow(env('prod'), 'cfg', '1', 'zeta', encrypt(PROD_KEY, 'z-prod')),
        entryRow(ORG, 'orgmap', '1', 'b', encrypt(ORG_KEY, 'org b')),
        entryRow(env('test'), 'cfg', '1', 'alpha', encrypt(TEST_KEY, 'a-test')),
        entryRow(env('prod'), 'cfg', '1', 'alpha', encrypt(PROD_KEY, 'a-prod ünï 名前')),
        entryRow(ORG, 'orgmap', '1', 'a', encrypt(ORG_KEY, 'org a')),
      ],
      [descriptorRow(ORG, 'orgmap', '1'), descriptorRow(env('prod'), 'cfg', '1'), descriptorRow(env('test'), 'cfg', '1')],
    );
    const src = source(readers, { org: ORG_KEY, envs: { prod: PROD_KEY, test: TEST_KEY } });
    const index = await src.index();
    expect(index.rowsRead).toBe(8);
    expect(index.notes).toEqual([]);
    expect(index.kvms).toEqual([
      { scope: { kind: 'org' }, name: 'orgmap', encrypted: true, origin: `${path.join(work, 'descriptors.out')}:5` },
      { scope: { kind: 'env', env: 'prod' }, name: 'cfg', encrypted: true, origin: `${path.join(work, 'descriptors.out')}:6` },
      { scope: { kind: 'env', env: 'test' }, name: 'cfg', encrypted: true, origin: `${path.join(work, 'descriptors.out')}:7` },
    ]);
    expect(byKvm(await readAll(src))).toEqual({
      'org/orgmap': [{ name: 'a', value: 'org a' }, { name: 'b', value: 'org b' }],
      'env/prod/cfg': [{ name: 'alpha', value: 'a-prod ünï 名前' }, { name: 'zeta', value: 'z-prod' }],
      'env/test/cfg': [{ name: 'alpha', value: 'a-test' }],
    });
  });

  test('the `all` key decrypts every scope', async () => {
    const readers = await dumps([
      entryRow(ORG, 'o', '1', 'k', encrypt(PROD_KEY, 'v-org')),
      entryRow(env('qa'), 'e', '1', 'k', encrypt(PROD_KEY, 'v-qa')),
    ]);
    const items = await readAll(source(readers, { all: PROD_KEY, org: WRONG_KEY }));
    expect(byKvm(items)).toEqual({ 'org/o': [{ name: 'k', value: 'v-org' }], 'env/qa/e': [{ name: 'k', value: 'v-qa' }] });
  });

  test('a proxy kind named by the caller uses the org key', async () => {
    const readers = await dumps([entryRow('apis###p1', 'pm', '1', 'k', encrypt(ORG_KEY, 'v'))]);
    const items = await readAll(source(readers, { org: ORG_KEY, envs: { p1: WRONG_KEY } }, { scopeKinds: { apis: 'proxy' } }));
    expect(byKvm(items)).toEqual({ 'proxy/p1/pm': [{ name: 'k', value: 'v' }] });
  });

  test('a missing env key gives a failed item naming the environment; other KVMs are exported', async () => {
    const readers = await dumps([
      entryRow(env('prod'), 'e', '1', 'k', encrypt(PROD_KEY, 'v')),
      entryRow(ORG, 'o', '1', 'k', encrypt(ORG_KEY, 'org')),
    ]);
    const items = await readAll(source(readers, { org: ORG_KEY }));
    expect(byKvm(items)).toEqual({
      'org/o': [{ name: 'k', value: 'org' }],
      'env/prod/e': { failed: 'no key for environment prod: add it to the keys file' },
    });
  });

  test('a wrong org key yields failed items, then a KeyError naming the org key at the end', async () => {
    const readers = await dumps([
      entryRow(ORG, 'o1', '1', 'k', encrypt(ORG_KEY, 'v1')),
      entryRow(ORG, 'o2', '1', 'k', encrypt(ORG_KEY, 'v2')),
      entryRow(env('prod'), 'e', '1', 'k', encrypt(PROD_KEY, 'ok')),
    ]);
    const src = source(readers, { org: WRONG_KEY, envs: { prod: PROD_KEY } });
    const items: SourceItem[] = [];
    let error: unknown;
    try {
      for await (const item of src.read(() => true)) items.push(item);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(KeyError);
    expect((error as KeyError).message).toBe('wrong key: the org key (kvmEncryptionKey) decrypted none of the values it was tried on');
    expect(items).toHaveLength(3);
    const failed = items.filter((i) => i.kind === 'failed');
    expect(failed.map((i) => i.descriptor.name).sort()).toEqual(['o1', 'o2']);
    expect(failed[0]!.kind === 'failed' && failed[0]!.reason).toMatch(
      /^the value of entry "k" of org "o[12]" \(.*entries\.out:\d+\) does not decrypt with the org key \(kvmEncryptionKey\): wrong key\?$/,
    );
    expect(await spillContents()).toEqual([]);
  });

  test('a wrong env key is named as the env key of that environment', async () => {
    const readers = await dumps([entryRow(env('prod'), 'e', '1', 'k', encrypt(PROD_KEY, 'v'))]);
    await expect(readAll(source(readers, { envs: { prod: TEST_KEY } }))).rejects.toThrow(
      'wrong key: the env key of prod (envKvmEncryptionKey) decrypted none',
    );
  });

  test('a key of a length AES does not have is refused at once', () => {
    expect(() => new HybridKvmSource('d', { entries: async function* () {} }, { envs: { qa: Buffer.alloc(20) } })).toThrow(
      'the env key of qa (envKvmEncryptionKey) is 20 bytes long; AES keys are 16, 24 or 32 bytes',
    );
  });
});

describe('versions and descriptors', () => {
  test('rows of versions other than the descriptor\'s are not exported but counted; a map without descriptor row is exported and noted', async () => {
    const readers = await dumps(
      [
        entryRow(ORG, 'm', '1', 'old', encrypt(ORG_KEY, 'gone')),
        entryRow(ORG, 'm', '2', 'new', encrypt(ORG_KEY, 'kept')),
        entryRow(ORG, 'm', '1', 'old2', encrypt(ORG_KEY, 'gone')),
        entryRow(env('qa'), 'n', '5', 'x', encrypt(TEST_KEY, 'n-old')),
        entryRow(env('qa'), 'n', '7', 'x', encrypt(TEST_KEY, 'n-new')),
        entryRow(ORG, 'orphan', '3', 'k', encrypt(ORG_KEY, 'orphan value')),
      ],
      [descriptorRow(ORG, 'm', '2'), descriptorRow(env('qa'), 'n', '5')],
    );
    const src = source(readers, { org: ORG_KEY, envs: { qa: TEST_KEY } });
    const index = await src.index();
    expect(index.notes).toEqual([
      { reason: 'entry rows of old map versions', count: 3, detail: '2 maps' },
      {
        reason: 'maps with entry rows but no descriptor row (exported from their highest ver)',
        count: 1,
        detail: `1 entry rows exported: org "orphan" (${path.join(work, 'entries.out')}:10)`,
      },
    ]);
    expect(byKvm(await readAll(src))).toEqual({
      'org/m': [{ name: 'new', value: 'kept' }],
      'env/qa/n': [{ name: 'x', value: 'n-old' }],
      'org/orphan': [{ name: 'k', value: 'orphan value' }],
    });
  });

  test('without a descriptor dump the highest ver is taken (numerically) and the others are noted', async () => {
    const readers = await dumps([
      entryRow(ORG, 'm', '9', 'a', encrypt(ORG_KEY, 'nine')),
      entryRow(ORG, 'm', '10', 'a', encrypt(ORG_KEY, 'ten')),
      entryRow(ORG, 'm', '9', 'b', encrypt(ORG_KEY, 'nine b')),
      entryRow(ORG, 'single', '1', 'a', encrypt(ORG_KEY, 'one')),
    ]);
    const src = source(readers, { org: ORG_KEY });
    const index = await src.index();
    expect(index.notes).toEqual([
      { reason: 'entry rows of old map versions (no descriptor dump: highest ver taken)', count: 2, detail: '1 maps' },
    ]);
    expect(index.kvms.map((k) => k.origin)).toEqual([`${path.join(work, 'entries.out')}:5`, `${path.join(work, 'entries.out')}:8`]);
    expect(byKvm(await readAll(src))).toEqual({ 'org/m': [{ name: 'a', value: 'ten' }], 'org/single': [{ name: 'a', value: 'one' }] });
  });

  test('versions compare as integers, as version-1 UUIDs by time, else as text', () => {
    expect(compareVersions('10', '9')).toBe(1);
    expect(compareVersions('-1', '0')).toBe(-1);
    // time_low sorts the first UUID higher as text, but its time_hi makes it older.
    expect(compareVersions('ffffffff-0000-11eb-8000-000000000000', '00000000-0000-11ec-8000-000000000000')).toBe(-1);
    expect(compareVersions('b', 'a')).toBe(1);
    expect(compareVersions('7', '7')).toBe(0);
  });

  test('descriptor rows without entry rows of their version are empty KVMs; older rows are counted', async () => {
    const readers = await dumps(
      [entryRow(ORG, 'recreated', '1', 'k', encrypt(ORG_KEY, 'old')), entryRow(ORG, 'full', '1', 'k', encrypt(ORG_KEY, 'v'))],
      [descriptorRow(ORG, 'empty', '1'), descriptorRow(ORG, 'recreated', '2'), descriptorRow(ORG, 'full', '1')],
    );
    const src = source(readers, { org: ORG_KEY });
    const index = await src.index();
    expect(index.kvms.map((k) => k.name)).toEqual(['empty', 'recreated', 'full']);
    expect(index.notes).toEqual([{ reason: 'entry rows of old map versions', count: 1, detail: '1 maps' }]);
    const items = await readAll(src);
    expect(byKvm(items)).toEqual({ 'org/empty': [], 'org/recreated': [], 'org/full': [{ name: 'k', value: 'v' }] });
    expect(items.every((i) => i.kind === 'kvm' && i.kvm.encrypted)).toBe(true);
  });

  test('only wanted KVMs are read', async () => {
    const readers = await dumps([
      entryRow(ORG, 'a', '1', 'k', encrypt(ORG_KEY, 'va')),
      entryRow(ORG, 'b', '1', 'k', encrypt(ORG_KEY, 'vb')),
    ]);
    const items = await readAll(source(readers, { org: ORG_KEY }), (d) => d.name === 'b');
    expect(byKvm(items)).toEqual({ 'org/b': [{ name: 'k', value: 'vb' }] });
  });
});

describe('damaged and unexpected input', () => {
  test('unknown a_scp kinds are all listed in one InputError', async () => {
    const readers = await dumps([
      entryRow('apis###p1', 'm', '1', 'k', 'x'),
      entryRow(ORG, 'o', '1', 'k', encrypt(ORG_KEY, 'v')),
      entryRow('products###pr', 'm', '1', 'k', 'x'),
      entryRow('apis###p2', 'm', '1', 'k', 'x'),
    ]);
    const error = await source(readers, { org: ORG_KEY }).index().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe('unknown a_scp scope kind(s): apis, products');
    expect((error as InputError).details[0]).toMatch(/^"apis###…": 2 row\(s\), first at .*entries\.out:5$/);
  });

  test('a null val fails its KVM with the entry and line named', async () => {
    const readers = await dumps([
      entryRow(ORG, 'o', '1', 'good', encrypt(ORG_KEY, 'v')),
      entryRow(ORG, 'o', '1', 'bad', null),
      entryRow(ORG, 'p', '1', 'k', encrypt(ORG_KEY, 'fine')),
    ]);
    expect(byKvm(await readAll(source(readers, { org: ORG_KEY })))).toEqual({
      'org/o': { failed: `entry "bad" has no value (val is null at ${path.join(work, 'entries.out')}:6); the KVM is not exported without it` },
      'org/p': [{ name: 'k', value: 'fine' }],
    });
  });

  test('a value that is not ciphertext fails its KVM as damaged, without blaming the key', async () => {
    const readers = await dumps([entryRow(ORG, 'o', '1', 'k', 'not base64!'), entryRow(ORG, 'p', '1', 'k', encrypt(ORG_KEY, 'v'))]);
    const items = await readAll(source(readers, { org: ORG_KEY }));
    expect(byKvm(items)['org/o']).toEqual({ failed: expect.stringMatching(/is not base64 ciphertext \(a damaged value\)$/) });
  });

  test('a truncated entry dump (no "(N rows)") is an InputError', async () => {
    const entryPath = path.join(work, 'entries.out');
    const rows = [entryRow(ORG, 'o', '1', 'a', encrypt(ORG_KEY, 'v')), entryRow(ORG, 'o', '1', 'b', encrypt(ORG_KEY, 'w'))];
    await writeFile(entryPath, formatCqlshTable(ENTRY_COLUMNS, rows, { pagingOff: true, truncate: true }));
    const error = await source(cqlshEntryReaders(entryPath), { org: ORG_KEY }).index().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toContain('the dump is truncated');
  });

  test('rows of several tenants are an InputError naming them', async () => {
    const rows = [entryRow(ORG, 'o', '1', 'a', 'x'), ['other', ORG, 'o', '1', 'b', AT, null, AT, null, 'x']];
    await expect(source(await dumps(rows), { org: ORG_KEY }).index()).rejects.toThrow('test dump holds rows of several tenants (tid): "myorg", "other"');
  });
});


function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe('spill buckets', () => {
  /** 300 maps over three scopes, 0..6 entries each, stale rows mixed in, all rows shuffled. */
  function bigDump(): { entries: (string | null)[][]; descriptors: (string | null)[][]; expected: Record<string, unknown> } {
    const random = seededRandom(20240611);
    const scopes = [ORG, env('prod'), env('test')];
    const keyOf = (aScp: string): Buffer => (aScp === ORG ? ORG_KEY : aScp === env('prod') ? PROD_KEY : TEST_KEY);
    const entries: (string | null)[][] = [];
    const descriptors: (string | null)[][] = [];
    const expected: Record<string, unknown> = {};
    for (let i = 0; i < 300; i++) {
      const aScp = scopes[i % 3]!;
      const map = `map-${i}`;
      const ver = String(2 + Math.floor(random() * 3));
      descriptors.push(descriptorRow(aScp, map, ver));
      const names = new Set<string>();
      const count = Math.floor(random() * 7);
      while (names.size < count) names.add(`k${Math.floor(random() * 1000)}${random() < 0.2 ? ' é|x' : ''}`);
      const plain = [...names].map((name) => ({ name, value: `value ${i} ${name} ${'x'.repeat(Math.floor(random() * 40))}` }));
      for (const e of plain) entries.push(entryRow(aScp, map, ver, e.name, encrypt(keyOf(aScp), e.value)));
      if (random() < 0.3) entries.push(entryRow(aScp, map, '1', 'stale', encrypt(keyOf(aScp), 'stale')));
      const scopeKey = aScp === ORG ? 'org' : `env/${aScp.split('###')[1]}`;
      expected[`${scopeKey}/${map}`] = plain.sort((a, b) => (a.name < b.name ? -1 : 1));
    }
    return { entries: shuffle(entries, random), descriptors: shuffle(descriptors, random), expected };
  }

  const keys: HybridKeys = { org: ORG_KEY, envs: { prod: PROD_KEY, test: TEST_KEY } };

  test('many tiny buckets give exactly the KVMs of one bucket; spill files are private and hold ciphertext only', async () => {
    const { entries, descriptors, expected } = bigDump();
    const readers = await dumps(entries, descriptors);
    const one = byKvm(await readAll(source(readers, keys)));
    expect(one).toEqual(expected);

    let seen: { dirMode: number; files: string[]; fileModes: number[]; text: string } | null = null;
    const items: SourceItem[] = [];
    for await (const item of source(readers, keys, { bucketBytes: 200 }).read(() => true)) {
      items.push(item);
      if (seen === null && item.kind === 'kvm' && item.kvm.entries.length > 0) {
        const [folder] = await spillContents();
        const dir = path.join(spillDir, folder!);
        const files = await readdir(dir);
        const fileModes = await Promise.all(files.map(async (f) => (await stat(path.join(dir, f))).mode & 0o777));
        const text = (await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')))).join('');
        seen = { dirMode: (await stat(dir)).mode & 0o777, files, fileModes, text };
      }
    }
    expect(byKvm(items)).toEqual(one);
    expect(seen).not.toBeNull();
    expect(seen!.dirMode).toBe(0o700);
    expect(seen!.files.length).toBeGreaterThan(20);
    expect(new Set(seen!.fileModes)).toEqual(new Set([0o600]));
    expect(seen!.text).not.toContain('value ');
    expect(await spillContents()).toEqual([]);
  });

  test('the spill folder is removed when the consumer breaks out early', async () => {
    const { entries, descriptors } = bigDump();
    const src = source(await dumps(entries, descriptors), keys, { bucketBytes: 200 });
    let during: string[] = [];
    for await (const item of src.read(() => true)) {
      if (item.kind === 'kvm' && item.kvm.entries.length > 0) {
        during = await spillContents();
        break;
      }
    }
    expect(during).toHaveLength(1);
    expect(await spillContents()).toEqual([]);
  });

  test('the spill folder is removed when the consumer throws', async () => {
    const { entries, descriptors } = bigDump();
    const src = source(await dumps(entries, descriptors), keys, { bucketBytes: 200 });
    const consume = async (): Promise<void> => {
      for await (const item of src.read(() => true)) {
        if (item.kind === 'kvm' && item.kvm.entries.length > 0) throw new Error('consumer failed');
      }
    };
    await expect(consume()).rejects.toThrow('consumer failed');
    expect(await spillContents()).toEqual([]);
  });

  test('the spill folder is removed when the dump fails during the second pass', async () => {
    const rows = [
      { tid: TID, aScp: ORG, map: 'a', ver: '1', key: 'k', val: encrypt(ORG_KEY, 'v'), lineNo: 1 },
      { tid: TID, aScp: ORG, map: 'b', ver: '1', key: 'k', val: encrypt(ORG_KEY, 'w'), lineNo: 2 },
    ];
    let pass = 0;
    const readers: HybridDumpReaders = {
      async *entries() {
        pass += 1;
        yield [rows[0]!];
        if (pass === 2) throw new InputError('entries.out line 2: the dump changed');
        yield [rows[1]!];
      },
    };
    const src = source(readers, { org: ORG_KEY }, { bucketBytes: 1 });
    await src.index();
    await expect(readAll(src)).rejects.toThrow('the dump changed');
    expect(pass).toBe(2);
    expect(await spillContents()).toEqual([]);
  });
});
