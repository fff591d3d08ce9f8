// A CQL line dump exports to the same tree as the equivalent cassandra-cli or cqlsh text dump; a cut CQL dump is refused.
import { createCipheriv } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type DumpColumn } from '../support/edgeDump.js';
import { formatCqlshTable } from '../support/cqlshTableFormat.js';
import { CqlDumpWriter } from '../../src/dumps/cqlDumpFormat.js';
import { edgeKvmSpec, hybridKvmSpecs } from '../../src/emigrate/cql.js';

/** Every file of an export tree with its content, the report left out (it names the dump). */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === 'amu-export-report.json') continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = await readFile(full, 'utf8');
  }
  return out;
}

async function writeCqlDump(file: string, spec: ReturnType<typeof edgeKvmSpec>, columns: { name: string; type: 'text' }[], rows: (string | null)[][]) {
  const writer = await CqlDumpWriter.create(file, {
    source: spec.source,
    keyspace: spec.keyspace,
    table: spec.table,
    columns,
    query: spec.query,
    params: spec.params.map(String),
    startedAt: new Date().toISOString(),
  });
  await writer.writeRows(rows);
  await writer.finish();
}

/** The same Edge columns as a cassandra-cli dump (in `<prefix>-text`) and as a CQL dump of text cells (in `<prefix>-cql`). */
async function writeEdgeTwins(prefix: string, columns: DumpColumn[]): Promise<{ textDir: string; cqlDir: string }> {
  const textDir = `${prefix}-text`;
  const cqlDir = `${prefix}-cql`;
  await mkdir(textDir);
  await mkdir(cqlDir);
  await writeFile(path.join(textDir, 'acme-kvms.out'), formatCliDump('acme', columns));
  await writeCqlDump(path.join(cqlDir, 'acme-kvms.out'), edgeKvmSpec('acme'), [{ name: 'column1', type: 'text' }, { name: 'value', type: 'text' }], columns.map((c) => [c.name, c.value]));
  return { textDir, cqlDir };
}

