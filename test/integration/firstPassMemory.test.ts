// The export's first pass keeps per KVM what it needs (names, scopes), never the dump lines those were cut from.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';
import type { Scope } from '../../src/kvm/model.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kek = Buffer.from('00a1b2c3d4e5f60718293a4b5c6d7e8f', 'hex');
const KVMS = 600;
/** One value of 24 KB per KVM: rows of about 32 KB of base64, under the length at which the first pass shortens lines. */
const VALUE = 'x'.repeat(24 * 1024);

/** Runs the Edge source's first pass (dist/) in a child with --expose-gc: heap kept by its result, in MB. */
async function firstPassHeap(emigrateDir: string): Promise<{ kvms: number; keptMb: number; names: string[] }> {
  const script = `
    const { openEdgeDump } = await import(${JSON.stringify(path.join(root, 'dist/dumps/openDump.js'))});
    const { EdgeKvmSource } = await import(${JSON.stringify(path.join(root, 'dist/export/edgeSource.js'))});
    const dump = await openEdgeDump(${JSON.stringify(emigrateDir)}, 'acme');
    const source = new EdgeKvmSource(dump.file, dump.columns, Buffer.from(${JSON.stringify(kek.toString('hex'))}, 'hex'));
    gc(); gc();
    const before = process.memoryUsage().heapUsed;
    const index = await source.index();
    gc(); gc();
    const kept = process.memoryUsage().heapUsed - before;
    const names = index.kvms.slice(0, 3).map((k) => k.scope.kind + ' ' + (k.scope.env ?? k.scope.proxy ?? '') + ' ' + k.name);
    console.log(JSON.stringify({ kvms: index.kvms.length, keptMb: kept / 1e6, names }));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as { kvms: number; keptMb: number; names: string[] };
}

describe('the first pass over a dump of long rows with long names', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-firstpass-'));
    const scopes: Scope[] = [{ kind: 'env', env: 'production-europe-west-1' }, { kind: 'proxy', proxy: 'orders-service-proxy-v2' }];
    const kvms = Array.from({ length: KVMS }, (_, i) => ({
      scope: scopes[i % 2]!,
      name: `Application-Configuration-Settings-${String(i).padStart(5, '0')}`,
      encrypted: true,
      entries: [{ name: 'settings', value: `${i}:${VALUE}` }],
    }));
    await writeFile(path.join(work, 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, kvms, seededRandomBytes('firstpass'))));
  }, 60_000);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('keeps about a hundred bytes per KVM, not its 32 KB row (the dump is about 20 MB)', async () => {
    const result = await firstPassHeap(work);
    expect(result.kvms).toBe(KVMS);
    expect(result.names[0]).toBe('proxy orders-service-proxy-v2 Application-Configuration-Settings-00001');
    // Holding the rows would be about 20 MB; names, scopes and origins of 600 KVMs are well under 1 MB.
    expect(result.keptMb).toBeLessThan(3);
  }, 60_000);
});
