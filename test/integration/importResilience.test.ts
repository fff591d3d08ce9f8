// amu kvms import under pressure: quota 429s with Retry-After, transient 503s, answers lost after a write, Ctrl-C and SIGKILL.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAmu } from '../support/runAmu.js';
import { FakeApigeeApi } from '../support/fakeApigeeApi.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type EdgeKvmSpec } from '../support/edgeDump.js';
import type { ImportSummary } from '../../src/import/summary.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kek = Buffer.from('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', 'hex');
const TOKEN = 'ya29.resilience-token';
const entries = (prefix: string, n: number) => Array.from({ length: n }, (_v, i) => ({ name: `${prefix}${i}`, value: `{"n": ${i}, "s": "${prefix}"}` }));
const kvms: EdgeKvmSpec[] = [
  { scope: { kind: 'org' }, name: 'orgKvm', encrypted: true, entries: entries('o', 60) },
  { scope: { kind: 'env', env: 'prod' }, name: 'prodKvm', encrypted: true, entries: entries('p', 100) },
  { scope: { kind: 'env', env: 'prod' }, name: 'small', encrypted: true, entries: entries('s', 3) },
];
const TOTAL = 163;

describe('amu kvms import: quota, failures and interruptions', () => {
  let work: string;
  let dumpDir: string;
  let counter = 0;
  const fakes: FakeApigeeApi[] = [];

  async function startFake(options: ConstructorParameters<typeof FakeApigeeApi>[0] = {}): Promise<{ fake: FakeApigeeApi; tgt: string }> {
    const fake = new FakeApigeeApi({ tokens: [TOKEN], ...options });
    fakes.push(fake);
    await fake.start();
    const tgt = `org-${++counter}`;
    fake.addOrg(tgt, ['prod'], []);
    return { fake, tgt };
  }
  const env = (fake: FakeApigeeApi, tgt: string) => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dumpDir, API_URL: fake.url, APIGEE_TOKEN: TOKEN, TGT_ORG: tgt });
  async function importJson(fake: FakeApigeeApi, tgt: string, args: string[] = [], signal?: AbortSignal) {
    const r = await runAmu(['kvms', 'import', '--json', ...args], env(fake, tgt), process.cwd(), signal);
    return { run: r, summary: (r.stdout ? JSON.parse(r.stdout) : undefined) as ImportSummary };
  }
  function expectAllThere(fake: FakeApigeeApi, tgt: string): void {
    expect(fake.entryCount(tgt)).toBe(TOTAL);
    expect(fake.entriesOf(tgt, 'env:prod', 'prodKvm')!.p42).toBe('{"n": 42, "s": "p"}');
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-import-res-'));
    dumpDir = path.join(work, 'emigrate');
    await mkdir(dumpDir);
    await writeFile(path.join(dumpDir, 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, kvms, seededRandomBytes('resilience'))));
  });
  afterAll(async () => {
    for (const f of fakes) await f.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('quota (429 with Retry-After): the import waits for the next window; no call is rejected twice in a row', async () => {
    const { fake, tgt } = await startFake({ quota: { calls: 60, windowMs: 1000 } });
    const { run, summary } = await importJson(fake, tgt);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expectAllThere(fake, tgt);
    expect(fake.stats.quotaRejections).toBeGreaterThan(0);
    expect(fake.stats.repeatedQuotaRejections).toBe(0);
    expect(summary.calls.quotaWaits).toBe(fake.stats.quotaRejections);
  });

  test('quota without Retry-After: exponential pauses until the quota lets calls through', async () => {
    const { fake, tgt } = await startFake({ quota: { calls: 80, windowMs: 1000, retryAfter: false } });
    const { run } = await importJson(fake, tgt);
    expect(run.code).toBe(0);
    expectAllThere(fake, tgt);
    expect(fake.stats.quotaRejections).toBeGreaterThan(0);
  });

  test('transient 503s are retried (fewer calls at once), and every entry arrives once', async () => {
    const { fake, tgt } = await startFake();
    let n = 0;
    fake.inject = (method) => (method === 'POST' && ++n % 7 === 0 ? { code: 503 } : undefined);
    const { run, summary } = await importJson(fake, tgt);
    expect(run.code).toBe(0);
    expectAllThere(fake, tgt);
    expect(fake.stats.injectedFailures).toBeGreaterThan(10);
    expect(summary.entries.created).toBe(TOTAL);
    expect(summary.calls.unavailable).toBe(fake.stats.injectedFailures);
  });

  test('a POST that landed but whose answer was lost is retried, gets 409, is read back and counted once', async () => {
    const { fake, tgt } = await startFake();
    let n = 0;
    fake.loseAnswer = (method, p) => method === 'POST' && p.endsWith('/entries') && ++n % 10 === 0;
    const { run, summary } = await importJson(fake, tgt);
    expect(run.code).toBe(0);
    expectAllThere(fake, tgt);
    expect(fake.stats.lostAnswers).toBeGreaterThan(10);
    expect(summary.entries).toMatchObject({ created: TOTAL, updated: 0, failed: 0 });
  });

  test('a permanent error on some entries is counted and listed: exit 6; a rerun finishes the rest', async () => {
    const { fake, tgt } = await startFake();
    fake.inject = (method, p) => (method === 'POST' && p.endsWith('/keyvaluemaps/small/entries') ? { code: 400 } : undefined);
    const first = await importJson(fake, tgt);
    expect(first.run.code).toBe(6);
    expect(first.summary.entries.failed).toBe(3);
    expect(first.summary.failures[0]).toMatchObject({ scope: 'env prod', kvm: 'small', entry: expect.stringMatching(/^s\d$/) });
    expect(first.run.stderr).toMatch(/the import is incomplete: 3 entr\(ies\) failed/);
    fake.inject = undefined;
    const second = await importJson(fake, tgt);
    expect(second.run.code).toBe(0);
    expect(second.summary.entries).toMatchObject({ created: 3, unchanged: TOTAL - 3 });
  });

  test('Ctrl-C stops the import (exit 130) and the rerun does only what is left', async () => {
    const { fake, tgt } = await startFake({ latencyMs: 5 });
    const controller = new AbortController();
    fake.inject = () => {
      if (fake.stats.writes >= 40) controller.abort(new Error('SIGINT'));
      return undefined;
    };
    const first = await importJson(fake, tgt, ['--concurrency', '2'], controller.signal);
    expect(first.run.code).toBe(130);
    expect(first.run.stderr).toMatch(/import interrupted after [1-9]\d* change\(s\); run the same command again: it does only what is left/);
    fake.inject = undefined;
    const done = fake.entryCount(tgt);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(TOTAL);
    const second = await importJson(fake, tgt);
    expect(second.run.code).toBe(0);
    expect(second.summary.entries.created + second.summary.entries.unchanged).toBe(TOTAL);
    // A call cut off by Ctrl-C may still land on the server after amu returned: at least what was there is unchanged.
    expect(second.summary.entries.unchanged).toBeGreaterThanOrEqual(done);
    expectAllThere(fake, tgt);
  });

  test('Ctrl-C during a long quota pause (Retry-After 60 s) stops at once', async () => {
    const { fake, tgt } = await startFake();
    const controller = new AbortController();
    fake.inject = (method) => {
      if (method !== 'POST' || fake.stats.writes < 20) return undefined;
      setTimeout(() => controller.abort(new Error('SIGINT')), 200);
      return { code: 429, retryAfter: 60 };
    };
    const started = Date.now();
    const { run } = await importJson(fake, tgt, [], controller.signal);
    expect(run.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(10_000);
    fake.inject = undefined;
  });

  test('SIGKILL mid-import: the rerun completes without writing anything twice', async () => {
    const { fake, tgt } = await startFake({ latencyMs: 10 });
    const child = spawn(process.execPath, [path.join(root, 'bin', 'amu'), 'kvms', 'import', '--concurrency', '2', '--quiet'], {
      env: { PATH: process.env.PATH, ...env(fake, tgt) },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    fake.inject = () => {
      if (fake.stats.writes >= 30 && !child.killed) child.kill('SIGKILL');
      return undefined;
    };
    expect(await exited).toBe('SIGKILL');
    fake.inject = undefined;
    // Requests the server had already received finish within its latency; after that nothing can arrive.
    await new Promise((r) => setTimeout(r, 200));
    const done = fake.entryCount(tgt);
    expect(done).toBeLessThan(TOTAL);
    const writesBefore = fake.stats.writes;
    const { run, summary } = await importJson(fake, tgt);
    expect(run.code).toBe(0);
    expectAllThere(fake, tgt);
    expect(summary.entries.unchanged).toBe(done);
    expect(fake.stats.writes - writesBefore).toBe(TOTAL - done + summary.kvms.created);
  });
});