describe('a CQL dump exports to the same tree as the equivalent text dump', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-equiv-'));
  });

  test('Edge: CQL dump of keyvaluemaps_r21 vs cassandra-cli dump', async () => {
    const kek = Buffer.from('8899aabbccddeeff0011223344556677', 'hex');
    const columns = buildEdgeColumns(
      kek,
      [
        { scope: { kind: 'org' }, name: 'O', encrypted: true, entries: [{ name: 'a', value: 'x, value=y\n"z"' }] },
        { scope: { kind: 'env', env: 'prod' }, name: 'E', encrypted: false, entries: [{ name: 'b', value: '東京' }] },
        { scope: { kind: 'revision', proxy: 'p', revision: '2' }, name: 'R', encrypted: true, entries: [] },
      ],
      seededRandomBytes('equiv'),
    );
    const { textDir, cqlDir } = await writeEdgeTwins(path.join(work, 'edge'), columns);
    for (const tgt of ['apigeecli', 'maven']) {
      const env = { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), TGT: tgt };
      const a = await runAmu(['kvms', 'export', '--emigrate-dir', textDir, '--export-dir', path.join(work, `edge-text-${tgt}`)], env);
      const b = await runAmu(['kvms', 'export', '--emigrate-dir', cqlDir, '--export-dir', path.join(work, `edge-cql-${tgt}`)], env);
      expect([a.code, b.code]).toEqual([0, 0]);
      const expected = await tree(path.join(work, `edge-text-${tgt}`));
      expect(Object.keys(expected).length).toBeGreaterThan(1);
      expect(await tree(path.join(work, `edge-cql-${tgt}`))).toEqual(expected);
    }
  });

  test('Edge: a larger CQL dump (chunks, a row longer than a chunk, awkward text, a value that fails) vs its cassandra-cli twin, on 0 and 2 threads, and verify', async () => {
    const kek = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const specs = Array.from({ length: 400 }, (_, i) => ({
      scope: i % 4 === 0 ? { kind: 'org' as const } : i % 4 === 3 ? { kind: 'proxy' as const, proxy: 'p1' } : { kind: 'env' as const, env: i % 4 === 1 ? 'prod' : 'test' },
      name: `kvm${i}`,
      encrypted: i % 5 !== 0,
      entries: Array.from({ length: (i % 7) * 5 }, (_, j) => ({ name: `k${j} ü東 "q"`, value: `v${i}.${j}, value=x), timestamp=1 \\ \n 🚀 ${'x'.repeat((i * 37 + j) % 900)}` })),
    }));
    specs.push({ scope: { kind: 'env', env: 'prod' }, name: 'huge', encrypted: true, entries: [{ name: 'big', value: '€"'.repeat(700_000) }] });
    specs.push({ scope: { kind: 'env', env: 'prod' }, name: 'broken', encrypted: true, entries: [{ name: 'a', value: 'secret' }] });
    const columns = buildEdgeColumns(kek, specs, seededRandomBytes('equiv-large'));
    // A value that does not decrypt (its first base64 block replaced): the same failure from both dumps.
    const broken = columns.find((c) => c.value.startsWith('{"broken":'))!;
    broken.value = broken.value.replace(/(\\"value\\":\\")([A-Za-z0-9+/]{4})/, (_m, head: string) => `${head}AAAA`);
    const { textDir, cqlDir } = await writeEdgeTwins(path.join(work, 'edge-large'), columns);
    for (const tgt of ['apigeecli', 'maven']) {
      const env = { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), TGT: tgt };
      const a = await runAmu(['kvms', 'export', '--emigrate-dir', textDir, '--export-dir', path.join(work, `edge-large-text-${tgt}`)], env);
      expect(a.stdout).toMatch(/\[decrypt-failed\] env prod \/ broken/);
      expect(a.code).toBe(6);
      const expected = await tree(path.join(work, `edge-large-text-${tgt}`));
      expect(Object.keys(expected).length).toBeGreaterThanOrEqual(4);
      for (const threads of ['0', '2']) {
        const out = path.join(work, `edge-large-cql-${tgt}-${threads}`);
        const b = await runAmu(['kvms', 'export', '--emigrate-dir', cqlDir, '--export-dir', out], { ...env, EXPORT_THREADS: threads });
        expect(b.stdout).toMatch(/\[decrypt-failed\] env prod \/ broken/);
        expect(b.code).toBe(6);
        expect(await tree(out)).toEqual(expected);
        const v = await runAmu(['kvms', 'verify', '--export-dir', out, '--json'], { KEK: kek.toString('hex'), EXPORT_THREADS: threads });
        const totals = JSON.parse(v.stdout).totals;
        expect(totals).toMatchObject({ kvms: specs.length, ok: specs.length - 1, undecryptable: 1, missing: 0, different: 0 });
      }
    }
  });

  test('hybrid: CQL dumps of kvm_map_entry and kvm_map_descriptor vs cqlsh dumps', async () => {
    const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
    const enc = (t: string) => {
      const c = createCipheriv('aes-128-ecb', key, null);
      return Buffer.concat([c.update(t, 'utf8'), c.final()]).toString('base64');
    };
    const entries = [
      ['acme', 'environments###prod', 'm1', '1', 'k1', enc('v | 1')],
      ['acme', '', 'm2', '3', 'k2', enc('v\\2\n')],
      ['acme', 'environments###prod', 'm1', '0', 'old', enc('stale')],
    ];
    const descriptors = [
      ['acme', 'environments###prod', 'm1', '1'],
      ['acme', '', 'm2', '3'],
    ];
    const specs = hybridKvmSpecs('acme');
    const textDir = path.join(work, 'hybrid-text');
    const cqlDir = path.join(work, 'hybrid-cql');
    await mkdir(textDir);
    await mkdir(cqlDir);
    await writeFile(path.join(textDir, 'acme-kvms.out'), formatCqlshTable([...specs.entries.columns], entries, { pagingOff: true }));
    await writeFile(path.join(textDir, 'acme-kvm-descriptors.out'), formatCqlshTable([...specs.descriptors.columns], descriptors, { pagingOff: true }));
    const text = (names: readonly string[]) => names.map((name) => ({ name, type: 'text' as const }));
    await writeCqlDump(path.join(cqlDir, 'acme-kvms.out'), specs.entries, text(specs.entries.columns), entries);
    await writeCqlDump(path.join(cqlDir, 'acme-kvm-descriptors.out'), specs.descriptors, text(specs.descriptors.columns), descriptors);
    const env = { SRC: 'hybrid', ORG: 'acme', DEK: key.toString('hex'), TGT: 'maven' };
    const a = await runAmu(['kvms', 'export', '--emigrate-dir', textDir, '--export-dir', path.join(work, 'hybrid-text-out')], env);
    const b = await runAmu(['kvms', 'export', '--emigrate-dir', cqlDir, '--export-dir', path.join(work, 'hybrid-cql-out')], env);
    expect([a.code, b.code]).toEqual([0, 0]);
    const expected = await tree(path.join(work, 'hybrid-text-out'));
    expect(JSON.parse(expected[path.join('env', 'prod', 'kvms.json')]!)).toEqual([{ name: 'm1', entry: [{ name: 'k1', value: 'v | 1' }] }]);
    expect(await tree(path.join(work, 'hybrid-cql-out'))).toEqual(expected);
  });

  test('a CQL dump cut short (no end trailer) is refused', async () => {
    const dir = path.join(work, 'cut');
    await mkdir(dir);
    const whole = path.join(work, 'whole.out');
    await writeCqlDump(whole, edgeKvmSpec('acme'), [{ name: 'column1', type: 'text' }, { name: 'value', type: 'text' }], [['s@kvmaps:s@x', '{"x":"[]"}']]);
    const lines = (await readFile(whole, 'utf8')).trimEnd().split('\n');
    await writeFile(path.join(dir, 'acme-kvms.out'), `${lines.slice(0, -1).join('\n')}\n`);
    const r = await runAmu(['kvms', 'export', '--emigrate-dir', dir, '--export-dir', path.join(work, 'cut-out')], { SRC: 'opdk', ORG: 'acme', KEK: '00'.repeat(16), TGT: 'maven' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/truncated CQL dump/);
  });
});
