// `kvms verify` with the dump decrypted on worker threads (--export-threads) finds exactly what the main-thread pass finds.
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type EdgeKvmSpec } from '../support/edgeDump.js';
import type { Scope } from '../../src/kvm/model.js';

const kek = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const org: Scope = { kind: 'org' };
const env = (e: string): Scope => ({ kind: 'env', env: e });

/** Enough KVMs for several 1 MB chunks, awkward text, a row longer than a chunk, an empty KVM, plain ones. */
function specs(): EdgeKvmSpec[] {
  const list: EdgeKvmSpec[] = [];
  for (let i = 0; i < 300; i++) {
    const scope = i % 3 === 0 ? org : env(i % 3 === 1 ? 'prod' : 'test');
    const entries = Array.from({ length: (i % 6) * 7 }, (_, j) => ({ name: `k${(j * 7) % 11}-${j} ü東`, value: `v${i}-${j} "q" \\ \n 🚀 ${'x'.repeat((i * 31 + j) % 700)}` }));
    list.push({ scope, name: `kvm${i}`, encrypted: i % 4 !== 0, entries });
  }
  list.push({ scope: env('prod'), name: 'huge', encrypted: true, entries: [{ name: 'big', value: '€"'.repeat(600_000) }] });
  return list;
}

type Row = { scope: string; kvm: string; status: string; dumpEntries: number | null; exportEntries: number | null };

describe('verify on worker threads', () => {
  let work: string;
  let dump: string;
  const base = () => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dump });

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-verify-threads-'));
    dump = path.join(work, 'dump');
    await mkdir(dump);
    await writeFile(path.join(dump, 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, specs(), seededRandomBytes('verify-threads'))));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** Rows of `kvms verify --json` without the digests (keyed per run), for 0 and 2 threads. */
  async function verifyRows(out: string, tgt: string): Promise<{ code: number; rows: Row[] }[]> {
    const runs = [];
    for (const threads of ['0', '2']) {
      const r = await runAmu(['kvms', 'verify', '--tgt', tgt, '--export-dir', out, '--json'], { ...base(), EXPORT_THREADS: threads });
      const rows = (JSON.parse(r.stdout).kvms as (Row & Record<string, unknown>)[]).map(({ scope, kvm, status, dumpEntries, exportEntries }) => ({ scope, kvm, status, dumpEntries, exportEntries }));
      runs.push({ code: r.code, rows });
    }
    return runs;
  }

  test.each(['apigeecli', 'maven'])('%s: the same rows on threads and on the main thread, for a right tree and a tampered one', async (tgt) => {
    const out = path.join(work, `out-${tgt}`);
    const exported = await runAmu(['kvms', 'export', '--tgt', tgt, '--export-dir', out, '--quiet'], base());
    expect(exported.code).toBe(0);
    const right = await verifyRows(out, tgt);
    expect(right[0]!.code).toBe(0);
    expect(right[0]!.rows.length).toBe(301);
    expect(right[1]).toEqual(right[0]);

    // One value changed by a character: that KVM, and only it, differs.
    const file = tgt === 'apigeecli' ? path.join(out, 'env__prod__kvm7__kvmfile__0.json') : path.join(out, 'env', 'prod', 'kvms.json');
    const text = await readFile(file, 'utf8');
    const at = text.indexOf('"v7-1 ');
    expect(at).toBeGreaterThan(0);
    await writeFile(file, `${text.slice(0, at)}"w${text.slice(at + 2)}`);
    const tampered = await verifyRows(out, tgt);
    expect(tampered[0]!.code).toBe(7);
    expect(tampered[0]!.rows.filter((r) => r.status !== 'OK')).toEqual([{ scope: 'env prod', kvm: 'kvm7', status: 'different', dumpEntries: 7, exportEntries: 7 }]);
    expect(tampered[1]).toEqual(tampered[0]);
  });

  test('--export-threads must be a whole number from 0 to 64 (exit 2)', async () => {
    const r = await runAmu(['kvms', 'verify', '--tgt', 'maven', '--export-dir', path.join(work, 'never'), '--export-threads', '1.5'], base());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--export-threads \(EXPORT_THREADS\) must be a whole number from 0 to 64/);
  });
});
