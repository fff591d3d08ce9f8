// Verify's byte readers of amu's own tree files: the same digests as JSON.parse, across read windows, and a fallback for anything else.
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { KvmEntry, Scope } from '../../src/kvm/model.js';
import { apigeecliFileText } from '../../src/export/targets/apigeecli.js';
import { MavenConfigWriter } from '../../src/export/targets/maven.js';
import { ContentDigester } from '../../src/verify/digest.js';
import { EntryLines } from '../../src/verify/entryLines.js';
import { readApigeecliLayout, readMavenLayout } from '../../src/verify/layoutReader.js';
import { readExportTree, readTreeKvmEntries, type TreeKvm } from '../../src/verify/readExportTree.js';

const key = Buffer.alloc(32, 9);
const digester = new ContentDigester(key);
const org: Scope = { kind: 'org' };

/** Strings whose order or escapes a byte reader could get wrong. */
const awkward: KvmEntry[] = [
  { name: 'ab', value: 'x' },
  { name: 'ab!', value: 'x' },
  { name: 'a b', value: 'quote " backslash \\ slash /' },
  { name: 'ctl', value: '\u0000\u0001\b\t\n\f\r\u001f\u007f' },
  { name: 'dup', value: 'second' },
  { name: 'dup', value: 'first' },
  { name: 'ünï 東京', value: 'Zürich € 東京' },
  { name: '\ue000 private use', value: 'sorts after the emoji in bytes, before it in UTF-16' },
  { name: '🚀 astral', value: '🚀' },
  { name: 'lone \ud800 surrogate', value: 'lone \udfff' },
  { name: 'line sep \u2028\u2029', value: '' },
  { name: '', value: '' },
];

