// A hard kill (SIGKILL) of a real amu process mid-export or mid-emigrate: the next run removes the dead run's leftovers and says so.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { runAmu } from '../support/runAmu.js';
import { makeFakeCassandraCli } from '../support/fakeCassandraCli.js';
import { formatCliDump, syntheticEdgeDumpLines, buildEdgeColumns, seededRandomBytes } from '../support/edgeDump.js';
import { processStart, thisHost } from '../../src/dumps/leftovers.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/amu');
const kek = Buffer.from('3f3e3d3c3b3a39383736353433323130', 'hex');
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'amu-killed-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** Starts bin/amu in its own process group (so the kill reaches its children too). */
function startAmu(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH, ...env }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Polls `dir` until a name matching `pattern` appears (and `ready` holds for it), or the child ends. */
async function waitFor(dir: string, pattern: RegExp, child: ChildProcess, ready: (p: string) => Promise<boolean> = async () => true): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`amu ended (exit ${child.exitCode}) before ${pattern} appeared`);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (pattern.test(name) && (await ready(path.join(dir, name)))) return name;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${pattern} did not appear in ${dir}`);
}

async function hardKill(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
}

test('export killed with SIGKILL leaves its staging folder; the next run removes it, says so, and exports', async () => {
  const emigrateDir = path.join(work, 'emigrate');
  await mkdir(emigrateDir);
  const dump = createWriteStream(path.join(emigrateDir, 'acme-kvms.out'));
  for (const line of syntheticEdgeDumpLines({ org: 'acme', kek, scopes: [{ kind: 'org' }], kvmsPerScope: 20_000, entriesPerKvm: 2, rng: seededRandomBytes('killed') })) {
    if (!dump.write(line)) await once(dump, 'drain');
  }
  dump.end();
  await once(dump, 'finish');
  const env = { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: emigrateDir, TGT: 'apigeecli' };
  const out = path.join(work, 'export');
  const child = startAmu(['kvms', 'export', '--export-dir', out], env);
  // Kill once the staging folder holds decrypted files: the worst moment.
  const staging = await waitFor(work, /^\.export\.amu-staging-/, child, async (p) => (await readdir(p).catch(() => [])).length > 10);
  await hardKill(child);
  expect(staging).toMatch(new RegExp(`^\\.export\\.amu-staging-${thisHost().replace(/[.]/g, '\\.')}-${child.pid}-\\d+-[0-9a-f]{8}$`));
  expect((await readdir(work)).sort()).toEqual(['.export.amu-lock', staging, 'emigrate'].sort());
  const again = await runAmu(['kvms', 'export', '--export-dir', out], env);
  expect(again.stderr).toContain(`took over the lock`);
  expect(again.stderr).toContain(`removed ${path.join(work, staging)}, left by amu process ${child.pid} that ended without cleaning up`);
  expect(again.code).toBe(0);
  expect((await readdir(work)).sort()).toEqual(['emigrate', 'export']);
  expect((await readdir(out)).filter((f) => f.endsWith('.json')).length).toBe(20_001);
}, 120_000);

test('emigrate killed with SIGKILL leaves a partial dump; the next run removes it and replaces nothing before it succeeds', async () => {
  const fake = makeFakeCassandraCli();
  const source = path.join(work, 'source.out');
  const columns = buildEdgeColumns(kek, [{ scope: { kind: 'org' }, name: 'K', encrypted: true, entries: [{ name: 'a', value: 'b' }] }], seededRandomBytes('k2'));
  await writeFile(source, formatCliDump('acme', columns));
  const dir = path.join(work, 'emigrate2');
  const env = (mode: string) => ({ PATH: fake.path, FAKE_CLI_MODE: mode, FAKE_CLI_DUMP: source, SRC: 'opdk', ORG: 'acme', EMIGRATE_DIR: dir });
  const child = startAmu(['kvms', 'emigrate'], env('slow'));
  const partial = await waitFor(dir, /^\.acme-kvms\.out\.amu-partial-/, child, async () => true);
  await hardKill(child);
  expect(await readdir(dir)).toEqual([partial]);
  const again = await runAmu(['kvms', 'emigrate'], env('ok'));
  expect(again.stderr).toContain(`removed ${path.join(dir, partial)}, left by amu process ${child.pid}`);
  expect(again.code).toBe(0);
  expect((await readdir(dir)).sort()).toEqual(['acme-kvms.out', 'acme-kvms.out.meta.json']);
}, 60_000);

test("leftovers of a live process or of another host are refused and named; a reused pid's are removed", async () => {
  const dir = path.join(work, 'emigrate3');
  await mkdir(dir);
  const sleeper = spawn('sleep', ['30']);
  await once(sleeper, 'spawn');
  const start = processStart(sleeper.pid!)!;
  const live = path.join(dir, `.acme-kvms.out.amu-partial-${thisHost()}-${sleeper.pid}-${start}-0123abcd`);
  const foreign = path.join(dir, '.acme-kvms.out.amu-partial-other-host.example-123-456-89abcdef');
  const reused = path.join(dir, `.acme-kvms.out.amu-partial-${thisHost()}-${sleeper.pid}-${start + 1}-fedcba98`);
  try {
    await writeFile(live, 'partial');
    await writeFile(foreign, 'partial');
    await writeFile(reused, 'partial');
    const r = await runAmu(['kvms', 'emigrate', '--cassandra-cli', '/bin/true'], { SRC: 'opdk', ORG: 'acme', EMIGRATE_DIR: dir });
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`${live} (amu process ${sleeper.pid} is still running)`);
    expect(r.stderr).toContain(`${foreign} (made on host other-host.example by process 123)`);
    expect(r.stderr).toContain(`removed ${reused}`);
    expect((await readdir(dir)).sort()).toEqual([path.basename(live), path.basename(foreign)].sort());
  } finally {
    sleeper.kill('SIGKILL');
  }
});
