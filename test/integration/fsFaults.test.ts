// Ordinary file-system faults (a file for a folder, too-long names, disk full, read-only) are typed errors naming path and cause, never exit 1.
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { makeFakeCassandraCli, type FakeCli } from '../support/fakeCassandraCli.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type EdgeKvmSpec } from '../support/edgeDump.js';
import { fsErrorToAmu } from '../../src/fsErrors.js';

const kek = Buffer.from('4f4e4d4c4b4a49484746454443424140', 'hex');
const big = 'v'.repeat(4000);
const kvms: EdgeKvmSpec[] = Array.from({ length: 40 }, (_, i) => ({ scope: { kind: 'org' }, name: `kvm${i}`, encrypted: true, entries: [{ name: 'a', value: big }] }));
let work: string;
let emigrateDir: string;
let fake: FakeCli;
let source: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'amu-fsfaults-'));
  emigrateDir = path.join(work, 'emigrate');
  await mkdir(emigrateDir);
  source = path.join(work, 'source.out');
  await writeFile(source, formatCliDump('acme', buildEdgeColumns(kek, kvms, seededRandomBytes('fs'))));
  await writeFile(path.join(emigrateDir, 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, kvms, seededRandomBytes('fs'))));
  await writeFile(path.join(work, 'a-file'), 'x');
  fake = makeFakeCassandraCli();
});
afterAll(async () => rm(work, { recursive: true, force: true }));

const exportEnv = (dir = emigrateDir) => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dir, TGT: 'apigeecli' });
const emigrateEnv = (dir: string) => ({ PATH: fake.path, FAKE_CLI_DUMP: source, SRC: 'opdk', ORG: 'acme', EMIGRATE_DIR: dir });

test.each([
  ['an export folder under a file', () => path.join(work, 'a-file', 'out'), /a-file exists and is not a folder/],
  ['an export folder name over 255 bytes', () => path.join(work, 'x'.repeat(300)), /is too long a name for the file system/],
])('export: %s is exit 2 naming the path', async (_what, dir, message) => {
  const r = await runAmu(['kvms', 'export', '--export-dir', dir()], exportEnv());
  expect(r.stderr).not.toMatch(/internal error/);
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(2);
});

test.each([
  ['is a file', () => path.join(work, 'a-file'), /a-file exists and is not a folder|a-file .*file where a folder/],
  ['is under a file', () => path.join(work, 'a-file', 'sub'), /a-file\/sub has a file where a folder is expected/],
])('emigrate: an emigrate folder that %s is exit 2', async (_what, dir, message) => {
  const r = await runAmu(['kvms', 'emigrate'], emigrateEnv(dir()));
  expect(r.stderr).toMatch(message);
  expect(r.code).toBe(2);
});

test('export: a dump that is a folder, or an emigrate folder that is a file, is not exit 1', async () => {
  const dir = path.join(work, 'dump-is-folder');
  await mkdir(path.join(dir, 'acme-kvms.out'), { recursive: true });
  const r = await runAmu(['kvms', 'export', '--export-dir', path.join(work, 'x1')], exportEnv(dir));
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/acme-kvms\.out is not a file/);
  const f = await runAmu(['kvms', 'export', '--export-dir', path.join(work, 'x2')], exportEnv(path.join(work, 'a-file')));
  expect(f.code).toBe(2);
  expect(f.stderr).toMatch(/a-file\/acme-kvms\.out has a file where a folder is expected/);
});

test('names longer than a file name may be are listed as unrepresentable (exit 6), the rest is exported', async () => {
  const dir = path.join(work, 'long-names');
  await mkdir(dir);
  const long: EdgeKvmSpec[] = [
    { scope: { kind: 'org' }, name: 'k'.repeat(250), encrypted: false, entries: [{ name: 'a', value: 'b' }] },
    { scope: { kind: 'env', env: 'e'.repeat(300) }, name: 'short', encrypted: false, entries: [{ name: 'a', value: 'b' }] },
    { scope: { kind: 'org' }, name: 'fine', encrypted: false, entries: [{ name: 'n'.repeat(1000), value: 'b' }] },
  ];
  await writeFile(path.join(dir, 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, long, seededRandomBytes('long'))));
  for (const tgt of ['apigeecli', 'maven']) {
    const r = await runAmu(['kvms', 'export', '--tgt', tgt, '--export-dir', path.join(work, `long-${tgt}`)], exportEnv(dir));
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(6);
    expect(r.stdout).toMatch(/\[unrepresentable-name\] env e{300} \/ short: environment name "e{300}" is 300 bytes long, more than the 255/);
    if (tgt === 'apigeecli') expect(r.stdout).toMatch(/\[unrepresentable-name\] org \/ k{250}: its file name would be \d+ bytes long/);
  }
});

describe('disk full and read-only file systems (a tiny tmpfs; needs root)', () => {
  let mnt: string;
  let mounted = false;
  beforeAll(async () => {
    mnt = path.join(work, 'tiny');
    await mkdir(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
      mounted = true;
    } catch {
      console.warn('skipping the disk-full tests: cannot mount a tmpfs here (they need root)');
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [mnt]);
  });

  test('emigrate into a full disk: exit 5, "no space left", no partial dump left, an earlier dump kept', async () => {
    if (!mounted) return;
    const dir = path.join(mnt, 'emigrate');
    await mkdir(dir);
    await writeFile(path.join(dir, 'acme-kvms.out'), 'earlier dump\n');
    const r = await runAmu(['kvms', 'emigrate'], emigrateEnv(dir));
    expect(r.stderr).toMatch(/no space left on the device/);
    expect(r.code).toBe(5);
    expect(await readdir(dir)).toEqual(['acme-kvms.out']);
  });

  test('export into a full disk: exit 5, no staging folder of decrypted values left', async () => {
    if (!mounted) return;
    const out = path.join(mnt, 'export');
    const r = await runAmu(['kvms', 'export', '--export-dir', out], exportEnv());
    expect(r.stderr).toMatch(/no space left on the device/);
    expect(r.code).toBe(5);
    expect((await readdir(mnt)).filter((f) => f !== 'emigrate')).toEqual([]);
  });

  test('export onto a read-only file system: exit 5 naming the cause', async () => {
    if (!mounted) return;
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    try {
      const r = await runAmu(['kvms', 'export', '--export-dir', path.join(mnt, 'ro-export')], exportEnv());
      expect(r.stderr).toMatch(/read-only/);
      expect(r.code).toBe(5);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
    }
  });
});

test('the one mapping: every listed errno is exit 2 (path) or 5 (environment), with path and cause', () => {
  const sys = (code: string, syscall = 'open') => Object.assign(new Error(`${code}: x`), { code, syscall, path: '/some/where' });
  for (const code of ['ENOENT', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG', 'EEXIST']) {
    const e = fsErrorToAmu(sys(code))!;
    expect([code, e.exitCode]).toEqual([code, 2]);
    expect(e.message).toContain('/some/where');
  }
  for (const code of ['EACCES', 'EPERM', 'ENOSPC', 'EROFS', 'EDQUOT', 'EMFILE']) {
    const e = fsErrorToAmu(sys(code))!;
    expect([code, e.exitCode]).toEqual([code, 5]);
    expect(e.message).toContain('/some/where');
  }
  expect(fsErrorToAmu(new Error('a bug'))).toBeUndefined();
});
