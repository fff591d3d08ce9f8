// amu kvms import against the fake Apigee API: full import, rerun no-op, dry run, updates, prune, missing scopes, awkward names.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { FakeApigeeApi } from '../support/fakeApigeeApi.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type EdgeKvmSpec } from '../support/edgeDump.js';
import type { Scope } from '../../src/kvm/model.js';
import type { ImportSummary } from '../../src/import/summary.js';

const kek = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');
const TOKEN = 'ya29.test-token-0123456789';
const SECRET = 'Sup3r-Secret-Value-9f8e7d';
const org: Scope = { kind: 'org' };
const env = (e: string): Scope => ({ kind: 'env', env: e });
const proxy = (p: string): Scope => ({ kind: 'proxy', proxy: p });
const revision = (p: string, r: string): Scope => ({ kind: 'revision', proxy: p, revision: r });

const JSON_VALUE = '{\n  "a": [1, 2.50, "x\\u00e9"],\t"b": null }  ';
const awkward = [
  { name: 'db-password', value: SECRET },
  { name: 'with space', value: 'a b' },
  { name: 'per%cent', value: '100%' },
  { name: 'ünïcödé 東京 🚀', value: 'Zürich € 東京 🚀' },
  { name: 'json', value: JSON_VALUE },
  { name: 'a/b', value: 'slash' },
  { name: 'q?x#y', value: 'query chars' },
];

const kvms: EdgeKvmSpec[] = [
  { scope: org, name: 'Awkward', encrypted: true, entries: awkward },
  { scope: org, name: 'plain', encrypted: false, entries: [{ name: 'k', value: 'v' }] },
  { scope: org, name: 'CustomReportsacme#28f97657-0a1a-4df2-a8f2-a4c6f9bddb6f', encrypted: false, entries: [{ name: 'r', value: '{}' }] },
  { scope: env('test'), name: 'testKvm', encrypted: true, entries: [{ name: 'k', value: 'test' }, { name: 'k2', value: 'test2' }] },
  { scope: env('prod'), name: 'many', encrypted: true, entries: Array.from({ length: 250 }, (_v, i) => ({ name: `e${i}`, value: `value-${i}` })) },
  { scope: proxy('p1'), name: 'p1kvm', encrypted: true, entries: [{ name: 'k', value: 'proxy' }] },
  { scope: revision('p2', '2'), name: 'p2kvm', encrypted: true, entries: [{ name: 'k', value: 'p2rev2' }] },
  { scope: revision('p2', '10'), name: 'p2kvm', encrypted: true, entries: [{ name: 'k', value: 'p2rev10' }] },
];
const TOTAL_ENTRIES = awkward.length + 1 + 2 + 250 + 1 + 1;

