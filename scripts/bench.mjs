#!/usr/bin/env node
// `npm run bench`: times `amu kvms export` (and `kvms verify`) on generated org shapes, Edge and hybrid, for both targets.
//
// Each shape's dump is generated once into bench-out/ (reused while its spec is unchanged). Every run is a separate
// process under /usr/bin/time: wall seconds, CPU seconds (user+sys) and peak RSS of the amu process itself.
// The machine may be shared: wall figures are noisy, CPU seconds less so.
//
// Also times `amu kvms emigrate --reader cql` against amu's CQL protocol test server (shape emigrate-cql-100k) and,
// only when named (--shape import-100k, about 17 minutes), `amu kvms import` (scripts/bench-import.mjs).
//
// Usage: npm run bench [-- --shape edge-10k-x100[,hybrid-cql-1m]] [--targets apigeecli,maven] [--runs 1]
//        [--verify] [--amu /path/to/bin/amu (another build, e.g. the base commit's, for before/after)]
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { seededRandomBytes, syntheticEdgeDumpLines } = await import(path.join(root, 'build', 'test', 'support', 'edgeDump.js'));
const { hybridBenchLines } = await import(path.join(root, 'scripts', 'dev', 'hybridDump.mjs'));
const { CqlProtocolServer } = await import(path.join(root, 'build', 'test', 'support', 'cqlProtocolServer.js'));
const { values: opts } = parseArgs({
  options: {
    shape: { type: 'string' },
    targets: { type: 'string', default: 'apigeecli,maven' },
    runs: { type: 'string', default: '1' },
    verify: { type: 'boolean', default: false },
    amu: { type: 'string', default: path.join(root, 'bin', 'amu') },
  },
});

const KEK = '14dadc9f2e3e0d3cc774f07f5a0357f1';
const HYBRID_KEY = '00112233445566778899aabbccddeeff';
const benchDir = path.join(root, 'bench-out');
const fourScopes = [{ kind: 'org' }, { kind: 'env', env: 'prod' }, { kind: 'env', env: 'test' }, { kind: 'proxy', proxy: 'orders' }];
const twoScopes = [{ kind: 'env', env: 'prod' }, { kind: 'env', env: 'test' }];

/** The shapes of the issue: many mid-size KVMs, few huge ones, many tiny ones, large values (and the first as an Edge CQL dump); hybrid 1M rows. */
const SHAPES = {
  'edge-10k-x100': { src: 'opdk', scopes: fourScopes, kvmsPerScope: 2500, entriesPerKvm: 100, valueBytes: 32 },
  'edge-10-x100k': { src: 'opdk', scopes: twoScopes, kvmsPerScope: 5, entriesPerKvm: 100_000, valueBytes: 32 },
  'edge-100k-x10': { src: 'opdk', scopes: fourScopes, kvmsPerScope: 25_000, entriesPerKvm: 10, valueBytes: 32 },
  'edge-200k-2kb': { src: 'opdk', scopes: fourScopes, kvmsPerScope: 500, entriesPerKvm: 100, valueBytes: 2048 },
  'edge-cql-10k-x100': { src: 'opdk', format: 'cql', scopes: fourScopes, kvmsPerScope: 2500, entriesPerKvm: 100, valueBytes: 32 },
  'hybrid-cqlsh-1m': { src: 'hybrid', format: 'cqlsh', maps: 10_000, entriesPerMap: 100, valueBytes: 32 },
  'hybrid-cql-1m': { src: 'hybrid', format: 'cql', maps: 10_000, entriesPerMap: 100, valueBytes: 32 },
  'emigrate-cql-100k': { src: 'cql-server', rows: 100_000 },
};

async function writeLines(file, lines) {
  const out = createWriteStream(file);
  let batch = '';
  for (const line of lines) {
    batch += line;
    if (batch.length > 1 << 20) {
      if (!out.write(batch)) await once(out, 'drain');
      batch = '';
    }
  }
  out.end(batch);
  await once(out, 'finish');
}

