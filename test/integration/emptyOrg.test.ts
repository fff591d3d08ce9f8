// An org with no rows (a misspelt name) fails emigrate on every reader, keeps an earlier dump, and --allow-empty is recorded for export.
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { makeFakeCassandraCli, type FakeCli } from '../support/fakeCassandraCli.js';
import { startCqlServer, keyvaluemapsTable, type CqlProtocolServer } from '../support/cqlServer.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';

const kek = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');
const columns = buildEdgeColumns(
  kek,
  [{ scope: { kind: 'org' }, name: 'Kept', encrypted: true, entries: [{ name: 'a', value: 'b' }] }],
  seededRandomBytes('empty-org'),
);

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'amu-empty-org-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** The emigrate folder listing, without the meta files. */
const dumpsIn = async (dir: string) => (await readdir(dir)).sort();

describe('cassandra-cli reader', () => {
  let fake: FakeCli;
  let full: string;
  let empty: string;
  beforeAll(async () => {
    fake = makeFakeCassandraCli();
    full = path.join(work, 'full.out');
    empty = path.join(work, 'empty.out');
    await writeFile(full, formatCliDump('acme', columns));
    await writeFile(empty, formatCliDump('acmee', []));
  });
  const env = (dump: string, dir: string, org = 'acme') => ({ PATH: fake.path, FAKE_CLI_DUMP: dump, SRC: 'opdk', ORG: org, EMIGRATE_DIR: dir });

  test('"Returned 0 results." is exit 3 naming a misspelt org and how to list orgs; the earlier dump stays', async () => {
    const dir = path.join(work, 'cli');
    expect((await runAmu(['kvms', 'emigrate'], env(full, dir))).code).toBe(0);
    const before = await readFile(path.join(dir, 'acme-kvms.out'), 'utf8');
    const metaBefore = await readFile(path.join(dir, 'acme-kvms.out.meta.json'), 'utf8');
    const r = await runAmu(['kvms', 'emigrate'], env(empty, dir));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no KVM rows found for organization "acme"/);
    expect(r.stderr).toMatch(/misspelt/);
    expect(r.stderr).toContain('amu organizations list --src opdk');
    expect(r.stderr).toContain('--allow-empty');
    expect(await readFile(path.join(dir, 'acme-kvms.out'), 'utf8')).toBe(before);
    expect(await readFile(path.join(dir, 'acme-kvms.out.meta.json'), 'utf8')).toBe(metaBefore);
    expect(await dumpsIn(dir)).toEqual(['acme-kvms.out', 'acme-kvms.out.meta.json']);
  });

  test('--allow-empty (and ALLOW_EMPTY) keeps the empty dump and records it; export then accepts it', async () => {
    const dir = path.join(work, 'cli-allowed');
    const r = await runAmu(['kvms', 'emigrate', '--allow-empty'], env(empty, dir, 'quiet-org'));
    expect(r.code).toBe(0);
    const meta = JSON.parse(await readFile(path.join(dir, 'quiet-org-kvms.out.meta.json'), 'utf8'));
    expect(meta).toMatchObject({ rows: 0, allowEmpty: true });
    expect((await runAmu(['kvms', 'emigrate'], { ...env(empty, path.join(work, 'cli-env'), 'quiet-org'), ALLOW_EMPTY: '1' })).code).toBe(0);
    const x = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', path.join(work, 'cli-allowed-x')], {
      SRC: 'opdk', ORG: 'quiet-org', EMIGRATE_DIR: dir, KEK: kek.toString('hex'),
    });
    expect(x.code).toBe(0);
  });

  test('export and verify of a 0-KVM dump without an --allow-empty record fail (exit 3)', async () => {
    const dir = path.join(work, 'by-hand');
    await mkdir(dir);
    await writeFile(path.join(dir, 'acme-kvms.out'), formatCliDump('acme', []));
    const base = { SRC: 'opdk', ORG: 'acme', EMIGRATE_DIR: dir, KEK: kek.toString('hex'), TGT: 'apigeecli' };
    const x = await runAmu(['kvms', 'export', '--export-dir', path.join(work, 'by-hand-x')], base);
    expect(x.code).toBe(3);
    expect(x.stderr).toMatch(/holds no KVM/);
    await mkdir(path.join(work, 'by-hand-v'));
    const v = await runAmu(['kvms', 'verify', '--export-dir', path.join(work, 'by-hand-v')], base);
    expect(v.code).toBe(3);
    expect(v.stderr).toMatch(/holds no KVM/);
  });
});

describe('CQL reader (protocol server)', () => {
  let server: CqlProtocolServer;
  beforeAll(async () => {
    server = await startCqlServer({ tables: [keyvaluemapsTable(columns.map((c) => ['acme', c.name, c.value] as [string, string, string]))] });
  });
  afterAll(async () => server.close());
  const env = (dir: string, org: string) => ({ SRC: 'opdk', SRC_VER: '4.53', ORG: org, EMIGRATE_DIR: dir, CASS_IP: '127.0.0.1', CQL_PORT: String(server.port) });

  test('a misspelt org is exit 3 and never replaces the earlier dump; --allow-empty records an empty one', async () => {
    const dir = path.join(work, 'cql');
    expect((await runAmu(['kvms', 'emigrate'], env(dir, 'acme'))).code).toBe(0);
    await writeFile(path.join(dir, 'acmee-kvms.out'), 'an earlier dump of acmee\n');
    const r = await runAmu(['kvms', 'emigrate'], env(dir, 'acmee'));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no KVM rows found for organization "acmee" in keyvaluemap\.keyvaluemaps_r21 over CQL/);
    expect(r.stderr).toContain('amu organizations list');
    expect(await readFile(path.join(dir, 'acmee-kvms.out'), 'utf8')).toBe('an earlier dump of acmee\n');
    expect(await dumpsIn(dir)).toEqual(['acme-kvms.out', 'acme-kvms.out.meta.json', 'acmee-kvms.out']);
    const allowed = await runAmu(['kvms', 'emigrate', '--allow-empty'], env(dir, 'acmee'));
    expect(allowed.code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'acmee-kvms.out.meta.json'), 'utf8'))).toMatchObject({ rows: 0, allowEmpty: true });
  });
});
