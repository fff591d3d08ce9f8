// amu kvms verify: export then verify, on synthetic dumps and the real capture, with tampered, missing, extra and mis-filed KVMs.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu, type AmuRun } from '../support/runAmu.js';
import { CAPTURE_KEK, CAPTURE_PATH, describeCapture } from '../support/capture.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type EdgeKvmSpec } from '../support/edgeDump.js';
import type { Scope } from '../../src/kvm/model.js';
import type { verifyJson as reportJson } from '../../src/verify/report.js';
import type { VerifyRow } from '../../src/verify/verifyExport.js';

const kek = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');
const org: Scope = { kind: 'org' };
const env = (e: string): Scope => ({ kind: 'env', env: e });
const proxy = (p: string): Scope => ({ kind: 'proxy', proxy: p });
const revision = (p: string, r: string): Scope => ({ kind: 'revision', proxy: p, revision: r });

/** A value and an entry name that must never appear in verify's output. */
const SECRET = 'Sup3r-Secret-Value-9f8e7d';
const SECRET_NAME = 'db-password-entry-name';

const awkward = [
  { name: SECRET_NAME, value: SECRET },
  { name: 'comma, space', value: 'a, b' },
  { name: 'new\nline', value: 'first\nsecond\r\nthird\ttab' },
  { name: 'ünïcödé 東京 🚀', value: 'Zürich € 東京 🚀' },
  { name: '', value: '' },
];

/** Every name is unique per apigeecli list (env, proxy, org), so apigeecli imports all of them. */
const kvms: EdgeKvmSpec[] = [
  { scope: org, name: 'Awkward', encrypted: true, entries: awkward },
  { scope: org, name: 'plain', encrypted: false, entries: [{ name: 'k', value: 'v' }] },
  { scope: org, name: 'empty', encrypted: true, entries: [] },
  { scope: org, name: 'CustomReportsacme#28f97657-0a1a-4df2-a8f2-a4c6f9bddb6f', encrypted: false, entries: [{ name: 'r', value: '{}' }] },
  { scope: env('prod'), name: 'prodOnly', encrypted: true, entries: [{ name: 'k', value: 'prod' }] },
  { scope: env('test'), name: 'testOnly', encrypted: true, entries: [{ name: 'k', value: 'test' }] },
  { scope: proxy('p1'), name: 'p1kvm', encrypted: true, entries: [{ name: 'k', value: 'proxy' }] },
  { scope: revision('p1', '3'), name: 'p1kvm', encrypted: true, entries: [{ name: 'k', value: 'rev3' }] },
  { scope: revision('p2', '2'), name: 'p2kvm', encrypted: true, entries: [{ name: 'k', value: 'p2rev2' }] },
  { scope: revision('p2', '10'), name: 'p2kvm', encrypted: true, entries: [{ name: 'k', value: 'p2rev10' }] },
];
/** Expected by default: all but the custom report and the two superseded revisions. */
const EXPECTED_KVMS = 7;

/** One KVM name in two environments and in two proxies: fine for maven, but apigeecli keys its file list by map name. */
const sameNames: EdgeKvmSpec[] = [
  ...kvms,
  { scope: env('prod'), name: 'shared', encrypted: true, entries: [{ name: 'k', value: 'prod' }] },
  { scope: env('test'), name: 'shared', encrypted: true, entries: [{ name: 'k', value: 'test' }] },
  { scope: proxy('p1'), name: 'shared', encrypted: true, entries: [{ name: 'k', value: 'p1' }] },
  { scope: proxy('p2'), name: 'shared', encrypted: true, entries: [{ name: 'k', value: 'p2' }] },
];

/** What `--json` prints, as the report module types it. */
type VerifyJson = ReturnType<typeof reportJson>;
type Row = VerifyRow;

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8'));
const writeJson = (file: string, body: unknown) => writeFile(file, JSON.stringify(body, null, 2));

function expectNoSecrets(r: AmuRun): void {
  for (const text of [r.stdout, r.stderr]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SECRET_NAME);
  }
}