/** The records of cassandra-cli dump lines as an amu CQL dump of keyvaluemaps_r21 (what `emigrate --reader cql` writes). */
async function writeEdgeCqlDump(file, lines) {
  const { parseRecord } = await import(path.join(root, 'dist', 'dumps', 'edgeCliDump.js'));
  const { CqlDumpWriter } = await import(path.join(root, 'dist', 'dumps', 'cqlDumpFormat.js'));
  const { edgeKvmSpec } = await import(path.join(root, 'dist', 'emigrate', 'cql.js'));
  const spec = edgeKvmSpec('bench');
  const text = (name) => ({ name, type: 'text' });
  const header = { source: spec.source, keyspace: spec.keyspace, table: spec.table, columns: [text('column1'), text('value')], query: spec.query, params: spec.params.map(String), startedAt: '2026-01-01T00:00:00.000Z' };
  const writer = await CqlDumpWriter.create(file, header);
  let rows = [];
  let lineNo = 0;
  for (const chunk of lines) {
    for (const line of chunk.split('\n')) {
      lineNo++;
      if (!line.startsWith('=> (')) continue;
      const column = parseRecord(line, 'bench', lineNo);
      rows.push([column.name, column.value]);
      if (rows.length >= 1000) {
        await writer.writeRows(rows);
        rows = [];
      }
    }
  }
  if (rows.length > 0) await writer.writeRows(rows);
  await writer.finish();
}

