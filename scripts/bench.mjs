#!/usr/bin/env node
// `npm run bench`: times `amu kvms export` on generated encrypted Edge dumps of 100k and 1M entries (entries/s, peak RSS),
// `amu kvms emigrate` over CQL against amu's CQL protocol test server (rows/s), and `amu kvms import` (bench-import.mjs).
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { seededRandomBytes, syntheticEdgeDumpLines } = await import(path.join(root, 'build', 'test', 'support', 'edgeDump.js'));
const { CqlProtocolServer } = await import(path.join(root, 'build', 'test', 'support', 'cqlProtocolServer.js'));
const { values: opts } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    targets: { type: 'string', default: 'apigeecli,maven' },
    'cql-rows': { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
  },
});

const KEK = '14dadc9f2e3e0d3cc774f07f5a0357f1';
const ENTRIES_PER_KVM = 1000;
const benchDir = path.join(root, 'bench-out');
const scopes = [{ kind: 'org' }, { kind: 'env', env: 'prod' }, { kind: 'env', env: 'test' }, { kind: 'proxy', proxy: 'orders' }];

/** Writes the dump once per size; later runs reuse it (the spec is recorded beside it). */
async function ensureDump(entries) {
  const dir = path.join(benchDir, `dump-${entries}`);
  const file = path.join(dir, 'bench-kvms.out');
  const spec = { org: 'bench', scopes, kvmsPerScope: Math.ceil(entries / ENTRIES_PER_KVM / scopes.length), entriesPerKvm: ENTRIES_PER_KVM, valueBytes: 32 };
  const specFile = path.join(dir, 'spec.json');
  if (existsSync(file) && existsSync(specFile) && readFileSync(specFile, 'utf8') === JSON.stringify(spec)) return { dir, file, spec };
  await mkdir(dir, { recursive: true });
  const out = createWriteStream(file);
  for (const line of syntheticEdgeDumpLines({ ...spec, kek: Buffer.from(KEK, 'hex'), rng: seededRandomBytes('bench') })) {
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await writeFile(specFile, JSON.stringify(spec));
  return { dir, file, spec };
}

/** Peak resident set (VmHWM) of a running process, from /proc. */
function peakRssKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Runs bin/amu as a separate process, sampling its peak RSS; returns seconds and MB. */
async function timeAmu(args, env) {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(root, 'bin', 'amu'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, peakRssKb(child.pid))), 20);
  const [code] = await once(child, 'exit');
  clearInterval(timer);
  if (code !== 0) throw new Error(`amu ${args.slice(0, 2).join(' ')} exited with ${code}`);
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, peakMb: peak / 1024 };
}