/** Many entries with escapes and multi-byte characters, so that read windows cut them everywhere. */
function many(count: number, prefix: string): KvmEntry[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${prefix}-${(count - i) % 997}-${i}`, value: `${'é"\\'.repeat(i % 7)}v${i}🚀${'x'.repeat(i % 50)}` }));
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'amu-layout-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeMaven(kvms: { scope: Scope; name: string; entries: KvmEntry[] }[]): Promise<void> {
  const writer = new MavenConfigWriter(dir);
  await writer.begin(kvms);
  for (const k of kvms) await writer.write({ ...k, encrypted: true });
  await writer.finish();
}

async function tree(target: 'apigeecli' | 'maven'): Promise<TreeKvm[]> {
  return (await readExportTree({ target, exportDir: dir, apigeecliNaming: 'current', digester })).kvms;
}

describe('apigeecli files as amu writes them', () => {
  test.each([
    ['awkward strings', awkward],
    ['no entries', []],
    ['many entries', many(3000, 'k')],
    ['entries already in digest order', [...many(500, 's')].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))],
  ])('read from bytes with the digest of the entries: %s', async (_what, entries) => {
    const file = path.join(dir, 'org__kvm__kvmfile__0.json');
    await writeFile(file, apigeecliFileText(entries));
    const lines = readApigeecliLayout(file, new EntryLines());
    expect(lines).toBeDefined();
    expect(digester.digestLines(lines!)).toEqual(digester.digest(entries));
    expect(await tree('apigeecli')).toEqual([{ scope: org, name: 'kvm', file: 'org__kvm__kvmfile__0.json', ...digester.digest(entries) }]);
  });
});

describe('a tree of many apigeecli files, read by the reader thread', () => {
  const names = Array.from({ length: 260 }, (_, i) => `kvm-${String(i).padStart(3, '0')}`);
  const contents = (i: number): KvmEntry[] => (i === 7 ? [{ name: 'big', value: 'ü"'.repeat(700_000) }] : i % 3 === 0 ? awkward : many(i, `e${i}`));

  async function writeTree(): Promise<void> {
    for (const [i, name] of names.entries()) await writeFile(path.join(dir, `org__${name}__kvmfile__0.json`), apigeecliFileText(contents(i)));
  }

  test('every file digested in order, one larger than a batch included', async () => {
    await writeTree();
    expect(await tree('apigeecli')).toEqual(names.map((name, i) => ({ scope: org, name, file: `org__${name}__kvmfile__0.json`, ...digester.digest(contents(i)) })));
  });

  test('a file the thread cannot read is read again on the main thread, and its error names it', async () => {
    await writeTree();
    await symlink(path.join(dir, 'nowhere'), path.join(dir, 'org__dangling__kvmfile__0.json'));
    await expect(tree('apigeecli')).rejects.toThrow(`cannot read ${path.join(dir, 'org__dangling__kvmfile__0.json')}`);
  });

  test('an edited file among them falls back to JSON.parse', async () => {
    await writeTree();
    await writeFile(path.join(dir, `org__${names[5]}__kvmfile__0.json`), JSON.stringify({ keyValueEntries: contents(5) }));
    const kvms = await tree('apigeecli');
    expect(kvms[5]).toEqual({ scope: org, name: names[5], file: `org__${names[5]}__kvmfile__0.json`, ...digester.digest(contents(5)) });
  });
});

describe('maven kvms.json as amu writes it', () => {
  test('streamed KVM by KVM across read windows, a value longer than the window included', async () => {
    const kvms = [
      { scope: org, name: 'awkward "name" ü', entries: awkward },
      { scope: org, name: 'empty', entries: [] },
      { scope: org, name: 'big', entries: many(40_000, 'b') },
      { scope: org, name: 'huge value', entries: [{ name: 'v', value: `${'ü\\"'.repeat(500_000)}end` }] },
      { scope: org, name: 'last', entries: many(10, 'l') },
    ];
    await writeMaven(kvms);
    const seen: { name: string; digest: string; entries: number }[] = [];
    const ok = await readMavenLayout(path.join(dir, 'org', 'kvms.json'), new EntryLines(), (k) => seen.push({ name: k.name, ...digester.digestLines(k.lines) }));
    expect(ok).toBe(true);
    expect(seen).toEqual(kvms.map((k) => ({ name: k.name, ...digester.digest(k.entries) })));
    expect(await tree('maven')).toEqual(kvms.map((k) => ({ scope: org, name: k.name, file: 'org/kvms.json', ...digester.digest(k.entries) })));
  });

  test('a file with no KVM', async () => {
    await mkdir(path.join(dir, 'org'));
    await writeFile(path.join(dir, 'org', 'kvms.json'), '[\n]\n');
    expect(await readMavenLayout(path.join(dir, 'org', 'kvms.json'), new EntryLines(), () => undefined)).toBe(true);
    expect(await tree('maven')).toEqual([]);
  });

  test('a KVM listed twice is a conflict, as before', async () => {
    await mkdir(path.join(dir, 'org'));
    const kvm = (entries: KvmEntry[]) => ({ name: 'twice', entry: entries });
    await writeFile(path.join(dir, 'org', 'kvms.json'), `${JSON.stringify([kvm(awkward), kvm([])], null, 2)}\n`);
    const [only, ...rest] = await tree('maven');
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ name: 'twice', ...digester.digest(awkward) });
    expect(only!.conflict).toContain('listed 2 times');
  });
});

describe('files amu did not write that way: read with JSON.parse, same digests', () => {
  const entries = awkward;
  const body = { keyValueEntries: entries, nextPageToken: '' };
  /** Escapes JSON.stringify does not write: the byte reader decodes such a string and writes it as JSON.stringify does. */
  const reencoded = (text: string) => text.replace('"a b"', '"\\u0061 b"').replace('slash /', 'slash \\/').replace('\\u001f', '\\u001F');
  test.each([
    ['compact JSON', JSON.stringify(body)],
    ['Windows line ends', apigeecliFileText(entries).replace(/\n/g, '\r\n')],
    ['keys in another order', `${JSON.stringify({ nextPageToken: '', keyValueEntries: entries }, null, 2)}\n`],
    ['no final newline', apigeecliFileText(entries).trimEnd()],
  ])('%s', async (_what, text) => {
    const file = path.join(dir, 'org__kvm__kvmfile__0.json');
    await writeFile(file, text);
    expect(readApigeecliLayout(file, new EntryLines())).toBeUndefined();
    expect(await tree('apigeecli')).toEqual([{ scope: org, name: 'kvm', file: 'org__kvm__kvmfile__0.json', ...digester.digest(entries) }]);
  });

  test('escapes JSON.stringify does not write (\\u0061, \\/, upper-case hex) are decoded and digested as written by it', async () => {
    const file = path.join(dir, 'org__kvm__kvmfile__0.json');
    const text = reencoded(apigeecliFileText(entries));
    expect(text).toContain('\\u0061');
    expect(text).toContain('\\/');
    expect(text).toContain('\\u001F');
    await writeFile(file, text);
    expect(digester.digestLines(readApigeecliLayout(file, new EntryLines())!)).toEqual(digester.digest(entries));
    expect(await tree('apigeecli')).toEqual([{ scope: org, name: 'kvm', file: 'org__kvm__kvmfile__0.json', ...digester.digest(entries) }]);
  });

  test('an edited maven file (an extra key, other indentation) is read whole, with the same digests', async () => {
    await mkdir(path.join(dir, 'org'));
    const kvms = [{ name: 'a', encrypted: true, entry: awkward }, { name: 'b', entry: many(100, 'x') }];
    await writeFile(path.join(dir, 'org', 'kvms.json'), JSON.stringify(kvms, null, 4));
    expect(await readMavenLayout(path.join(dir, 'org', 'kvms.json'), new EntryLines(), () => undefined)).toBe(false);
    expect(await tree('maven')).toEqual(kvms.map((k) => ({ scope: org, name: k.name, file: 'org/kvms.json', ...digester.digest(k.entry) })));
  });

  test('bytes that are not UTF-8 read as JSON.parse of the decoded text reads them (U+FFFD)', async () => {
    const file = path.join(dir, 'org__kvm__kvmfile__0.json');
    const text = Buffer.from(apigeecliFileText([{ name: 'k', value: 'AB' }]));
    text[text.indexOf('AB')] = 0xff;
    await writeFile(file, text);
    expect(readApigeecliLayout(file, new EntryLines())).toBeUndefined();
    expect(await tree('apigeecli')).toEqual([{ scope: org, name: 'kvm', file: 'org__kvm__kvmfile__0.json', ...digester.digest([{ name: 'k', value: '\ufffdB' }]) }]);
  });
});

describe('malformed files: the errors of before', () => {
  test.each([
    ['cut short', (t: string) => t.slice(0, t.length - 40)],
    ['a raw control character', (t: string) => t.replace('"x"', '"\u0001"')],
    ['trailing text', (t: string) => `${t}x`],
    ['a bad escape', (t: string) => t.replace('"x"', '"\\q"')],
    ['a byte order mark (JSON.parse refuses it too)', (t: string) => `\ufeff${t}`],
  ])('apigeecli file %s', async (_what, edit) => {
    await writeFile(path.join(dir, 'org__kvm__kvmfile__0.json'), edit(apigeecliFileText(awkward)));
    await expect(tree('apigeecli')).rejects.toThrow(/org__kvm__kvmfile__0\.json is not valid JSON/);
  });

  test.each([
    ['cut short', (t: string) => t.slice(0, t.length - 20)],
    ['cut in the middle of an entry', (t: string) => t.slice(0, Math.floor(t.length / 2))],
    ['a raw control character', (t: string) => t.replace('"x"', '"\u0001"')],
    ['trailing text', (t: string) => `${t}]`],
  ])('maven file %s', async (_what, edit) => {
    await writeMaven([{ scope: org, name: 'k', entries: awkward }, { scope: org, name: 'm', entries: many(50_000, 'm') }]);
    const file = path.join(dir, 'org', 'kvms.json');
    await writeFile(file, edit(await readFile(file, 'utf8')));
    expect(await readMavenLayout(file, new EntryLines(), () => undefined)).toBe(false);
    await expect(tree('maven')).rejects.toThrow(/org\/kvms\.json is not valid JSON/);
  });

  test('a maven file that is valid JSON of the wrong shape', async () => {
    await mkdir(path.join(dir, 'org'));
    await writeFile(path.join(dir, 'org', 'kvms.json'), '[\n  {\n    "name": 7,\n    "entry": []\n  }\n]\n');
    await expect(tree('maven')).rejects.toThrow('org/kvms.json: KVM 1 has no string "name"');
  });
});

describe('entries of a tree KVM read again (kvms import --export-dir)', () => {
  test('every KVM of a maven file, the file parsed once while unchanged and again once changed', async () => {
    const kvms = [
      { scope: org, name: 'a', entries: awkward },
      { scope: org, name: 'b', entries: many(20, 'b') },
      { scope: org, name: 'c', entries: [] },
    ];
    await writeMaven(kvms);
    const read = await tree('maven');
    for (const [i, k] of read.entries()) expect(await readTreeKvmEntries(dir, k)).toEqual(kvms[i]!.entries);
    const file = path.join(dir, 'org', 'kvms.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"b-', '"B-'));
    expect((await readTreeKvmEntries(dir, read[1]!))[0]!.name).toMatch(/^B-/);
  });

  test('an apigeecli file', async () => {
    await writeFile(path.join(dir, 'org__kvm__kvmfile__0.json'), apigeecliFileText(awkward));
    const [k] = await tree('apigeecli');
    expect(await readTreeKvmEntries(dir, k!)).toEqual(awkward);
  });
});
