// amu kvms export --src opdk on synthetic dumps: exact trees for apigeecli and maven, modes, report, skips and refusals.
import { mkdtemp, mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type EdgeKvmSpec } from '../support/edgeDump.js';
import type { Scope } from '../../src/kvm/model.js';

const kek = Buffer.from('00a1b2c3d4e5f60718293a4b5c6d7e8f', 'hex');
const org: Scope = { kind: 'org' };
const env = (e: string): Scope => ({ kind: 'env', env: e });
const proxy = (p: string): Scope => ({ kind: 'proxy', proxy: p });
const revision = (p: string, r: string): Scope => ({ kind: 'revision', proxy: p, revision: r });

const awkward = [
  { name: 'comma, space', value: 'a, b' },
  { name: 'paren)', value: ')' },
  { name: 'fake, value=x', value: 'y, value=z' },
  { name: 'ts), timestamp=12', value: 'v), timestamp=99, ttl=3)' },
  { name: 'quotes "double" \'single\'', value: '"{\\"json\\": true}"' },
  { name: 'back\\slash', value: 'C:\\path\\to\\file\\' },
  { name: 'new\nline', value: 'first\nsecond\r\nthird\ttab' },
  { name: 'ünïcödé 東京 🚀', value: 'Zürich € 東京 🚀' },
  { name: '', value: '' },
  { name: 'big', value: 'x'.repeat(100 * 1024) },
];

const kvms: EdgeKvmSpec[] = [
  { scope: org, name: 'Awkward', encrypted: true, entries: awkward },
  { scope: org, name: 'PlainAwkward', encrypted: false, entries: awkward },
  { scope: org, name: 'empty', encrypted: true, entries: [] },
  { scope: env('prod'), name: 'shared', encrypted: true, entries: [{ name: 'k', value: 'prod' }] },
  { scope: env('test'), name: 'shared', encrypted: true, entries: [{ name: 'k', value: 'test' }] },
  { scope: proxy('p1'), name: 'shared', encrypted: true, entries: [{ name: 'k', value: 'proxy' }] },
  { scope: revision('p1', '3'), name: 'shared', encrypted: true, entries: [{ name: 'k', value: 'rev3' }] },
  { scope: revision('p2', '2'), name: 'shared', encrypted: true, entries: [{ name: 'k', value: 'p2rev2' }] },
  { scope: revision('p2', '10'), name: 'shared', encrypted: true, entries: [{ name: 'k', value: 'p2rev10' }] },
];

async function writeDump(dir: string, specs: EdgeKvmSpec[], mutate?: (text: string) => string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const text = formatCliDump('acme', buildEdgeColumns(kek, specs, seededRandomBytes('export-edge')));
  await writeFile(path.join(dir, 'acme-kvms.out'), mutate ? mutate(text) : text);
}

const read = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