/** Hybrid kvm_map_entry rows (one per entry) served by the in-process CQL server; amu emigrate reads them over CQL. */
async function timeCqlEmigrate(rowCount) {
  const when = new Date('2024-01-01T00:00:00Z');
  const value = 'A'.repeat(44);
  const entries = Array.from({ length: rowCount }, (_, i) => ['bench', `environments###env${i % 4}`, `map${Math.floor(i / 100)}`, 1, `key${i}`, when, 'amu', null, null, value]);
  const descriptors = Array.from({ length: Math.ceil(rowCount / 100) }, (_, m) => ['bench', `environments###env${(m * 100) % 4}`, `map${m}`, null, when, 'amu', null, null, 1]);
  const text = (name) => ({ name, type: 'text' });
  const server = await CqlProtocolServer.start({
    tables: [
      { keyspace: 'kvm_bench_hybrid', table: 'kvm_map_entry', partitionKey: ['tid', 'a_scp', 'map', 'ver', 'key'], columns: [text('tid'), text('a_scp'), text('map'), { name: 'ver', type: 'int' }, text('key'), { name: 'c_at', type: 'timestamp' }, text('c_by'), { name: 'u_at', type: 'timestamp' }, text('u_by'), text('val')], rows: entries },
      { keyspace: 'kvm_bench_hybrid', table: 'kvm_map_descriptor', partitionKey: ['tid', 'a_scp'], clusteringKey: ['map'], columns: [text('tid'), text('a_scp'), text('map'), text('attr'), { name: 'c_at', type: 'timestamp' }, text('c_by'), { name: 'u_at', type: 'timestamp' }, text('u_by'), { name: 'ver', type: 'int' }], rows: descriptors },
    ],
  });
  const dir = path.join(benchDir, 'cql-emigrate');
  await rm(dir, { recursive: true, force: true });
  try {
    const args = ['kvms', 'emigrate', '--src', 'hybrid', '--reader', 'cql', '--org', 'bench', '--emigrate-dir', dir, '--cass-ip', '127.0.0.1', '--cql-port', String(server.port), '--no-cass-tls', '--quiet'];
    const { seconds, peakMb } = await timeAmu(args, {});
    const rows = rowCount + descriptors.length;
    console.log(`kvms emigrate over CQL   ${String(rows).padStart(8)} rows (page size 5000, server in the bench process): ${seconds.toFixed(2)} s, ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s, peak RSS ${peakMb.toFixed(0)} MB`);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Median time of `runs` exports (the machine's timing noise is of the order of 0.1 s), and the largest peak RSS. */
async function timeExport(dump, target, runs) {
  const exportDir = path.join(benchDir, `export-${target}`);
  const args = ['kvms', 'export', '--src', 'opdk', '--org', 'bench', '--emigrate-dir', dump.dir, '--export-dir', exportDir, '--tgt', target, '--quiet'];
  const results = [];
  for (let i = 0; i < runs; i++) {
    await rm(exportDir, { recursive: true, force: true });
    results.push(await timeAmu(args, { KEK }));
  }
  await rm(exportDir, { recursive: true, force: true });
  const times = results.map((r) => r.seconds).sort((a, b) => a - b);
  return { seconds: times[Math.floor(times.length / 2)], peakMb: Math.max(...results.map((r) => r.peakMb)) };
}

/** Node.js and amu start-up alone (`amu --version`), median of 5: the fixed part of every run. */
async function startupSeconds() {
  const times = [];
  for (let i = 0; i < 5; i++) times.push((await timeAmu(['--version'], {})).seconds);
  return times.sort((a, b) => a - b)[2];
}

const startup = await startupSeconds();
console.log(`start-up (amu --version): ${startup.toFixed(2)} s, part of every figure below`);
const rows = [];
for (const size of opts.sizes.split(',').map(Number)) {
  const dump = await ensureDump(size);
  // Read the dump once untimed, so that every target is timed with the file in the page cache.
  for await (const chunk of createReadStream(dump.file)) void chunk;
  const entries = dump.spec.kvmsPerScope * scopes.length * ENTRIES_PER_KVM;
  const mb = statSync(dump.file).size / 1e6;
  for (const target of opts.targets.split(',')) {
    const { seconds, peakMb } = await timeExport(dump, target, Number(opts.runs));
    rows.push({ entries, mb, target, seconds, rate: entries / seconds, peakMb });
    const steady = Math.round(entries / Math.max(seconds - startup, 0.001)).toLocaleString('en-US');
    console.log(`kvms export --tgt ${target.padEnd(9)} ${String(entries).padStart(8)} entries (${mb.toFixed(0)} MB dump): median ${seconds.toFixed(2)} s of ${opts.runs}, ${Math.round(entries / seconds).toLocaleString('en-US')} entries/s (${steady} after start-up), peak RSS ${peakMb.toFixed(0)} MB`);
  }
}

await timeCqlEmigrate(Number(opts['cql-rows']));

const big = rows.filter((r) => r.entries >= 1_000_000);
const slowest = Math.min(...rows.map((r) => r.rate));
console.log(`\ntarget: >= 200,000 entries/s: ${slowest >= 200_000 ? 'met' : 'NOT met'} (slowest ${Math.round(slowest).toLocaleString('en-US')})`);
if (big.length > 0) {
  const worst = Math.max(...big.map((r) => r.peakMb));
  console.log(`target: peak RSS < 300 MB at 1M entries: ${worst < 300 ? 'met' : 'NOT met'} (worst ${worst.toFixed(0)} MB)`);
}

// kvms import against the fake Apigee API with a quota: its own section in scripts/bench-import.mjs.
const { benchImport } = await import('./bench-import.mjs');
await benchImport();