function row(result: VerifyJson, scope: string, kvm: string): Row {
  const found = result.kvms.filter((r) => r.scope === scope && r.kvm === kvm);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe('amu kvms verify --src opdk', () => {
  let work: string;
  let dumpDir: string;
  let sameNamesDir: string;
  let counter = 0;
  const base = (emigrateDir = dumpDir) => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: emigrateDir });

  async function writeDump(dir: string, specs: EdgeKvmSpec[], mutate?: (text: string) => string): Promise<string> {
    await mkdir(dir, { recursive: true });
    const text = formatCliDump('acme', buildEdgeColumns(kek, specs, seededRandomBytes('verify')));
    await writeFile(path.join(dir, 'acme-kvms.out'), mutate ? mutate(text) : text);
    return dir;
  }

  /** Exports into a fresh folder and checks the exit code the export should have. */
  async function exportTree(tgt: string, args: string[] = [], emigrateDir = dumpDir, code = 0): Promise<string> {
    const out = path.join(work, `export-${++counter}`);
    const r = await runAmu(['kvms', 'export', '--tgt', tgt, '--export-dir', out, ...args], base(emigrateDir));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: code === 0 ? '' : expect.any(String) });
    return out;
  }

  const verify = (out: string, tgt: string, args: string[] = [], emigrateDir = dumpDir) =>
    runAmu(['kvms', 'verify', '--tgt', tgt, '--export-dir', out, ...args], base(emigrateDir));

  async function verifyJson(out: string, tgt: string, args: string[] = [], emigrateDir = dumpDir): Promise<{ run: AmuRun; result: VerifyJson }> {
    const run = await verify(out, tgt, ['--json', ...args], emigrateDir);
    expectNoSecrets(run);
    return { run, result: JSON.parse(run.stdout) as VerifyJson };
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-verify-'));
    dumpDir = await writeDump(path.join(work, 'emigrate'), kvms);
    sameNamesDir = await writeDump(path.join(work, 'same-names'), sameNames);
  });

  test('apigeecli: an export verifies all OK, exit 0, with a table and a totals line and no secret', async () => {
    const out = await exportTree('apigeecli');
    const r = await verify(out, 'apigeecli');
    expectNoSecrets(r);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Verify of .* \(apigeecli files \(current naming\)\) against .*acme-kvms\.out: OK$/m);
    expect(r.stdout).toMatch(/^scope\s+KVM\s+dump\s+export\s+status$/m);
    expect(r.stdout).toMatch(/^org\s+Awkward\s+5\s+5\s+OK$/m);
    expect(r.stdout).toMatch(/^proxy p2\s+p2kvm\s+1\s+1\s+OK$/m);
    expect(r.stdout).toMatch(/^total: 7 KVM\(s\): 7 OK, 0 missing, 0 different, 0 extra, 0 undecryptable, 0 conflict; entries: dump 10, export 10$/m);
  });

  test.each([
    ['bare config tree', [] as string[]],
    ['maven project', ['--maven-project']],
  ])('maven (%s): one name in several scopes verifies all OK', async (_label, args) => {
    const out = await exportTree('maven', args, sameNamesDir);
    const { run, result } = await verifyJson(out, 'maven', [], sameNamesDir);
    expect(run.code).toBe(0);
    expect(result.ok).toBe(true);
    expect(result.totals.ok).toBe(EXPECTED_KVMS + 4);
    expect(row(result, 'env prod', 'shared').status).toBe('OK');
    expect(row(result, 'proxy p1', 'shared').file).toBe(args.length ? 'resources/edge/api/p1/kvms.json' : 'api/p1/kvms.json');
  });

  test('--json: the rows and totals match, digests are 12 hex characters and equal on both sides', async () => {
    const out = await exportTree('apigeecli');
    const { run, result } = await verifyJson(out, 'apigeecli');
    expect(run.code).toBe(0);
    expect(result.ok).toBe(true);
    expect(result.kvms).toHaveLength(EXPECTED_KVMS);
    expect(result.totals).toEqual({ kvms: 7, ok: 7, missing: 0, different: 0, extra: 0, undecryptable: 0, conflict: 0, dumpEntries: 10, exportEntries: 10 });
    for (const r of result.kvms) {
      expect(r.dumpDigest).toMatch(/^[0-9a-f]{12}$/);
      expect(r.exportDigest).toBe(r.dumpDigest);
      expect(r.dumpEntries).toBe(r.exportEntries);
    }
    expect(row(result, 'org', 'Awkward')).toMatchObject({ dumpEntries: 5, file: 'org__Awkward__kvmfile__0.json' });
    expect(result.kvms.map((r) => r.kvm)).not.toContain('CustomReportsacme#28f97657-0a1a-4df2-a8f2-a4c6f9bddb6f');
  });

  test('digests are keyed per run: two runs over the same data print different digests, each run still matching', async () => {
    const out = await exportTree('apigeecli');
    const first = await verifyJson(out, 'apigeecli');
    const second = await verifyJson(out, 'apigeecli');
    expect(first.run.code).toBe(0);
    expect(second.run.code).toBe(0);
    const digests = (result: VerifyJson) => result.kvms.map((r) => r.dumpDigest);
    for (const r of [...first.result.kvms, ...second.result.kvms]) expect(r.exportDigest).toBe(r.dumpDigest);
    const a = digests(first.result);
    const b = digests(second.result);
    expect(a).toHaveLength(b.length);
    a.forEach((d, i) => expect(d).not.toBe(b[i]));
    // Not the unkeyed SHA-256 of the canonical entries either (what a brute force of short values would match).
    const body = await readJson(path.join(out, 'org__Awkward__kvmfile__0.json'));
    const entries = [...(body.keyValueEntries as { name: string; value: string }[])].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : x.value < y.value ? -1 : 1));
    const hash = createHash('sha256');
    for (const e of entries) hash.update(`${JSON.stringify([e.name, e.value])}\n`);
    const unkeyed = hash.digest('hex').slice(0, 12);
    expect([row(first.result, 'org', 'Awkward').dumpDigest, row(second.result, 'org', 'Awkward').dumpDigest]).not.toContain(unkeyed);
  });

  test('entry order does not matter: importers do not keep it', async () => {
    const out = await exportTree('apigeecli');
    const file = path.join(out, 'org__Awkward__kvmfile__0.json');
    const body = await readJson(file);
    body.keyValueEntries.reverse();
    await writeJson(file, body);
    expect((await verify(out, 'apigeecli')).code).toBe(0);
  });

  test('a tampered value is "different" (exit 7), shown by digests, never by value', async () => {
    const out = await exportTree('apigeecli');
    const file = path.join(out, 'org__Awkward__kvmfile__0.json');
    const body = await readJson(file);
    body.keyValueEntries[0].value = 'tampered';
    await writeJson(file, body);
    const text = await verify(out, 'apigeecli');
    expectNoSecrets(text);
    expect(text.code).toBe(7);
    expect(text.stdout).toMatch(/^org\s+Awkward\s+5\s+5\s+different$/m);
    expect(text.stdout).toMatch(/org \/ Awkward: content differs \(digest of this run: dump [0-9a-f]{12}, export [0-9a-f]{12}\)/);
    expect(text.stderr).toMatch(/error: 1 KVM\(s\) of the dump are not in .* as its importer would read them/);
    const { run, result } = await verifyJson(out, 'apigeecli');
    expect(run.code).toBe(7);
    expect(result.ok).toBe(false);
    const awk = row(result, 'org', 'Awkward');
    expect(awk.status).toBe('different');
    expect(awk.exportDigest).not.toBe(awk.dumpDigest);
    expect(result.totals).toMatchObject({ ok: 6, different: 1 });
  });

  test('maven: a tampered value is "different" too', async () => {
    const out = await exportTree('maven', ['--maven-project']);
    const file = path.join(out, 'resources/edge/env/prod/kvms.json');
    const body = await readJson(file);
    body[0].entry[0].value = 'changed';
    await writeJson(file, body);
    const { run, result } = await verifyJson(out, 'maven');
    expect(run.code).toBe(7);
    expect(row(result, 'env prod', 'prodOnly').status).toBe('different');
  });

  test('a deleted file is "missing"; a file of a KVM not in the dump is "extra"', async () => {
    const out = await exportTree('apigeecli');
    await rm(path.join(out, 'env__prod__prodOnly__kvmfile__0.json'));
    await writeJson(path.join(out, 'env__prod__intruder__kvmfile__0.json'), { keyValueEntries: [{ name: 'x', value: 'y' }], nextPageToken: '' });
    const { run, result } = await verifyJson(out, 'apigeecli');
    expect(run.code).toBe(7);
    expect(row(result, 'env prod', 'prodOnly')).toMatchObject({ status: 'missing', dumpEntries: 1, exportEntries: null, file: null });
    expect(row(result, 'env prod', 'intruder')).toMatchObject({ status: 'extra', dumpEntries: null, exportEntries: 1 });
    expect(result.totals).toMatchObject({ kvms: 8, ok: 6, missing: 1, extra: 1 });
  });

  test('a file mis-filed under another scope shows as missing in one place and extra in the other', async () => {
    const out = await exportTree('apigeecli');
    await copyFile(path.join(out, 'env__test__testOnly__kvmfile__0.json'), path.join(out, 'env__prod__testOnly__kvmfile__0.json'));
    await rm(path.join(out, 'env__test__testOnly__kvmfile__0.json'));
    const { result } = await verifyJson(out, 'apigeecli');
    expect(row(result, 'env test', 'testOnly').status).toBe('missing');
    expect(row(result, 'env prod', 'testOnly').status).toBe('extra');
  });

  test('a KVM whose name apigeecli cannot hold is expected, and missing', async () => {
    const dir = await writeDump(path.join(work, 'bad-names'), [
      { scope: org, name: 'double__underscore', encrypted: true, entries: [{ name: SECRET_NAME, value: SECRET }] },
      { scope: env('prod'), name: 'fine', encrypted: true, entries: [{ name: 'a', value: 'b' }] },
    ]);
    const out = await exportTree('apigeecli', [], dir, 6);
    const text = await verify(out, 'apigeecli', [], dir);
    expectNoSecrets(text);
    expect(text.code).toBe(7);
    expect(text.stdout).toMatch(/^org\s+double__underscore\s+1\s+-\s+missing$/m);
    expect(text.stdout).toMatch(/org \/ double__underscore: not exported: KVM name "double__underscore" holds "__"/);
    const { result } = await verifyJson(out, 'apigeecli', [], dir);
    expect(result.totals).toMatchObject({ kvms: 2, ok: 1, missing: 1 });
  });

  test('revision scope: the winning revision is expected under proxy scope, the superseded ones are not', async () => {
    const out = await exportTree('apigeecli');
    const { result } = await verifyJson(out, 'apigeecli');
    expect(row(result, 'proxy p2', 'p2kvm')).toMatchObject({ status: 'OK', dumpScope: 'proxy p2 revision 10' });
    expect(row(result, 'proxy p1', 'p1kvm').dumpScope).toBeUndefined();
    expect(result.kvms.filter((r) => r.kvm === 'p1kvm' || r.kvm === 'p2kvm')).toHaveLength(2);
    // A tree holding the losing revision's values is caught.
    await writeJson(path.join(out, 'proxy__p2__p2kvm__kvmfile__0.json'), { keyValueEntries: [{ name: 'k', value: 'p2rev2' }], nextPageToken: '' });
    const { run, result: after } = await verifyJson(out, 'apigeecli');
    expect(run.code).toBe(7);
    expect(row(after, 'proxy p2', 'p2kvm').status).toBe('different');
  });

  test('one map name in two environments or proxies: every file is right (OK), and the bulk-import hazard is a warning', async () => {
    const out = await exportTree('apigeecli', [], sameNamesDir);
    const { run, result } = await verifyJson(out, 'apigeecli', [], sameNamesDir);
    expect(run.code).toBe(0);
    for (const [scope, kvm] of [['env test', 'shared'], ['env prod', 'shared'], ['proxy p1', 'shared'], ['proxy p2', 'shared']] as const) {
      expect(row(result, scope, kvm).status).toBe('OK');
    }
    expect(result.totals).toMatchObject({ missing: 0, ok: EXPECTED_KVMS + 4 });
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/keys its files by map name and would import only one of env__prod__shared__kvmfile__0\.json, env__test__shared__kvmfile__0\.json; import-kvms\.sh imports each/),
        expect.stringMatching(/only one of proxy__p1__shared__kvmfile__0\.json, proxy__p2__shared__kvmfile__0\.json/),
      ]),
    );
  });

  test('several page files of one KVM: only the last is imported, and the KVM is flagged as a conflict', async () => {
    const out = await exportTree('apigeecli');
    await writeJson(path.join(out, 'org__Awkward__kvmfile__1.json'), { keyValueEntries: [{ name: 'k', value: 'page 2' }], nextPageToken: '' });
    const { run, result } = await verifyJson(out, 'apigeecli');
    expect(run.code).toBe(7);
    const awk = row(result, 'org', 'Awkward');
    expect(awk).toMatchObject({ status: 'conflict', exportEntries: 1, file: 'org__Awkward__kvmfile__1.json' });
    expect(awk.note).toMatch(/2 files for this KVM \(org__Awkward__kvmfile__0\.json, org__Awkward__kvmfile__1\.json\).*imports only org__Awkward__kvmfile__1\.json/);
  });

  test('files in sub-folders are found (apigeecli walks the folder), other files are ignored', async () => {
    const out = await exportTree('apigeecli');
    await mkdir(path.join(out, 'nested', 'deeper'), { recursive: true });
    await copyFile(path.join(out, 'org__plain__kvmfile__0.json'), path.join(out, 'nested', 'deeper', 'org__plain__kvmfile__0.json'));
    await rm(path.join(out, 'org__plain__kvmfile__0.json'));
    await writeFile(path.join(out, 'notes.json'), 'not even JSON');
    const { run, result } = await verifyJson(out, 'apigeecli');
    expect(run.code).toBe(0);
    expect(row(result, 'org', 'plain').file).toBe('nested/deeper/org__plain__kvmfile__0.json');
  });

  test('maven: a KVM listed twice in one file is a conflict', async () => {
    const out = await exportTree('maven');
    const file = path.join(out, 'org/kvms.json');
    const body = await readJson(file);
    body.push(body.find((k: { name: string }) => k.name === 'plain'));
    await writeJson(file, body);
    const { run, result } = await verifyJson(out, 'maven');
    expect(run.code).toBe(7);
    expect(row(result, 'org', 'plain')).toMatchObject({ status: 'conflict', note: 'listed 2 times in org/kvms.json: what the plugin creates depends on its options' });
  });

  test('custom report KVMs are expected only with --include-custom-reports', async () => {
    const out = await exportTree('apigeecli', ['--include-custom-reports']);
    expect((await verify(out, 'apigeecli', ['--include-custom-reports'])).code).toBe(0);
    const { run, result } = await verifyJson(out, 'apigeecli');
    expect(run.code).toBe(7);
    const custom = row(result, 'org', 'CustomReportsacme#28f97657-0a1a-4df2-a8f2-a4c6f9bddb6f');
    expect(custom.status).toBe('extra');
    expect(custom.note).toMatch(/not meant to be exported: .*--include-custom-reports/);
  });

  test('legacy naming: verifies OK with --apigeecli-naming legacy, and every KVM is missing under current names', async () => {
    const out = await exportTree('apigeecli', ['--apigeecli-naming', 'legacy']);
    expect((await verify(out, 'apigeecli', ['--apigeecli-naming', 'legacy'])).code).toBe(0);
    const { result } = await verifyJson(out, 'apigeecli');
    expect(result.totals).toMatchObject({ kvms: EXPECTED_KVMS, missing: EXPECTED_KVMS });
  });

  test('a KVM whose values do not decrypt is "undecryptable", without naming its entries', async () => {
    const dir = await writeDump(path.join(work, 'corrupt'), [
      { scope: env('prod'), name: 'broken', encrypted: true, entries: [{ name: SECRET_NAME, value: SECRET }] },
      { scope: env('prod'), name: 'intact', encrypted: true, entries: [{ name: 'a', value: 'fine' }] },
    ], (text) => text.replace(new RegExp(`("broken":"\\[\\{\\\\"name\\\\":\\\\"${SECRET_NAME}\\\\",\\\\"value\\\\":\\\\")([A-Za-z0-9+/]{4})`), (_m, head: string) => `${head}AAAA`));
    const out = await exportTree('maven', [], dir, 6);
    const text = await verify(out, 'maven', [], dir);
    expectNoSecrets(text);
    expect(text.code).toBe(7);
    expect(text.stdout).toMatch(/^env prod\s+broken\s+-\s+-\s+undecryptable$/m);
    const { result } = await verifyJson(out, 'maven', [], dir);
    expect(result.totals).toMatchObject({ ok: 1, undecryptable: 1 });
  });

  test('more than 200 KVMs: only the rows that are not OK are listed, with a count of the others', async () => {
    const many: EdgeKvmSpec[] = Array.from({ length: 205 }, (_v, i) => ({ scope: org, name: `m${String(i).padStart(3, '0')}`, encrypted: false, entries: [{ name: 'k', value: String(i) }] }));
    const dir = await writeDump(path.join(work, 'many'), many);
    const out = await exportTree('apigeecli', [], dir);
    await rm(path.join(out, 'org__m100__kvmfile__0.json'));
    const r = await verify(out, 'apigeecli', [], dir);
    expect(r.code).toBe(7);
    expect(r.stdout).toMatch(/^org\s+m100\s+1\s+-\s+missing$/m);
    expect(r.stdout).not.toMatch(/m101/);
    expect(r.stdout).toMatch(/^\(204 OK KVM\(s\) not listed\)$/m);
    expect(r.stdout).toMatch(/^total: 205 KVM\(s\): 204 OK, 1 missing/m);
  });

  test('unreadable JSON is an input error (exit 3) naming the file, without quoting it', async () => {
    const out = await exportTree('apigeecli');
    // V8 quotes the whole text in this error ("Unexpected token 'x', "x{..." is not valid JSON"); amu must not pass it on.
    await writeFile(path.join(out, 'org__Awkward__kvmfile__0.json'), `x{"keyValueEntries":[{"name":"${SECRET_NAME}","value":"${SECRET}"}]}`);
    const r = await verify(out, 'apigeecli');
    expectNoSecrets(r);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/org__Awkward__kvmfile__0\.json is not valid JSON/);
  });

  test('an entry that is not {name, value} is an input error naming the file', async () => {
    const out = await exportTree('maven');
    await writeJson(path.join(out, 'env/test/kvms.json'), [{ name: 'testOnly', entry: [{ name: 'k', value: 42 }] }]);
    const r = await verify(out, 'maven');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/env\/test\/kvms\.json, KVM 1: entry 1 is not/);
  });

  test('a missing export folder is an input error; missing options are named', async () => {
    const r = await verify(path.join(work, 'nowhere'), 'apigeecli');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no export tree at .*nowhere/);
    const usage = await runAmu(['kvms', 'verify'], { SRC: 'opdk' });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--export-dir/);
    expect(usage.stderr).toMatch(/--kek/);
  });
});

describeCapture('verify of exports of the real Edge 4.51 capture (org validate)', () => {
  let work: string;
  let emigrateDir: string;
  const env = () => ({ SRC: 'opdk', ORG: 'validate', KEK: CAPTURE_KEK, EMIGRATE_DIR: emigrateDir, INCLUDE_CUSTOM_REPORTS: 'true' });

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-verify-capture-'));
    emigrateDir = path.join(work, 'emigrate');
    await mkdir(emigrateDir);
    await copyFile(CAPTURE_PATH, path.join(emigrateDir, 'validate-kvms.out'));
  });

  test.each([['apigeecli'], ['maven']])('%s: all 50 KVMs and 3,571 entries verify OK', async (tgt) => {
    const out = path.join(work, tgt);
    expect((await runAmu(['kvms', 'export', '--tgt', tgt, '--export-dir', out], env())).code).toBe(0);
    const r = await runAmu(['kvms', 'verify', '--tgt', tgt, '--export-dir', out, '--json'], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as VerifyJson;
    expect(result.totals).toEqual({ kvms: 50, ok: 50, missing: 0, different: 0, extra: 0, undecryptable: 0, conflict: 0, dumpEntries: 3571, exportEntries: 3571 });
  });
});
