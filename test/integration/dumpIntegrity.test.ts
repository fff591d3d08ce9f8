// Export and verify check a dump against its integrity record, that it does not change between passes, and Edge column names.
import { appendFile, mkdtemp, mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { makeFakeCassandraCli, type FakeCli } from '../support/fakeCassandraCli.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';
import { cassandraCliColumns } from '../../src/dumps/openDump.js';
import { EdgeKvmSource } from '../../src/export/edgeSource.js';
import { exportKvms } from '../../src/export/exportKvms.js';
import { CheckedKvmSource } from '../../src/export/checkedSource.js';
import { InputError } from '../../src/errors.js';

const kek = Buffer.from('1f1e1d1c1b1a19181716151413121110', 'hex');
const columns = buildEdgeColumns(
  kek,
  [
    { scope: { kind: 'org' }, name: 'OrgKvm', encrypted: true, entries: [{ name: 'a', value: 'secret-a' }] },
    { scope: { kind: 'env', env: 'prod' }, name: 'EnvKvm', encrypted: false, entries: [{ name: 'b', value: 'plain-b' }] },
  ],
  seededRandomBytes('integrity'),
);

let work: string;
let fake: FakeCli;
let source: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'amu-integrity-'));
  fake = makeFakeCassandraCli();
  source = path.join(work, 'source.out');
  await writeFile(source, formatCliDump('acme', columns));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

async function emigrate(name: string): Promise<string> {
  const dir = path.join(work, name);
  const r = await runAmu(['kvms', 'emigrate'], { PATH: fake.path, FAKE_CLI_DUMP: source, SRC: 'opdk', ORG: 'acme', EMIGRATE_DIR: dir });
  expect(r.code).toBe(0);
  return dir;
}
const base = (dir: string) => ({ SRC: 'opdk', ORG: 'acme', EMIGRATE_DIR: dir, KEK: kek.toString('hex'), TGT: 'apigeecli' });

test('a dump whose bytes differ from its record is refused by export and verify (exit 3, both files named)', async () => {
  const dir = await emigrate('altered');
  const dump = path.join(dir, 'acme-kvms.out');
  const text = await readFile(dump, 'utf8');
  await writeFile(dump, text.replace('timestamp=1', 'timestamp=2'));
  expect(await readFile(dump, 'utf8')).not.toBe(text);
  const x = await runAmu(['kvms', 'export', '--export-dir', path.join(work, 'altered-x')], base(dir));
  expect(x.code).toBe(3);
  expect(x.stderr).toContain(`the dump ${dump} is not the one its integrity record ${dump}.meta.json describes: SHA-256`);
  await mkdir(path.join(work, 'altered-v'));
  const v = await runAmu(['kvms', 'verify', '--export-dir', path.join(work, 'altered-v')], base(dir));
  expect(v.code).toBe(3);
  expect(v.stderr).toContain(`${dump}.meta.json`);
});

test('a dump cut short or appended to is refused by its size', async () => {
  const dir = await emigrate('appended');
  await appendFile(path.join(dir, 'acme-kvms.out'), '\n');
  const x = await runAmu(['kvms', 'export', '--export-dir', path.join(work, 'appended-x')], base(dir));
  expect(x.code).toBe(3);
  expect(x.stderr).toMatch(/bytes, the record says \d+/);
});

test('a dump that matches its record exports; one with no record exports with a note in the summary', async () => {
  const dir = await emigrate('good');
  const ok = await runAmu(['kvms', 'export', '--export-dir', path.join(work, 'good-x')], base(dir));
  expect(ok.code).toBe(0);
  expect(ok.stdout).not.toMatch(/integrity record/);
  await rm(path.join(dir, 'acme-kvms.out.meta.json'));
  const noRecord = await runAmu(['kvms', 'export', '--export-dir', path.join(work, 'norecord-x')], base(dir));
  expect(noRecord.code).toBe(0);
  expect(noRecord.stdout).toMatch(/no integrity record .* made by hand or by the bash amu/);
  const report = JSON.parse(await readFile(path.join(work, 'norecord-x', 'amu-export-report.json'), 'utf8'));
  expect(report.warnings.join('\n')).toMatch(/no integrity record/);
  const v = await runAmu(['kvms', 'verify', '--export-dir', path.join(work, 'norecord-x')], base(dir));
  expect(v.code).toBe(0);
  expect(v.stdout).toMatch(/warning: no integrity record .* made by hand or by the bash amu/);
});

test('a dump replaced between the two passes of export is exit 3 and nothing is written', async () => {
  const dir = await emigrate('between');
  const dump = path.join(dir, 'acme-kvms.out');
  const read = cassandraCliColumns(dump);
  let passes = 0;
  const touching = () =>
    (async function* () {
      passes += 1;
      yield* read();
      // A writer touches the dump right after the first pass (same size, new mtime: a rewrite in place).
      if (passes === 1) await utimes(dump, new Date(), new Date(Date.now() + 5000));
    })();
  const src = new CheckedKvmSource(new EdgeKvmSource(dump, touching, kek), [dump]);
  const out = path.join(work, 'between-x');
  const failure = exportKvms({
    org: 'acme', source: src, target: 'apigeecli', exportDir: out, overwrite: false, includeCustomReports: false,
    apigeecliNaming: 'current', mavenProject: false, mavenPluginVersion: '2.9.3',
  });
  await expect(failure).rejects.toThrow(InputError);
  await expect(failure).rejects.toThrow(/changed while amu read it/);
  await expect(readFile(path.join(out, 'amu-export-report.json'))).rejects.toThrow(/ENOENT/);
});

test('an Edge column whose name is not the lowercased KVM name in its value is exit 3 naming file:line, KVM and scope', async () => {
  const dir = path.join(work, 'spliced');
  await mkdir(dir);
  await writeFile(path.join(dir, 'acme-kvms.out'), formatCliDump('acme', columns).replace('name=s@env:s@prod:s@kvmaps:s@envkvm,', 'name=s@env:s@prod:s@kvmaps:s@other,'));
  const x = await runAmu(['kvms', 'export', '--export-dir', path.join(work, 'spliced-x')], base(dir));
  expect(x.code).toBe(3);
  expect(x.stderr).toMatch(/acme-kvms\.out:\d+: the column of KVM "other" \(env prod\) holds the value of KVM "EnvKvm"/);
});
