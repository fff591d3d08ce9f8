// amu kvms emigrate --src opdk with cassandra-cli (a fake one): the dump, its metadata, and every failure leaving no dump.
import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { makeFakeCassandraCli, type FakeCli } from '../support/fakeCassandraCli.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';
import { cassandraCliReader } from '../../src/emigrate/cassandraCli.js';
import type { DumpReader } from '../../src/emigrate/reader.js';

const kek = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

describe('amu kvms emigrate --src opdk (cassandra-cli)', () => {
  let fake: FakeCli;
  let work: string;
  let dumpFile: string;
  const columns = buildEdgeColumns(
    kek,
    [
      { scope: { kind: 'org' }, name: 'OrgKvm', encrypted: true, entries: [{ name: 'a', value: 'x, value=y), timestamp=1' }] },
      { scope: { kind: 'env', env: 'prod' }, name: 'plain', encrypted: false, entries: [{ name: 'b', value: 'ü' }] },
    ],
    seededRandomBytes('emigrate'),
  );

  beforeAll(async () => {
    fake = makeFakeCassandraCli();
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-emigrate-'));
    dumpFile = path.join(work, 'source.out');
    await writeFile(dumpFile, formatCliDump('my-org', columns));
  });

  const env = (mode: string, dir: string) => ({ PATH: fake.path, FAKE_CLI_MODE: mode, FAKE_CLI_DUMP: dumpFile, SRC: 'opdk', ORG: 'my-org', EMIGRATE_DIR: dir });

  test('streams the dump to <org>-kvms.out (0600), checks the trailer and records what was run', async () => {
    const dir = path.join(work, 'ok');
    const r = await runAmu(['kvms', 'emigrate', '--cass-ip', '10.1.2.3'], env('ok', dir));
    expect(r.stderr).toContain('Reading the KVMs of org my-org');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${columns.length} rows`);
    const out = path.join(dir, 'my-org-kvms.out');
    expect(await readFile(out, 'utf8')).toBe(await readFile(dumpFile, 'utf8'));
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(await readFile(fake.stdinFile, 'utf8')).toBe("use keyvaluemap;\nget keyvaluemaps_r21['my-org'];\n");
    expect((await readFile(fake.argvFile, 'utf8')).trim().split('\n')).toEqual(['-h', '10.1.2.3']);
    const meta = JSON.parse(await readFile(`${out}.meta.json`, 'utf8'));
    expect(meta).toMatchObject({ reader: 'cassandra-cli', org: 'my-org', rows: columns.length, host: '10.1.2.3' });
    expect(meta.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(meta.finishedAt)).toBeGreaterThanOrEqual(Date.parse(meta.startedAt));
    expect((await readdir(dir)).sort()).toEqual(['my-org-kvms.out', 'my-org-kvms.out.meta.json']);
  });

  test('as a DumpReader: one table dumped, progress per table, the same file the command writes', async () => {
    const dir = path.join(work, 'reader');
    const reader: DumpReader = cassandraCliReader({ host: '10.1.2.3', env: { PATH: fake.path, FAKE_CLI_MODE: 'ok', FAKE_CLI_DUMP: dumpFile } });
    const progress: string[] = [];
    const dumps = await reader.dump({ org: 'my-org', emigrateDir: dir, onProgress: (table) => progress.push(table) });
    const out = path.join(dir, 'my-org-kvms.out');
    const bytes = (await stat(out)).size;
    expect(reader.name).toBe('cassandra-cli');
    expect(dumps).toEqual([{ table: 'keyvaluemaps_r21', file: out, rows: columns.length, bytes }]);
    expect(new Set(progress)).toEqual(new Set(['keyvaluemaps_r21']));
    expect(await readFile(out, 'utf8')).toBe(await readFile(dumpFile, 'utf8'));
  });

  test('a non-zero exit is an error with cassandra-cli stderr, and leaves no dump', async () => {
    const dir = path.join(work, 'fail');
    const r = await runAmu(['kvms', 'emigrate'], env('fail', dir));
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/cassandra-cli exited with code 3/);
    expect(r.stderr).toContain('Connection reset');
    expect(await readdir(dir)).toEqual([]);
  });

  test('a truncated dump (no trailer) is an error and leaves no dump', async () => {
    const dir = path.join(work, 'truncated');
    const r = await runAmu(['kvms', 'emigrate'], env('truncated', dir));
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/incomplete or not a dump/);
    expect(await readdir(dir)).toEqual([]);
  });

  test('cassandra-cli complaining on stdout with exit 0 is still an error', async () => {
    const dir = path.join(work, 'error-text');
    const r = await runAmu(['kvms', 'emigrate'], env('error-text', dir));
    expect(r.code).toBe(5);
    expect(await readdir(dir)).toEqual([]);
  });

  test('a replaced dump: a second run overwrites the first atomically', async () => {
    const dir = path.join(work, 'twice');
    expect((await runAmu(['kvms', 'emigrate'], env('ok', dir))).code).toBe(0);
    expect((await runAmu(['kvms', 'emigrate'], env('ok', dir))).code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['my-org-kvms.out', 'my-org-kvms.out.meta.json']);
  });

  test('Ctrl-C during the dump stops cassandra-cli, exits 130 and leaves no dump', async () => {
    const dir = path.join(work, 'interrupted');
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 300);
    const r = await runAmu(['kvms', 'emigrate'], env('slow', dir), process.cwd(), controller.signal);
    expect(r.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(dir)).toEqual([]);
  });

  test('no cassandra-cli anywhere: a clear error naming where amu looked', async () => {
    const r = await runAmu(['kvms', 'emigrate'], { ...env('ok', path.join(work, 'none')), PATH: '/nonexistent' });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/cassandra-cli not found/);
    expect(r.stderr).toMatch(/CASSANDRA_CLI/);
  });

  test('an org name that is not an Edge org name is refused before running anything', async () => {
    const r = await runAmu(['kvms', 'emigrate', '--org', "x'];drop"], env('ok', path.join(work, 'bad')));
    expect(r.code).toBe(2);
  });

  test('the dump it writes is what export reads', async () => {
    const dir = path.join(work, 'pipeline');
    expect((await runAmu(['kvms', 'emigrate'], env('ok', dir))).code).toBe(0);
    const exportDir = path.join(work, 'pipeline-export');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', exportDir], { ...env('ok', dir), KEK: kek.toString('hex') });
    expect(r.code).toBe(0);
    const body = JSON.parse(await readFile(path.join(exportDir, 'org__OrgKvm__kvmfile__0.json'), 'utf8'));
    expect(body.keyValueEntries).toEqual([{ name: 'a', value: 'x, value=y), timestamp=1' }]);
  });
});