describe('amu kvms import', () => {
  let work: string;
  let dumpDir: string;
  let fake: FakeApigeeApi;
  let counter = 0;

  const base = () => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dumpDir, API_URL: fake.url, APIGEE_TOKEN: TOKEN });
  const importRun = (args: string[] = [], extra: Record<string, string> = {}) => runAmu(['kvms', 'import', ...args], { ...base(), ...extra });
  async function importJson(args: string[] = [], extra: Record<string, string> = {}) {
    const r = await importRun(['--json', ...args], extra);
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
    return { run: r, summary: (r.stdout ? JSON.parse(r.stdout) : undefined) as ImportSummary };
  }

  /** A fresh org in the fake (name per test) with environments test/prod and proxies p1/p2. */
  function freshOrg(envs = ['test', 'prod'], apis = ['p1', 'p2']): string {
    const name = `x-org-${++counter}`;
    fake.addOrg(name, envs, apis);
    return name;
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-import-'));
    dumpDir = path.join(work, 'emigrate');
    await mkdir(dumpDir);
    await writeFile(path.join(dumpDir, 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, kvms, seededRandomBytes('import'))));
    fake = new FakeApigeeApi({ tokens: [TOKEN] });
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('imports every KVM and entry byte for byte (names with /, %, spaces, unicode; JSON values); a rerun changes nothing', async () => {
    const tgt = freshOrg();
    const { run, summary } = await importJson(['--tgt-org', tgt]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(summary.entries).toEqual({ created: TOTAL_ENTRIES, updated: 0, unchanged: 0, pruned: 0, unaddressable: 0, failed: 0 });
    expect(summary.kvms).toMatchObject({ total: 6, created: 6, existing: 0, notImported: 2 });
    expect(summary.notImported.map((n) => n.reason).sort()).toEqual(['custom-report', 'superseded-revision']);
    expect(fake.entriesOf(tgt, 'org', 'Awkward')).toEqual(Object.fromEntries(awkward.map((e) => [e.name, e.value])));
    expect(fake.entriesOf(tgt, 'org', 'Awkward')!.json).toBe(JSON_VALUE);
    expect(fake.entriesOf(tgt, 'api:p2', 'p2kvm')).toEqual({ k: 'p2rev10' });
    expect(Object.keys(fake.entriesOf(tgt, 'env:prod', 'many')!)).toHaveLength(250);
    expect(summary.unaddressable).toEqual([expect.objectContaining({ kvm: 'Awkward', entry: 'a/b', kind: 'created-only' })]);

    const writes = fake.stats.writes;
    const again = await importJson(['--tgt-org', tgt]);
    expect(again.run.code).toBe(0);
    expect(again.summary.entries).toEqual({ created: 0, updated: 0, unchanged: TOTAL_ENTRIES, pruned: 0, unaddressable: 0, failed: 0 });
    expect(again.summary.kvms).toMatchObject({ created: 0, existing: 6 });
    expect(fake.stats.writes).toBe(writes);
  });

  test('the table names every KVM and the totals; custom reports and superseded revisions are listed as not imported', async () => {
    const tgt = freshOrg();
    const r = await importRun(['--tgt-org', tgt]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Import of .*acme-kvms\.out into organization x-org-\d+ at http:\/\/127\.0\.0\.1:\d+$/m);
    expect(r.stdout).toMatch(/^env prod\s+many\s+create\s+250\s+0\s+0\s+0\s+0\s+0$/m);
    expect(r.stdout).toMatch(/custom-report/);
    expect(r.stdout).toMatch(/^entries: create 262, update 0, unchanged 0, prune 0, unaddressable 0, failed 0$/m);
    expect(r.stdout).not.toContain(SECRET);
  });

  test('--dry-run prints the plan and changes nothing', async () => {
    const tgt = freshOrg();
    fake.scopeKvms(tgt, 'env:test').set('testKvm', { encrypted: true, entries: new Map([['k', 'old'], ['stale', 'x']]) });
    const writes = fake.stats.writes;
    const { run, summary } = await importJson(['--tgt-org', tgt, '--dry-run', '--prune']);
    expect(run.code).toBe(0);
    expect(summary.dryRun).toBe(true);
    expect(summary.entries).toMatchObject({ created: TOTAL_ENTRIES - 1, updated: 1, pruned: 1, unchanged: 0 });
    expect(summary.rows.find((r) => r.kvm === 'testKvm')).toMatchObject({ action: 'exists', created: 1, updated: 1, pruned: 1 });
    expect(fake.stats.writes).toBe(writes);
    const text = await importRun(['--tgt-org', tgt, '--dry-run']);
    expect(text.stdout).toMatch(/^Dry run \(nothing changed\): plan of /m);
    expect(text.stdout).toMatch(/^entries: to create 261, to update 1, unchanged 0, to prune 0/m);
  });

  test('changed values are updated (PUT); --prune deletes what the source lacks, never without it', async () => {
    const tgt = freshOrg();
    expect((await importRun(['--tgt-org', tgt])).code).toBe(0);
    const kvm = fake.scopeKvms(tgt, 'env:test').get('testKvm')!;
    kvm.entries.set('k', 'changed in the target');
    kvm.entries.set('extra', 'not in the source');
    kvm.entries.set('extra/slash', 'not in the source either');
    const noPrune = await importJson(['--tgt-org', tgt]);
    expect(noPrune.run.code).toBe(0);
    expect(noPrune.summary.entries).toMatchObject({ updated: 1, pruned: 0, unchanged: TOTAL_ENTRIES - 1 });
    expect(fake.entriesOf(tgt, 'env:test', 'testKvm')).toEqual({ k: 'test', k2: 'test2', extra: 'not in the source', 'extra/slash': 'not in the source either' });
    const pruned = await importJson(['--tgt-org', tgt, '--prune']);
    expect(pruned.summary.entries).toMatchObject({ pruned: 1, unaddressable: 1 });
    expect(pruned.summary.unaddressable).toEqual([expect.objectContaining({ entry: 'extra/slash', kind: 'not-applied' })]);
    expect(pruned.run.code).toBe(6);
    expect(fake.entriesOf(tgt, 'env:test', 'testKvm')).toEqual({ k: 'test', k2: 'test2', 'extra/slash': 'not in the source either' });
  });

  test('an entry with "/" that differs in the target cannot be updated: listed, exit 6', async () => {
    const tgt = freshOrg();
    expect((await importRun(['--tgt-org', tgt])).code).toBe(0);
    fake.scopeKvms(tgt, 'org').get('Awkward')!.entries.set('a/b', 'other');
    const r = await importRun(['--tgt-org', tgt]);
    expect(r.code).toBe(6);
    expect(r.stdout).toContain('"a/b": its value differs in the target, and a URL path cannot carry this name to update it');
    expect(r.stderr).toMatch(/error: the import is incomplete: 0 entr\(ies\) failed, 1 unaddressable/);
  });

  test('missing environments and proxies are reported up front in one message, exit 3, nothing written', async () => {
    const tgt = freshOrg(['test'], ['p1']);
    const writes = fake.stats.writes;
    const r = await importRun(['--tgt-org', tgt]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/the target organization x-org-\d+ lacks 1 environment\(s\) and 1 proxy that 2 KVM\(s\) of the source belong to/);
    expect(r.stderr).toContain('environments: prod (the target has: test)');
    expect(r.stderr).toContain('proxies: p2');
    expect(fake.stats.writes).toBe(writes);
  });

  test('--env-map puts an environment under another name', async () => {
    const tgt = freshOrg(['dev', 'prod'], ['p1', 'p2']);
    const r = await importRun(['--tgt-org', tgt, '--env-map', 'test=dev']);
    expect(r.code).toBe(0);
    expect(fake.entriesOf(tgt, 'env:dev', 'testKvm')).toEqual({ k: 'test', k2: 'test2' });
    const bad = await importRun(['--tgt-org', tgt, '--env-map', 'test=prod']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/(prod, test|test, prod) -> prod/);
  });

  test('an unknown organization, a refused token and missing options give clear errors', async () => {
    const unknown = await importRun(['--tgt-org', 'no-such-org']);
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(/the organization no-such-org is not found/);
    const refused = await importRun(['--tgt-org', freshOrg()], { APIGEE_TOKEN: 'ya29.wrong-token-abcdef' });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/the Apigee API refused the bearer token \(--token \/ APIGEE_TOKEN\): 401 UNAUTHENTICATED/);
    expect(refused.stderr).not.toContain('wrong-token');
    const badUrl = await importRun(['--tgt-org', 'x', '--api-url', 'ftp://nowhere']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toContain('--api-url (API_URL) must be an http(s) URL');
    const badConcurrency = await importRun(['--tgt-org', 'x', '--concurrency', '0']);
    expect(badConcurrency.code).toBe(2);
    expect(badConcurrency.stderr).toContain('--concurrency (CONCURRENCY) must be a whole number from 1 to 256');
    const emptyTree = await importRun(['--tgt-org', 'x', '--export-dir', work, '--tgt', 'maven']);
    expect(emptyTree.code).toBe(3);
    expect(emptyTree.stderr).toContain('holds no KVM files of an export tree for maven: nothing to import');
    const missing = await runAmu(['kvms', 'import'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--tgt-org  (or TGT_ORG)');
  });

  test.each([
    ['apigeecli', [] as string[]],
    ['maven', ['--maven-project']],
  ])('--export-dir: an amu export tree (%s) imports what the dump would, and verify --live says OK', async (tgtKind, exportArgs) => {
    const exportDir = path.join(work, `export-${tgtKind}`);
    const exported = await runAmu(['kvms', 'export', '--tgt', tgtKind, '--export-dir', exportDir, ...exportArgs], base());
    expect(exported.code).toBe(0);
    const tgt = freshOrg();
    const { run, summary } = await importJson(['--tgt-org', tgt, '--export-dir', exportDir, '--tgt', tgtKind], { KEK: '', SRC: '', EMIGRATE_DIR: '' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(summary.source).toContain(exportDir);
    expect(summary.entries.created).toBe(TOTAL_ENTRIES);
    expect(fake.entriesOf(tgt, 'org', 'Awkward')!.json).toBe(JSON_VALUE);
    const live = await runAmu(['kvms', 'verify', '--live', '--tgt-org', tgt], base());
    expect(live.stdout).toMatch(/: OK$/m);
    expect(live.code).toBe(0);
  });

  test("--export-dir without --tgt: the tree's kind and naming come from the export's report, and say so", async () => {
    const exportDir = path.join(work, 'export-legacy');
    expect((await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--apigeecli-naming', 'legacy', '--export-dir', exportDir], base())).code).toBe(0);
    const tgt = freshOrg();
    const { run, summary } = await importJson(['--tgt-org', tgt, '--export-dir', exportDir], { KEK: '', SRC: '', EMIGRATE_DIR: '' });
    expect(run.stderr).toContain(`From the export's report ${path.join(exportDir, 'amu-export-report.json')}`);
    expect(run.stderr).toContain('--tgt apigeecli --apigeecli-naming legacy');
    expect(run.code).toBe(0);
    expect(summary.entries.created).toBe(TOTAL_ENTRIES);
    // A kind given that differs from the report is used, with a warning (here: no maven files, nothing to import).
    const other = await importRun(['--tgt-org', freshOrg(), '--export-dir', exportDir, '--tgt', 'maven'], { KEK: '', SRC: '', EMIGRATE_DIR: '' });
    expect(other.stderr).toContain('warning: --tgt maven is not what the export recorded (apigeecli)');
    expect(other.code).toBe(3);
    // A report amu cannot read back is refused, naming it, unless both options are given (then it is not read).
    const report = path.join(exportDir, 'amu-export-report.json');
    await writeFile(report, '{"amuVersion": "0.0.1", "settings": {"src": "opdk"}}\n');
    const unreadable = await importRun(['--tgt-org', freshOrg(), '--export-dir', exportDir, '--dry-run'], { KEK: '', SRC: '', EMIGRATE_DIR: '' });
    expect(unreadable.stderr).toContain(`${report} is not a report amu can read back`);
    expect(unreadable.code).toBe(3);
    const given = await importRun(['--tgt-org', freshOrg(), '--export-dir', exportDir, '--tgt', 'apigeecli', '--apigeecli-naming', 'legacy', '--dry-run'], { KEK: '', SRC: '', EMIGRATE_DIR: '' });
    expect(given.code).toBe(0);
  });
});
