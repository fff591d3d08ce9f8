// --overwrite replaces only an earlier amu export; the emigrate folder, cwd, home, / and foreign files are never replaced; one export per folder at a time.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';
import { checkExportDir } from '../../src/export/overwriteGuard.js';
import { lockPathFor } from '../../src/export/exportLock.js';
import { thisHost } from '../../src/dumps/leftovers.js';

const kek = Buffer.from('2f2e2d2c2b2a29282726252423222120', 'hex');
let work: string;
let emigrateDir: string;
const base = () => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: emigrateDir, TGT: 'apigeecli', HOME: path.join(work, 'home') });

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'amu-overwrite-'));
  emigrateDir = path.join(work, 'emigrate');
  await mkdir(emigrateDir);
  await mkdir(path.join(work, 'home'));
  await writeFile(path.join(work, 'home', '.bashrc'), 'mine\n');
  const columns = buildEdgeColumns(kek, [{ scope: { kind: 'org' }, name: 'K', encrypted: true, entries: [{ name: 'a', value: 'b' }] }], seededRandomBytes('ow'));
  await writeFile(path.join(emigrateDir, 'acme-kvms.out'), formatCliDump('acme', columns));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** Exports into `dir` (with --overwrite) and expects a refusal, exit 2, saying why; the folder is left as it was. */
async function refused(dir: string, why: RegExp, cwd = process.cwd()): Promise<void> {
  const before = (await readdir(dir)).sort();
  const r = await runAmu(['kvms', 'export', '--export-dir', dir, '--overwrite'], base(), cwd);
  expect(r.stderr).toMatch(why);
  expect(r.code).toBe(2);
  expect((await readdir(dir)).sort()).toEqual(before);
}

test('the emigrate folder, a folder holding it, or one inside it', async () => {
  await refused(emigrateDir, /--overwrite refused: .* holds the emigrate folder/);
  await refused(work, /--overwrite refused: .* holds the emigrate folder/);
  const inside = path.join(emigrateDir, 'old-export');
  await mkdir(inside);
  await writeFile(path.join(inside, 'amu-export-report.json'), '{"files": []}');
  await refused(inside, /--overwrite refused: .* is inside the emigrate folder/);
  await rm(inside, { recursive: true });
});

test('the current folder or an ancestor of it', async () => {
  const earlier = path.join(work, 'cwd-export');
  expect((await runAmu(['kvms', 'export', '--export-dir', earlier], base())).code).toBe(0);
  await mkdir(path.join(earlier, 'sub'), { recursive: true }).catch(() => undefined);
  await refused(earlier, /is the current folder or holds it/, earlier);
  await refused(earlier, /is the current folder or holds it/, path.join(earlier, 'sub'));
});

test('home (HOME and os.homedir()) and / are refused by the guard', async () => {
  await refused(path.join(work, 'home'), /is your home folder/);
  const check = (exportDir: string) => checkExportDir({ exportDir, overwrite: true, cwd: work });
  await expect(check('/')).rejects.toThrow(/is the root folder/);
  await expect(check(os.homedir())).rejects.toThrow(/is your home folder|is the current folder/);
});

test('a folder with no report, or with any file amu did not write, is refused and left alone', async () => {
  const mine = path.join(work, 'mine');
  await mkdir(mine);
  await writeFile(path.join(mine, 'notes.txt'), 'precious');
  await refused(mine, /is not an earlier amu export: it has no readable amu-export-report\.json/);
  const earlier = path.join(work, 'earlier');
  expect((await runAmu(['kvms', 'export', '--export-dir', earlier, '--tgt', 'maven'], base())).code).toBe(0);
  const report = JSON.parse(await readFile(path.join(earlier, 'amu-export-report.json'), 'utf8'));
  expect(report.written).toEqual(['amu-export-report.json', 'org/kvms.json']);
  await writeFile(path.join(earlier, 'org', 'added-by-user.json'), '{}');
  await refused(earlier, /holds 1 file\(s\) or folder\(s\) amu did not write/);
  expect(await readFile(path.join(earlier, 'org', 'added-by-user.json'), 'utf8')).toBe('{}');
  await rm(path.join(earlier, 'org', 'added-by-user.json'));
  await mkdir(path.join(earlier, 'empty-folder'));
  await refused(earlier, /holds 1 file\(s\) or folder\(s\) amu did not write/);
  await rm(path.join(earlier, 'empty-folder'), { recursive: true });
  const replaced = await runAmu(['kvms', 'export', '--export-dir', earlier, '--overwrite'], base());
  expect(replaced.code).toBe(0);
  expect((await readdir(earlier)).sort()).toEqual(['amu-export-report.json', 'import-kvms.sh', 'org__K__kvmfile__0.json']);
});

test('an export folder that is a file is exit 2', async () => {
  const file = path.join(work, 'a-file');
  await writeFile(file, 'x');
  const r = await runAmu(['kvms', 'export', '--export-dir', file, '--overwrite'], base());
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/is a file, not a folder/);
  expect(await readFile(file, 'utf8')).toBe('x');
});

describe('one export per folder at a time', () => {
  test('two exports into one folder at once: one succeeds, the other fails clearly (exit 5)', async () => {
    const out = path.join(work, 'concurrent');
    const runs = await Promise.all([runAmu(['kvms', 'export', '--export-dir', out], base()), runAmu(['kvms', 'export', '--export-dir', out], base())]);
    const codes = runs.map((r) => r.code).sort();
    expect(codes).toEqual([0, 5]);
    expect(runs.find((r) => r.code === 5)!.stderr).toMatch(/another amu run is writing the export folder .* it holds the lock/);
    expect((await readdir(out)).sort()).toEqual(['amu-export-report.json', 'import-kvms.sh', 'org__K__kvmfile__0.json']);
    await expect(stat(lockPathFor(out))).rejects.toThrow(/ENOENT/);
  });

  test("a lock of a live process is respected; a dead process's lock on this host is taken over with a message", async () => {
    const out = path.join(work, 'locked');
    const lock = lockPathFor(out);
    const sleeper = spawn('sleep', ['30']);
    try {
      await writeFile(lock, JSON.stringify({ pid: sleeper.pid, host: thisHost(), startedAt: 'earlier' }));
      const busy = await runAmu(['kvms', 'export', '--export-dir', out], base());
      expect(busy.code).toBe(5);
      expect(busy.stderr).toContain(`Held by process ${sleeper.pid} on host ${thisHost()}`);
      await writeFile(lock, JSON.stringify({ pid: 4242, host: 'other-host', startedAt: 'earlier' }));
      expect((await runAmu(['kvms', 'export', '--export-dir', out], base())).code).toBe(5);
    } finally {
      sleeper.kill('SIGKILL');
    }
    const dead = spawn('true');
    await new Promise((resolve) => dead.on('exit', resolve));
    await writeFile(lock, JSON.stringify({ pid: dead.pid, host: thisHost(), startedAt: 'earlier' }));
    const r = await runAmu(['kvms', 'export', '--export-dir', out], base());
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`took over the lock .*amu process ${dead.pid} that held it .* is no longer running`));
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });
});
