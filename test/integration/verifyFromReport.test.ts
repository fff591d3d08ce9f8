// `kvms verify` reads how the export was made from its report: no extra flags check what was exported.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';

const kek = Buffer.from('a0b1c2d3e4f5061728394a5b6c7d8e9f', 'hex');
const version = (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('verify from the export report', () => {
  let work: string;
  let emigrate: string;
  let exportDir: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-vrep-'));
    emigrate = path.join(work, 'emigrate');
    await mkdir(emigrate);
    const columns = buildEdgeColumns(
      kek,
      [
        { scope: { kind: 'org' }, name: 'org-kvm', encrypted: true, entries: [{ name: 'a', value: 'secret' }] },
        { scope: { kind: 'org' }, name: 'CustomReportsacme#0a1b2c3d-1111-2222-3333-444455556666', encrypted: false, entries: [{ name: 'r', value: '{}' }] },
        { scope: { kind: 'env', env: 'prod' }, name: 'env-kvm', encrypted: false, entries: [{ name: 'b', value: 'c' }] },
      ],
      seededRandomBytes('verify-report'),
    );
    await writeFile(path.join(emigrate, 'acme-kvms.out'), formatCliDump('acme', columns));
    exportDir = path.join(work, 'export');
    // Relative paths on the command line: the report records them absolute.
    const r = await runAmu(
      ['kvms', 'export', '--src', 'opdk', '--org', 'acme', '--emigrate-dir', path.relative(process.cwd(), emigrate), '--export-dir', path.relative(process.cwd(), exportDir), '--tgt', 'apigeecli', '--apigeecli-naming', 'legacy', '--include-custom-reports'],
      { KEK: kek.toString('hex') },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the report records amu version, time, absolute paths and every setting verify needs', async () => {
    const report = JSON.parse(await readFile(path.join(exportDir, 'amu-export-report.json'), 'utf8'));
    expect(report.amuVersion).toBe(version);
    expect(Math.abs(Date.parse(report.createdAt) - Date.now())).toBeLessThan(120_000);
    expect(report.exportDir).toBe(exportDir);
    expect(report.settings).toEqual({
      src: 'opdk',
      org: 'acme',
      emigrateDir: emigrate,
      dumpFiles: [path.join(emigrate, 'acme-kvms.out')],
      tgt: 'apigeecli',
      apigeecliNaming: 'legacy',
      includeCustomReports: true,
      mavenProject: false,
    });
  });

  test('verify with only the export folder and the KEK checks what was exported (naming, custom reports, dump)', async () => {
    const r = await runAmu(['kvms', 'verify', '--export-dir', exportDir], { KEK: kek.toString('hex') });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`From the export's report ${path.join(exportDir, 'amu-export-report.json')} (amu ${version}, `);
    expect(r.stderr).toContain(`: --src opdk --org acme --emigrate-dir ${emigrate} --tgt apigeecli --apigeecli-naming legacy --include-custom-reports\n`);
    expect(r.stdout).toMatch(/apigeecli files \(legacy naming\)/);
    expect(r.stdout).toMatch(/CustomReportsacme#0a1b2c3d-1111-2222-3333-444455556666\s+1\s+1\s+OK/);
    expect(r.stdout).toMatch(/total: 3 KVM\(s\): 3 OK/);
  });

  test('a flag that differs from the report is used, with a warning naming it', async () => {
    const r = await runAmu(['kvms', 'verify', '--export-dir', exportDir, '--apigeecli-naming', 'current'], { KEK: kek.toString('hex') });
    expect(r.stderr).toContain('warning: --apigeecli-naming current is not what the export recorded (legacy)');
    expect(r.code).toBe(7);
  });

  test('a folder without a report still needs every option, all named', async () => {
    const bare = path.join(work, 'bare');
    await mkdir(bare);
    const r = await runAmu(['kvms', 'verify', '--export-dir', bare], { KEK: kek.toString('hex') });
    expect(r.code).toBe(2);
    for (const flag of ['src', 'org', 'emigrate-dir', 'tgt']) expect(r.stderr).toContain(`--${flag}  (or`);
  });

  test('a report that is not amu JSON is refused, naming the file', async () => {
    const broken = path.join(work, 'broken');
    await mkdir(broken);
    await writeFile(path.join(broken, 'amu-export-report.json'), '{"settings": {"src": "edge"}}');
    const r = await runAmu(['kvms', 'verify', '--export-dir', broken], { KEK: kek.toString('hex') });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${path.join(broken, 'amu-export-report.json')} is not a report amu can read back`);
    expect(r.stderr).toContain('settings.src is not opdk or hybrid');
  });
});
