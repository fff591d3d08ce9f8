#!/usr/bin/env node
// Bench of `amu kvms import` against the fake Apigee API with a quota: entries/s and the share of the quota's ceiling used.
// Run by `npm run bench` (after the export and emigrate figures) or alone: `npm run build && npm run build:support && node scripts/bench-import.mjs`.
// BENCH_IMPORT_ENTRIES (default 100000), BENCH_IMPORT_QUOTA (calls per window, default 600), BENCH_IMPORT_WINDOW_MS
// (default 6000): Apigee's 6,000 calls a minute, the window compressed to 6 s (same rate, ten times as many window
// edges to cross); at 100 calls/s, 100k entries take about 17 minutes, whatever the window.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const KEK = '14dadc9f2e3e0d3cc774f07f5a0357f1';

/** Test kit compiled into build/ by `npm run build:support` (the fake Apigee API and the dump generator are not shipped). */
const support = (name) => import(pathToFileURL(path.join(root, 'build', 'test', 'support', name)).href);

async function writeDump(dir, entries) {
  const { seededRandomBytes, syntheticEdgeDumpLines } = await support('edgeDump.js');
  const scopes = [{ kind: 'org' }, { kind: 'env', env: 'prod' }, { kind: 'env', env: 'test' }, { kind: 'proxy', proxy: 'orders' }];
  const entriesPerKvm = 1000;
  const spec = { org: 'bench', scopes, kvmsPerScope: Math.ceil(entries / entriesPerKvm / scopes.length), entriesPerKvm, valueBytes: 32 };
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(path.join(dir, 'bench-kvms.out'));
  for (const line of syntheticEdgeDumpLines({ ...spec, kek: Buffer.from(KEK, 'hex'), rng: seededRandomBytes('bench-import') })) {
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return spec.kvmsPerScope * scopes.length * entriesPerKvm;
}

export async function benchImport() {
  const entriesWanted = Number(process.env.BENCH_IMPORT_ENTRIES ?? 100_000);
  const calls = Number(process.env.BENCH_IMPORT_QUOTA ?? 600);
  const windowMs = Number(process.env.BENCH_IMPORT_WINDOW_MS ?? 6000);
  const benchDir = path.join(root, 'bench-out', 'import');
  await rm(benchDir, { recursive: true, force: true });
  const { FakeApigeeApi } = await support('fakeApigeeApi.js');
  const entries = await writeDump(path.join(benchDir, 'emigrate'), entriesWanted);
  const token = 'ya29.bench-token';
  const fake = new FakeApigeeApi({ tokens: [token], quota: { calls, windowMs } });
  fake.addOrg('bench-x', ['prod', 'test'], ['orders']);
  await fake.start();
  try {
    const env = { ...process.env, API_URL: fake.url, APIGEE_TOKEN: token, KEK, SRC: 'opdk', ORG: 'bench', EMIGRATE_DIR: path.join(benchDir, 'emigrate'), TGT_ORG: 'bench-x' };
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [path.join(root, 'bin', 'amu'), 'kvms', 'import', '--quiet', '--concurrency', '32'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const [code] = await once(child, 'exit');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) throw new Error(`amu kvms import exited with ${code}`);
    if (fake.entryCount('bench-x') !== entries) throw new Error(`the fake holds ${fake.entryCount('bench-x')} entries, not ${entries}`);
    const accepted = fake.stats.requests - fake.stats.quotaRejections;
    const ceiling = (calls / windowMs) * 1000;
    const ratio = accepted / seconds / ceiling;
    console.log(
      `kvms import ${String(entries).padStart(8)} entries, quota ${calls} calls per ${windowMs / 1000} s (Apigee's 6,000/min, window compressed): ` +
        `${seconds.toFixed(1)} s, ${Math.round(entries / seconds).toLocaleString('en-US')} entries/s, ${accepted} calls accepted ` +
        `(${(ratio * 100).toFixed(1)}% of the quota's ceiling of ${ceiling.toFixed(0)} calls/s), ${fake.stats.quotaRejections} rejected for quota, ` +
        `${fake.stats.repeatedQuotaRejections} rejected twice in a row`,
    );
    console.log(`target: >= 90% of the quota ceiling: ${ratio >= 0.9 ? 'met' : 'NOT met'}; no call rejected twice in a row: ${fake.stats.repeatedQuotaRejections === 0 ? 'met' : 'NOT met'}`);
    return { entries, seconds, ratio, repeated: fake.stats.repeatedQuotaRejections };
  } finally {
    await fake.stop();
    await rm(benchDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await benchImport();
