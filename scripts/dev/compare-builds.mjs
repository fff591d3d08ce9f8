// Checks that two builds of amu write byte-identical export trees (files, modes, report) for every shape and target.
//
// Usage: npm run build && npm run build:support && node scripts/dev/compare-builds.mjs --base /tmp/amu-base/bin/amu [--new bin/amu] [--scale 0.01]
// Make the base build with: mkdir /tmp/amu-base && git archive 6429c12 | tar -x -C /tmp/amu-base &&
//   ln -s $PWD/node_modules /tmp/amu-base/ && (cd /tmp/amu-base && npx tsc -p tsconfig.build.json)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
const { seededRandomBytes, syntheticEdgeDumpLines } = await import(path.join(root, 'build', 'test', 'support', 'edgeDump.js'));
const { hybridBenchLines } = await import(path.join(root, 'scripts', 'dev', 'hybridDump.mjs'));
const { values: opts } = parseArgs({
  options: { base: { type: 'string' }, new: { type: 'string', default: path.join(root, 'bin', 'amu') }, scale: { type: 'string', default: '0.01' } },
});
if (!opts.base) throw new Error('--base /path/to/base/bin/amu is required');
const scale = Number(opts.scale);
const KEK = '14dadc9f2e3e0d3cc774f07f5a0357f1';
const HYBRID_KEY = '00112233445566778899aabbccddeeff';
const scopes = [{ kind: 'org' }, { kind: 'env', env: 'prod' }, { kind: 'env', env: 'test' }, { kind: 'proxy', proxy: 'orders' }];
const n = (x) => Math.max(1, Math.round(x * scale));
const SHAPES = {
  'edge-10k-x100': { src: 'opdk', scopes, kvmsPerScope: n(2500), entriesPerKvm: 100, valueBytes: 32 },
  'edge-10-x100k': { src: 'opdk', scopes: scopes.slice(1, 3), kvmsPerScope: 5, entriesPerKvm: n(100_000), valueBytes: 32 },
  'edge-100k-x10': { src: 'opdk', scopes, kvmsPerScope: n(25_000), entriesPerKvm: 10, valueBytes: 32 },
  'edge-200k-2kb': { src: 'opdk', scopes, kvmsPerScope: n(500), entriesPerKvm: 100, valueBytes: 2048 },
  'edge-plain': { src: 'opdk', scopes, kvmsPerScope: n(500), entriesPerKvm: 20, valueBytes: 16, encrypted: false },
  'edge-empty-kvms': { src: 'opdk', scopes, kvmsPerScope: 3, entriesPerKvm: 0, valueBytes: 16 },
  'hybrid-cqlsh-1m': { src: 'hybrid', format: 'cqlsh', maps: n(10_000), entriesPerMap: 100, valueBytes: 32 },
  'hybrid-cql-1m': { src: 'hybrid', format: 'cql', maps: n(10_000), entriesPerMap: 100, valueBytes: 32 },
};

async function writeLines(file, lines) {
  const out = createWriteStream(file);
  for (const line of lines) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** The report records when it was written: that one field is left out of the comparison. */
function comparable(relative, bytes) {
  if (relative !== 'amu-export-report.json') return bytes;
  const report = JSON.parse(bytes.toString('utf8'));
  delete report.createdAt;
  return JSON.stringify(report, null, 2);
}

/** Path -> mode and SHA-256 of every file under dir (the report without its time). */
function treeOf(dir) {
  const tree = {};
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, entry.name);
      const full = path.join(dir, r);
      const mode = (statSync(full).mode & 0o777).toString(8);
      if (entry.isDirectory()) {
        tree[`${r}/`] = mode;
        walk(r);
      } else tree[r] = `${mode} ${createHash('sha256').update(comparable(r, readFileSync(full))).digest('hex')}`;
    }
  };
  walk('');
  return tree;
}

function exportWith(amu, args, env, out) {
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(process.execPath, [amu, 'kvms', 'export', ...args, '--export-dir', out, '--quiet'], { env: { ...process.env, ...env }, encoding: 'utf8' });
  const tree = r.status === 0 ? treeOf(out) : {};
  rmSync(out, { recursive: true, force: true });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, tree };
}

const work = mkdtempSync(path.join(os.tmpdir(), 'amu-compare-'));
let failures = 0;
try {
  for (const [name, spec] of Object.entries(SHAPES)) {
    const dir = path.join(work, name);
    await mkdir(dir);
    let args;
    let env;
    if (spec.src === 'opdk') {
      await writeLines(path.join(dir, 'bench-kvms.out'), syntheticEdgeDumpLines({ org: 'bench', ...spec, kek: Buffer.from(KEK, 'hex'), rng: seededRandomBytes(name) }));
      args = ['--src', 'opdk', '--org', 'bench', '--emigrate-dir', dir];
      env = { KEK };
    } else {
      const { entryLines, descriptorLines } = hybridBenchLines({ ...spec, key: Buffer.from(HYBRID_KEY, 'hex') });
      await writeLines(path.join(dir, 'bench-kvms.out'), entryLines());
      await writeLines(path.join(dir, 'bench-kvm-descriptors.out'), descriptorLines());
      args = ['--src', 'hybrid', '--org', 'bench', '--emigrate-dir', dir];
      env = { DEK: HYBRID_KEY };
    }
    const variants = [['--tgt', 'apigeecli'], ['--tgt', 'apigeecli', '--apigeecli-naming', 'legacy'], ['--tgt', 'maven'], ['--tgt', 'maven', '--maven-project']];
    for (const variant of variants) {
      const out = path.join(work, 'out');
      const a = exportWith(opts.base, [...args, ...variant], env, out);
      const b = exportWith(opts.new, [...args, ...variant], env, out);
      const same = JSON.stringify(a) === JSON.stringify(b);
      if (!same) failures++;
      console.log(`${same ? 'same     ' : 'DIFFERENT'} ${name} ${variant.join(' ')}: exit ${a.code}/${b.code}, ${Object.keys(a.tree).length} paths`);
      if (!same) {
        for (const key of new Set([...Object.keys(a.tree), ...Object.keys(b.tree)])) {
          if (a.tree[key] !== b.tree[key]) console.log(`  ${key}: ${a.tree[key]} / ${b.tree[key]}`);
        }
        if (a.stdout !== b.stdout || a.stderr !== b.stderr) console.log(`  output differs:\n${a.stdout}${a.stderr}\n---\n${b.stdout}${b.stderr}`);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
await writeFile(path.join(os.tmpdir(), 'amu-compare-result.txt'), failures === 0 ? 'same\n' : `${failures} different\n`);
console.log(failures === 0 ? 'all trees byte-identical' : `${failures} variant(s) differ`);
process.exit(failures === 0 ? 0 : 1);