/** Writes a shape's dump once; later runs reuse it (the spec is recorded beside it). */
async function ensureDump(name) {
  const spec = SHAPES[name];
  const dir = path.join(benchDir, `dump-${name}`);
  const file = path.join(dir, 'bench-kvms.out');
  const specFile = path.join(dir, 'spec.json');
  const entries = spec.src === 'opdk' ? spec.scopes.length * spec.kvmsPerScope * spec.entriesPerKvm : spec.maps * spec.entriesPerMap;
  if (existsSync(file) && existsSync(specFile) && readFileSync(specFile, 'utf8') === JSON.stringify(spec)) return { dir, file, spec, entries };
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const started = Date.now();
  if (spec.src === 'opdk' && spec.format === 'cql') {
    await writeEdgeCqlDump(file, syntheticEdgeDumpLines({ org: 'bench', ...spec, kek: Buffer.from(KEK, 'hex'), rng: seededRandomBytes('bench') }));
  } else if (spec.src === 'opdk') {
    await writeLines(file, syntheticEdgeDumpLines({ org: 'bench', ...spec, kek: Buffer.from(KEK, 'hex'), rng: seededRandomBytes('bench') }));
  } else {
    const { entryLines, descriptorLines } = hybridBenchLines({ ...spec, key: Buffer.from(HYBRID_KEY, 'hex') });
    await writeLines(file, entryLines());
    await writeLines(path.join(dir, 'bench-kvm-descriptors.out'), descriptorLines());
  }
  await writeFile(specFile, JSON.stringify(spec));
  console.log(`(generated ${name}: ${(statSync(file).size / 1e6).toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return { dir, file, spec, entries };
}

/** Runs amu under /usr/bin/time: wall and CPU seconds and peak RSS of amu itself. */
async function timeAmu(args, env) {
  const stats = path.join(os.tmpdir(), `amu-bench-time-${process.pid}`);
  const child = spawn('/usr/bin/time', ['-o', stats, '-f', '%e %U %S %M', process.execPath, opts.amu, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const [code] = await once(child, 'exit');
  const [wall, user, sys, maxKb] = readFileSync(stats, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  await rm(stats, { force: true });
  if (code !== 0) throw new Error(`amu ${args.slice(0, 2).join(' ')} exited with ${code}`);
  return { seconds: wall, cpu: user + sys, peakMb: maxKb / 1024 };
}

/** Reads a dump into the page cache: every run reads it warm, as right after emigrate. */
async function warm(file) {
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) void chunk;
}

/**
 * Drops the kernel's clean caches (root only; false where not allowed). Why: on ext4 without a journal (this VM's
 * disk), creating a file looks at each free inode's table block when it is still cached, to skip inodes deleted
 * moments ago; after the previous run's 100k files were removed, that made creating 100k new ones take 8-25 s of
 * kernel time instead of 2-3 s, which measured the last `rm`, not amu.
 */
function dropCaches() {
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

function median(results) {
  const sorted = [...results].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor(sorted.length / 2)];
}

function sourceArgs(dump) {
  if (dump.spec.src === 'opdk') return { args: ['--src', 'opdk', '--org', 'bench', '--emigrate-dir', dump.dir], env: { KEK } };
  return { args: ['--src', 'hybrid', '--org', 'bench', '--emigrate-dir', dump.dir], env: { DEK: HYBRID_KEY } };
}

/** Hybrid kvm_map_entry rows served by amu's CQL protocol test server in this process; amu emigrate reads them over CQL. */
async function runCqlEmigrate(name) {
  const rowCount = SHAPES[name].rows;
  const when = new Date('2024-01-01T00:00:00Z');
  const value = 'A'.repeat(44);
  const entries = Array.from({ length: rowCount }, (_, i) => ['bench', `environments###env${i % 4}`, `map${Math.floor(i / 100)}`, 1, `key${i}`, when, 'amu', null, null, value]);
  const descriptors = Array.from({ length: Math.ceil(rowCount / 100) }, (_, m) => ['bench', `environments###env${(m * 100) % 4}`, `map${m}`, null, when, 'amu', null, null, 1]);
  const text = (n) => ({ name: n, type: 'text' });
  // A hybrid Cassandra always asks for a user: given here (as env, never argv), amu needs no Kubernetes for it.
  const auth = { username: 'bench-dml', password: 'bench-dml-pw' };
  const server = await CqlProtocolServer.start({
    auth,
    tables: [
      { keyspace: 'kvm_bench_hybrid', table: 'kvm_map_entry', partitionKey: ['tid', 'a_scp', 'map', 'ver', 'key'], columns: [text('tid'), text('a_scp'), text('map'), { name: 'ver', type: 'int' }, text('key'), { name: 'c_at', type: 'timestamp' }, text('c_by'), { name: 'u_at', type: 'timestamp' }, text('u_by'), text('val')], rows: entries },
      { keyspace: 'kvm_bench_hybrid', table: 'kvm_map_descriptor', partitionKey: ['tid', 'a_scp'], clusteringKey: ['map'], columns: [text('tid'), text('a_scp'), text('map'), text('attr'), { name: 'c_at', type: 'timestamp' }, text('c_by'), { name: 'u_at', type: 'timestamp' }, text('u_by'), { name: 'ver', type: 'int' }], rows: descriptors },
    ],
  });
  const dir = path.join(benchDir, 'cql-emigrate');
  await rm(dir, { recursive: true, force: true });
  try {
    const args = ['kvms', 'emigrate', '--src', 'hybrid', '--reader', 'cql', '--org', 'bench', '--emigrate-dir', dir, '--cass-ip', '127.0.0.1', '--cql-port', String(server.port), '--no-cass-tls', '--quiet'];
    const r = await timeAmu(args, { CASS_USERNAME: auth.username, CASS_PASSWORD: auth.password });
    const rows = rowCount + descriptors.length;
    return { name, target: '-', verb: 'emigr.', entries: rows, unit: 'rows', mb: 0, ...r, rate: rows / r.seconds, mbps: 0 };
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function run(name, target, verb) {
  if (SHAPES[name].src === 'cql-server') return runCqlEmigrate(name);
  const dump = await ensureDump(name);
  await warm(dump.file);
  const exportDir = path.join(benchDir, `export-${name}-${target}`);
  const { args, env } = sourceArgs(dump);
  const exportArgs = ['kvms', 'export', ...args, '--export-dir', exportDir, '--tgt', target, '--quiet'];
  const results = [];
  for (let i = 0; i < Number(opts.runs); i++) {
    if (verb === 'export') await rm(exportDir, { recursive: true, force: true });
    else if (!existsSync(exportDir)) await timeAmu(exportArgs, env);
    // What the previous run left to the kernel (dirty pages, a removed tree's inodes) is done before timing this one.
    execFileSync('sync');
    if (verb === 'export' && dropCaches()) await warm(dump.file);
    const verbArgs = verb === 'export' ? exportArgs : ['kvms', 'verify', ...args, '--export-dir', exportDir, '--tgt', target, '--quiet'];
    results.push(await timeAmu(verbArgs, env));
  }
  if (verb === 'verify' || !opts.verify) await rm(exportDir, { recursive: true, force: true });
  const m = median(results);
  const peakMb = Math.max(...results.map((r) => r.peakMb));
  const mb = statSync(dump.file).size / 1e6;
  const unit = dump.spec.src === 'opdk' ? 'entries' : 'rows';
  return { name, target, verb, entries: dump.entries, unit, mb, ...m, peakMb, rate: dump.entries / m.seconds, mbps: mb / m.seconds };
}

function line(r) {
  const n = (x) => Math.round(x).toLocaleString('en-US');
  return (
    `${r.verb.padEnd(6)} ${r.name.padEnd(16)} ${r.target.padEnd(9)} ${n(r.entries).padStart(9)} ${r.unit.padEnd(7)} ${r.mb.toFixed(0).padStart(4)} MB: ` +
    `${r.seconds.toFixed(2).padStart(6)} s (cpu ${r.cpu.toFixed(2)} s)  ${n(r.rate).padStart(9)} ${r.unit}/s  ${r.mbps.toFixed(0).padStart(4)} MB/s  peak RSS ${r.peakMb.toFixed(0)} MB`
  );
}

/** The goals per shape: entries (or rows) per second, or MB/s of dump for the large values. */
const GOALS = {
  'edge-10k-x100': (r) => r.rate >= 500_000,
  'edge-10-x100k': (r) => r.rate >= 400_000,
  'edge-100k-x10': (r) => r.rate >= 250_000,
  'edge-200k-2kb': (r) => r.mbps >= 100,
  'edge-cql-10k-x100': (r) => r.rate >= 500_000,
  'hybrid-cqlsh-1m': (r) => r.rate >= 250_000,
  'hybrid-cql-1m': (r) => r.rate >= 250_000,
  'emigrate-cql-100k': () => true,
};

const named = opts.shape ? opts.shape.split(',') : Object.keys(SHAPES);
const importNamed = named.includes('import-100k');
const names = named.filter((name) => name !== 'import-100k');
for (const name of names) if (!SHAPES[name]) throw new Error(`unknown shape ${name}; shapes: ${Object.keys(SHAPES).join(', ')}`);
console.log(`amu: ${opts.amu}; ${os.cpus().length} cores, Node ${process.version}; load average ${os.loadavg()[0].toFixed(2)} at start`);
if (!dropCaches()) console.log('kernel caches cannot be dropped (not root): an export run right after a removed tree may be slower for that');
const rows = [];
for (const name of names) {
  for (const target of SHAPES[name].src === 'cql-server' ? ['-'] : opts.targets.split(',')) {
    for (const verb of opts.verify && SHAPES[name].src !== 'cql-server' ? ['export', 'verify'] : ['export']) {
      const r = await run(name, target, verb);
      rows.push(r);
      console.log(`${line(r)}  ${GOALS[name](r) ? 'goal met' : 'goal NOT met'}${r.peakMb < 300 ? '' : ' (RSS over 300 MB)'}`);
    }
  }
}
const worst = Math.max(...rows.map((r) => r.peakMb));
console.log(`\npeak RSS < 300 MB everywhere: ${worst < 300 ? 'met' : 'NOT met'} (worst ${worst.toFixed(0)} MB)`);

// kvms import against the fake Apigee API with a quota: its own section in scripts/bench-import.mjs, run when named.
if (importNamed) {
  const { benchImport } = await import('./bench-import.mjs');
  await benchImport();
}
