// Hand-run throughput check of the Edge read path (readLines -> parseCliDump -> decodeRowValue -> decrypt) on a generated dump.
//
// Usage: npm run build:support && node scripts/dev/parse-throughput.mjs [--kvms 1000] [--entries 1000]
//        [--value-bytes 24] [--decrypt batch|single] [--file /tmp/x.out (kept, reused if present)]

import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readLines } from '../../build/src/dumps/lines.js';
import { parseCliDump } from '../../build/src/dumps/edgeCliDump.js';
import { decodeColumnName } from '../../build/src/kvm/edgeColumnNames.js';
import { decodeRowValue } from '../../build/src/dumps/edgeRowValue.js';
import { decryptEdgeValue, decryptEdgeValues, unwrapEdgeDek } from '../../build/src/keys/aesEcb.js';
import { scopeKey } from '../../build/src/kvm/model.js';
import { seededRandomBytes, syntheticEdgeDumpLines, syntheticPlainValue } from '../../build/test/support/edgeDump.js';

const { values: opts } = parseArgs({
  options: {
    kvms: { type: 'string', default: '1000' },
    entries: { type: 'string', default: '1000' },
    'value-bytes': { type: 'string', default: '24' },
    decrypt: { type: 'string', default: 'batch' },
    file: { type: 'string' },
  },
});
const kvms = Number(opts.kvms);
const entriesPerKvm = Number(opts.entries);
const valueBytes = Number(opts['value-bytes']);
const kek = Buffer.from('14dadc9f2e3e0d3cc774f07f5a0357f1', 'hex');
const scopes = [{ kind: 'env', env: 'prod' }, { kind: 'env', env: 'test' }, { kind: 'org' }, { kind: 'proxy', proxy: 'p1' }];

async function writeDump(path) {
  const out = createWriteStream(path);
  const spec = { org: 'bench', kek, scopes, kvmsPerScope: Math.ceil(kvms / scopes.length), entriesPerKvm, valueBytes, rng: seededRandomBytes('bench') };
  for (const line of syntheticEdgeDumpLines(spec)) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

async function readDump(path, decryptMode) {
  const deks = new Map();
  let lines = 0;
  let entries = 0;
  let checked = 0;
  const counted = (async function* () {
    for await (const line of readLines(createReadStream(path, { highWaterMark: 1 << 20 }), { source: path })) {
      lines++;
      yield line;
    }
  })();
  const dump = parseCliDump(counted, path);
  for await (const column of dump) {
    const { scope } = decodeColumnName(column.name);
    const row = decodeRowValue(column.value, `line ${column.lineNo}`);
    if (row.kind === 'keystore') {
      deks.set(scopeKey(scope), unwrapEdgeDek(kek, row.wrappedDek));
      continue;
    }
    const dek = deks.get(scopeKey(scope));
    const ciphertexts = row.entries.map((e) => e.value);
    const plain = decryptMode === 'single' ? ciphertexts.map((v) => decryptEdgeValue(dek, v)) : decryptEdgeValues(dek, ciphertexts);
    entries += plain.length;
    const kvmIndex = Number(row.name.slice(4));
    if (plain[0] !== syntheticPlainValue(kvmIndex, 0, valueBytes)) throw new Error(`wrong plaintext in ${row.name}`);
    checked++;
  }
  return { lines, entries, records: dump.stats.records, checked };
}

const dir = opts.file ? undefined : mkdtempSync(join(tmpdir(), 'amu-throughput-'));
const path = opts.file ?? join(dir, 'bench.out');
try {
  if (!existsSync(path)) {
    const t0 = performance.now();
    await writeDump(path);
    console.log(`generated ${path}: ${(statSync(path).size / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  }
  const rssBefore = process.resourceUsage().maxRSS;
  const t1 = performance.now();
  const r = await readDump(path, opts.decrypt);
  const s = (performance.now() - t1) / 1000;
  console.log(`read (${opts.decrypt} decrypt): ${r.lines} lines, ${r.records} records, ${r.entries} entries in ${s.toFixed(2)} s`);
  console.log(`  ${Math.round(r.lines / s)} lines/s, ${Math.round(r.entries / s)} entries/s, ${(statSync(path).size / 1e6 / s).toFixed(0)} MB/s`);
  console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (before reading: ${(rssBefore / 1024).toFixed(0)} MB)`);
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
