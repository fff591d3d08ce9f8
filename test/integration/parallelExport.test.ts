// The export's second pass on worker threads (bin/amu, dist/) gives exactly what the main-thread pass gives: files, modes, report, failures, errors.
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type DumpColumn, type EdgeKvmSpec } from '../support/edgeDump.js';
import { encodeColumnName } from '../../src/kvm/edgeColumnNames.js';
import type { Scope } from '../../src/kvm/model.js';

const kek = Buffer.from('00a1b2c3d4e5f60718293a4b5c6d7e8f', 'hex');
const org: Scope = { kind: 'org' };
const env = (e: string): Scope => ({ kind: 'env', env: e });

/** Many KVMs (so chunks of 1 MB split the dump between threads), multi-byte text, a 3 MB row longer than a chunk, empty KVMs. */
function specs(): EdgeKvmSpec[] {
  const list: EdgeKvmSpec[] = [];
  for (let i = 0; i < 400; i++) {
    const scope = i % 3 === 0 ? org : env(i % 3 === 1 ? 'prod' : 'test');
    const entries = Array.from({ length: (i % 7) * 5 }, (_, j) => ({ name: `k${j} ü東`, value: `v${i}-${j} "q" \\ \n ${'x'.repeat((i * 37 + j) % 900)}` }));
    list.push({ scope, name: `kvm${i}`, encrypted: i % 5 !== 0, entries });
  }
  list.push({ scope: env('prod'), name: 'huge', encrypted: true, entries: [{ name: 'big', value: '€'.repeat(1_000_000) }] });
  return list;
}

/** Every file under dir: mode and SHA-256 (the report without its time and folder). */
async function treeOf(dir: string, rel = ''): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = path.join(rel, entry.name);
    const full = path.join(dir, r);
    const mode = ((await stat(full)).mode & 0o777).toString(8);
    if (entry.isDirectory()) {
      tree[`${r}/`] = mode;
      Object.assign(tree, await treeOf(dir, r));
      continue;
    }
    let bytes: Buffer | string = await readFile(full);
    if (r === 'amu-export-report.json') {
      const report = JSON.parse(bytes.toString('utf8'));
      delete report.createdAt;
      delete report.exportDir;
      bytes = JSON.stringify(report);
    }
    tree[r] = `${mode} ${createHash('sha256').update(bytes).digest('hex')}`;
  }
  return tree;
}

describe('export on worker threads', () => {
  let work: string;
  const base = (dir: string) => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dir });

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-parallel-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function dumpDir(name: string, columns: DumpColumn[]): Promise<string> {
    const dir = path.join(work, name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'acme-kvms.out'), formatCliDump('acme', columns));
    return dir;
  }

  test.each(['apigeecli', 'maven'])('%s: 0, 1, 2 and 3 threads write the same tree', async (tgt) => {
    const dir = await dumpDir(`same-${tgt}`, buildEdgeColumns(kek, specs(), seededRandomBytes('parallel')));
    const trees: Record<string, string>[] = [];
    for (const threads of ['0', '1', '2', '3']) {
      const out = path.join(work, `out-${tgt}-${threads}`);
      const r = await runAmu(['kvms', 'export', '--tgt', tgt, '--export-dir', out, '--quiet'], { ...base(dir), EXPORT_THREADS: threads });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      trees.push(await treeOf(out));
    }
    expect(Object.keys(trees[0]!).length).toBeGreaterThan(tgt === 'apigeecli' ? 400 : 3);
    for (const tree of trees.slice(1)) expect(tree).toEqual(trees[0]);
  });

  test('a KVM whose scope has no data key and one whose value does not decrypt are counted the same way (exit 6)', async () => {
    const columns = buildEdgeColumns(kek, specs().slice(0, 30), seededRandomBytes('parallel-fail'));
    // A column of a scope without a keystore: its KVM cannot be decrypted.
    const orphan = buildEdgeColumns(kek, [{ scope: env('orphan'), name: 'lost', encrypted: true, entries: [{ name: 'a', value: 'b' }] }], seededRandomBytes('o'));
    columns.push(orphan.find((c) => !c.name.includes('keystore'))!);
    // A value that is base64 but not the scope key's ciphertext (bad padding after decryption).
    const victim = columns.find((c) => c.name === encodeColumnName(env('prod'), 'kvm1'))!;
    const row = JSON.parse(victim.value) as Record<string, string>;
    const entries = JSON.parse(row.kvm1!) as { name: string; value: string }[];
    entries[0]!.value = Buffer.alloc(32, 7).toString('base64');
    victim.value = JSON.stringify({ kvm1: JSON.stringify(entries), __apigee__encrypted: 'true' });
    columns.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    const dir = await dumpDir('failures', columns);
    const results = [];
    for (const threads of ['0', '2']) {
      const out = path.join(work, `out-fail-${threads}`);
      const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out, '--json'], { ...base(dir), EXPORT_THREADS: threads });
      expect(r.code).toBe(6);
      const summary = JSON.parse(r.stdout);
      results.push({ skipped: summary.skipped, kvms: summary.kvms, tree: await treeOf(out) });
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[0]!.skipped.map((s: { reason: string }) => s.reason)).toEqual(['decrypt-failed', 'decrypt-failed']);
  });

  test('an entry list only the second pass reads is refused the same way, naming file and line (exit 3), and nothing is written', async () => {
    const columns = buildEdgeColumns(kek, specs().slice(0, 50), seededRandomBytes('parallel-bad'));
    const victim = columns.find((c) => c.name === encodeColumnName(org, 'kvm3'))!;
    victim.value = JSON.stringify({ kvm3: '[{"name":"a","value":"b","extra":"c"}]' });
    const dir = await dumpDir('bad-entries', columns);
    const messages = [];
    for (const threads of ['0', '2']) {
      const out = path.join(work, `out-bad-${threads}`);
      const r = await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', out], { ...base(dir), EXPORT_THREADS: threads });
      expect(r.code).toBe(3);
      await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
      messages.push(r.stderr.split('\n').find((l) => l.includes('acme-kvms.out:')));
    }
    expect(messages[0]).toMatch(/acme-kvms\.out:\d+: KVM "kvm3" entry 1 \("a"\): unexpected field\(s\) "extra"/);
    expect(messages[1]).toBe(messages[0]);
  });

  test('--export-threads must be a whole number from 0 to 64 (exit 2)', async () => {
    const dir = await dumpDir('threads-usage', buildEdgeColumns(kek, specs().slice(0, 3), seededRandomBytes('u')));
    const r = await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', path.join(work, 'never'), '--export-threads', '-1'], base(dir));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--export-threads \(EXPORT_THREADS\) must be a whole number from 0 to 64/);
  });
});