describe('amu kvms export --src opdk on synthetic dumps', () => {
  let work: string;
  let emigrateDir: string;
  const base = () => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: emigrateDir });

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-export-'));
    emigrateDir = path.join(work, 'emigrate');
    await writeDump(emigrateDir, kvms);
  });

  test('awkward names and values, empty KVMs, 100 KB values, one name in several scopes: exact for apigeecli', async () => {
    const out = path.join(work, 'cli');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], base());
    expect(r.code).toBe(0);
    expect((await read(path.join(out, 'org__Awkward__kvmfile__0.json'))).keyValueEntries).toEqual(awkward);
    expect((await read(path.join(out, 'org__PlainAwkward__kvmfile__0.json'))).keyValueEntries).toEqual(awkward);
    expect((await read(path.join(out, 'org__empty__kvmfile__0.json'))).keyValueEntries).toEqual([]);
    expect((await read(path.join(out, 'env__prod__shared__kvmfile__0.json'))).keyValueEntries).toEqual([{ name: 'k', value: 'prod' }]);
    expect((await read(path.join(out, 'env__test__shared__kvmfile__0.json'))).keyValueEntries).toEqual([{ name: 'k', value: 'test' }]);
    // The proxy-scoped KVM wins over revision 3; revision 10 wins over revision 2.
    expect((await read(path.join(out, 'proxy__p1__shared__kvmfile__0.json'))).keyValueEntries).toEqual([{ name: 'k', value: 'proxy' }]);
    expect((await read(path.join(out, 'proxy__p2__shared__kvmfile__0.json'))).keyValueEntries).toEqual([{ name: 'k', value: 'p2rev10' }]);
    expect(r.stdout).toMatch(/Warning: KVM "shared" exists in 2 environments \(prod, test\).*import-kvms\.sh/);
    expect(r.stdout).toMatch(/Warning: KVM "shared" exists in 2 proxies \(p1, p2\)/);
    expect(r.stdout).toMatch(/\[superseded-revision\] proxy p1 revision 3 \/ shared/);
    expect(r.stdout).toMatch(/\[superseded-revision\] proxy p2 revision 2 \/ shared/);
  });

  test('maven project: pom.xml with a profile per environment and the resources/edge tree', async () => {
    const out = path.join(work, 'maven');
    const r = await runAmu(['kvms', 'export', '--tgt', 'maven', '--maven-project', '--export-dir', out], base());
    expect(r.code).toBe(0);
    const pom = await readFile(path.join(out, 'pom.xml'), 'utf8');
    expect(pom).toContain('<id>prod</id>');
    expect(pom).toContain('<id>test</id>');
    const orgKvms = await read(path.join(out, 'resources/edge/org/kvms.json'));
    expect(orgKvms.find((k: { name: string }) => k.name === 'Awkward').entry).toEqual(awkward);
    expect(await read(path.join(out, 'resources/edge/api/p2/kvms.json'))).toEqual([{ name: 'shared', entry: [{ name: 'k', value: 'p2rev10' }] }]);
  });

  test('files are 0600 and folders 0700, and a report lies beside the tree', async () => {
    const out = path.join(work, 'modes');
    expect((await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', out], base())).code).toBe(0);
    expect((await stat(out)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(out, 'env'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(out, 'env/prod/kvms.json'))).mode & 0o777).toBe(0o600);
    const report = await read(path.join(out, 'amu-export-report.json'));
    expect(report.complete).toBe(true);
    expect(report.byScope.revision.kvms).toBe(3);
  });

  test('a non-empty export folder is refused before any work; --overwrite replaces an earlier export whole', async () => {
    const out = path.join(work, 'existing');
    await mkdir(out);
    await writeFile(path.join(out, 'stale.json'), '{}');
    const refused = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], base());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not empty/);
    const earlier = path.join(work, 'earlier');
    expect((await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', earlier], base())).code).toBe(0);
    const replaced = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', earlier, '--overwrite'], base());
    expect(replaced.code).toBe(0);
    expect(await readdir(earlier)).toContain('org__Awkward__kvmfile__0.json');
    expect(await readdir(earlier)).not.toContain('org');
    expect((await readdir(work)).filter((f) => f.includes('.amu-'))).toEqual([]);
  });

  test('names apigeecli cannot hold are listed, the rest is exported, and the exit code says not all was', async () => {
    const dir = path.join(work, 'bad-names');
    await writeDump(dir, [
      { scope: org, name: 'double__underscore', encrypted: false, entries: [] },
      { scope: org, name: 'with space', encrypted: true, entries: [{ name: 'a', value: 'b' }] },
      { scope: env('prod'), name: 'a/b', encrypted: false, entries: [] },
      { scope: env('prod'), name: '..', encrypted: false, entries: [] },
      { scope: env('prod'), name: 'fine', encrypted: true, entries: [{ name: 'a', value: 'b' }] },
    ]);
    const out = path.join(work, 'bad-names-out');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], { ...base(), EMIGRATE_DIR: dir });
    expect(r.code).toBe(6);
    expect(r.stdout).toMatch(/\[unrepresentable-name\] org \/ double__underscore/);
    expect(r.stdout).toMatch(/\[unrepresentable-name\] org \/ with space/);
    expect(r.stdout).toMatch(/\[unrepresentable-name\] env prod \/ a\/b/);
    expect(r.stdout).toMatch(/\[unrepresentable-name\] env prod \/ \.\./);
    expect(r.stderr).toMatch(/4 KVM\(s\) could not be exported/);
    const files = await readdir(out);
    expect(files.sort()).toEqual(['amu-export-report.json', 'env__prod__fine__kvmfile__0.json', 'import-kvms.sh']);
    expect((await readdir(path.dirname(out))).filter((f) => f.startsWith('a') || f === '..')).toEqual([]);
  });

  test('a value that does not decrypt names the KVM and scope, and writes no garbage', async () => {
    const dir = path.join(work, 'corrupt');
    await writeDump(dir, [
      { scope: env('prod'), name: 'broken', encrypted: true, entries: [{ name: 'a', value: 'secret' }] },
      { scope: env('prod'), name: 'intact', encrypted: true, entries: [{ name: 'a', value: 'fine' }] },
    ], (text) => text.replace(/("broken":"\[\{\\"name\\":\\"a\\",\\"value\\":\\")([A-Za-z0-9+/]{4})/, (_m, head: string) => `${head}AAAA`));
    const out = path.join(work, 'corrupt-out');
    const r = await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', out], { ...base(), EMIGRATE_DIR: dir });
    expect(r.code).toBe(6);
    expect(r.stdout).toMatch(/\[decrypt-failed\] env prod \/ broken: .*entry "a".*wrong KEK/);
    expect(await read(path.join(out, 'env/prod/kvms.json'))).toEqual([{ name: 'intact', entry: [{ name: 'a', value: 'fine' }] }]);
  });

  test("the report's `written` list is exactly the tree amu wrote, for every target, with a KVM that failed to decrypt", async () => {
    const dir = path.join(work, 'written-list');
    await writeDump(dir, [...kvms, { scope: env('prod'), name: 'broken', encrypted: true, entries: [{ name: 'a', value: 'secret' }] }], (text) =>
      text.replace(/("broken":"\[\{\\"name\\":\\"a\\",\\"value\\":\\")([A-Za-z0-9+/]{4})/, (_m, head: string) => `${head}AAAA`),
    );
    const variants = [['--tgt', 'apigeecli'], ['--tgt', 'apigeecli', '--apigeecli-naming', 'legacy'], ['--tgt', 'maven'], ['--tgt', 'maven', '--maven-project']];
    for (const [i, args] of variants.entries()) {
      const out = path.join(work, `written-list-${i}`);
      const r = await runAmu(['kvms', 'export', ...args, '--export-dir', out], { ...base(), EMIGRATE_DIR: dir });
      expect(r.stdout).toMatch(/\[decrypt-failed\] env prod \/ broken/);
      expect(r.code).toBe(6);
      const report = await read(path.join(out, 'amu-export-report.json'));
      expect(report.written).toEqual((await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(out, path.join(e.parentPath, e.name))).sort());
      expect(report.written).toEqual(expect.arrayContaining(report.files));
    }
  });

  test('a truncated dump is an input error (exit 3) naming the file, and nothing is written', async () => {
    const dir = path.join(work, 'truncated');
    await writeDump(dir, kvms, (text) => text.slice(0, text.lastIndexOf('Returned')));
    const out = path.join(work, 'truncated-out');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], { ...base(), EMIGRATE_DIR: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/acme-kvms\.out/);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  test('a missing dump names the command that makes it', async () => {
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', path.join(work, 'x')], { ...base(), EMIGRATE_DIR: path.join(work, 'nothing') });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no dump at .*acme-kvms\.out/);
    expect(r.stderr).toMatch(/amu kvms emigrate --src opdk --org acme/);
  });

  test('a KEK that is not hex is a usage error that does not echo it', async () => {
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', path.join(work, 'y')], { ...base(), KEK: 'not-a-key-zzzzzzzzzzzzzzzzzzzzzzzz' });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('not-a-key');
  });

  test('flags and env variables are equivalent, and flags win', async () => {
    const viaEnv = path.join(work, 'via-env');
    const viaFlags = path.join(work, 'via-flags');
    const a = await runAmu(['kvms', 'export'], { ...base(), TGT: 'maven', EXPORT_DIR: viaEnv });
    const b = await runAmu(['kvms', 'export', '--src', 'opdk', '--org', 'acme', '--kek', kek.toString('hex'), '--emigrate-dir', emigrateDir, '--tgt', 'maven', '--export-dir', viaFlags], { TGT: 'apigeecli', EXPORT_DIR: '/should/not/be/used' });
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(await readFile(path.join(viaEnv, 'org/kvms.json'), 'utf8')).toBe(await readFile(path.join(viaFlags, 'org/kvms.json'), 'utf8'));
  });

  test('legacy apigeecli naming writes single-underscore names', async () => {
    const dir = path.join(work, 'legacy');
    await writeDump(dir, [{ scope: env('prod'), name: 'plain', encrypted: false, entries: [] }]);
    const out = path.join(work, 'legacy-out');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--apigeecli-naming', 'legacy', '--export-dir', out], { ...base(), EMIGRATE_DIR: dir });
    expect(r.code).toBe(0);
    expect(await readdir(out)).toContain('env_prod_plain_kvmfile_0.json');
  });
});

describe('interrupting an export', () => {
  test('an abort (Ctrl-C) mid-export exits 130 and leaves neither export folder nor staging folder', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'amu-abort-'));
    const dir = path.join(work, 'emigrate');
    const many: EdgeKvmSpec[] = Array.from({ length: 400 }, (_, i) => ({ scope: env('prod'), name: `kvm${i}`, encrypted: true, entries: [{ name: 'k', value: `v${i}` }] }));
    await writeDump(dir, many);
    const controller = new AbortController();
    const out = path.join(work, 'out');
    const run = runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', out], { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dir }, process.cwd(), controller.signal);
    controller.abort();
    const r = await run;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted/);
    expect((await readdir(work)).sort()).toEqual(['emigrate']);
  });
});
