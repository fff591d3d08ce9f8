// Rows of 15 MB (Edge's largest KVMs) export and verify on every reader's format; absurd lines are refused early and cheaply.
import { jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createCipheriv, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';
import { formatCqlshTable } from '../support/cqlshTableFormat.js';
import { CqlDumpWriter, type CqlDumpColumn } from '../../src/dumps/cqlDumpFormat.js';
import type { KvmEntry } from '../../src/kvm/model.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kek = Buffer.from('00a1b2c3d4e5f60718293a4b5c6d7e8f', 'hex');
const hybridKey = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
/** 11 values of 1 MB: base64 ciphertext of about 14.7 MB in one KVM row. */
const bigEntries: KvmEntry[] = Array.from({ length: 11 }, (_, i) => ({ name: `part-${i}`, value: `${i}:${randomBytes(786_432).toString('base64')}` }));
const small: KvmEntry[] = [{ name: 'k', value: 'v "quoted"' }];

jest.setTimeout(120_000);

function encrypt(key: Buffer, text: string): string {
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  return Buffer.concat([c.update(text, 'utf8'), c.final()]).toString('base64');
}

describe('15 MB rows on every reader and format', () => {
  let work: string;
  let edgeText: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-bigrows-'));
    edgeText = formatCliDump(
      'acme',
      buildEdgeColumns(kek, [
        { scope: { kind: 'org' }, name: 'Big', encrypted: true, entries: bigEntries },
        { scope: { kind: 'env', env: 'prod' }, name: 'small', encrypted: true, entries: small },
      ], seededRandomBytes('big-rows')),
    );
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** The records of the cassandra-cli text: column name and value of each. */
  function edgeRecords(): { name: string; value: string }[] {
    return edgeText
      .split('\n')
      .filter((line) => line.startsWith('=> (name='))
      .map((line) => {
        const valueAt = line.indexOf(', value=');
        return { name: line.slice('=> (name='.length, valueAt), value: line.slice(valueAt + 8, line.lastIndexOf(', timestamp=')) };
      });
  }

  async function edgeCqlDump(dir: string, type: 'text' | 'blob'): Promise<void> {
    const columns: CqlDumpColumn[] = [{ name: 'column1', type }, { name: 'value', type }];
    const writer = await CqlDumpWriter.create(path.join(dir, 'acme-kvms.out'), {
      source: 'edge', keyspace: 'keyvaluemap', table: 'keyvaluemaps_r21', columns,
      query: 'SELECT column1, value FROM keyvaluemap.keyvaluemaps_r21 WHERE key = ?', params: ['acme'], startedAt: new Date().toISOString(),
    });
    const cell = (text: string) => (type === 'blob' ? Buffer.from(text, 'utf8') : text);
    await writer.writeRows(edgeRecords().map((r) => [cell(r.name), cell(r.value)]));
    await writer.finish();
  }

  async function exportAndVerify(dir: string, env: Record<string, string>): Promise<void> {
    for (const tgt of ['apigeecli', 'maven']) {
      const out = path.join(dir, `out-${tgt}`);
      const exported = await runAmu(['kvms', 'export', '--tgt', tgt, '--export-dir', out, '--emigrate-dir', dir], env);
      expect([exported.code, exported.stderr]).toEqual([0, '']);
      const verified = await runAmu(['kvms', 'verify', '--tgt', tgt, '--export-dir', out, '--emigrate-dir', dir], env);
      expect([verified.code, verified.stderr]).toEqual([0, '']);
    }
  }

  const edgeEnv = { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex') };

  test('Edge, cassandra-cli text', async () => {
    const dir = path.join(work, 'cli');
    await mkdir(dir);
    await writeFile(path.join(dir, 'acme-kvms.out'), edgeText);
    expect(Math.max(...edgeText.split('\n').map((l) => l.length))).toBeGreaterThan(14_000_000);
    await exportAndVerify(dir, edgeEnv);
    const file = JSON.parse(await readFile(path.join(dir, 'out-apigeecli', 'org__Big__kvmfile__0.json'), 'utf8'));
    expect(file.keyValueEntries).toEqual(bigEntries);
  });

  test.each(['text', 'blob'] as const)('Edge, CQL line dump with %s columns', async (type) => {
    const dir = path.join(work, `cql-${type}`);
    await mkdir(dir);
    await edgeCqlDump(dir, type);
    await exportAndVerify(dir, edgeEnv);
    const file = JSON.parse(await readFile(path.join(dir, 'out-apigeecli', 'org__Big__kvmfile__0.json'), 'utf8'));
    expect(file.keyValueEntries).toEqual(bigEntries);
  });

  /** One hybrid map holding a 15 MB value (20 MB of base64) and a small one. */
  const hybridRows = (): (string | null)[][] => {
    const when = '2024-01-01 00:00:00.000000+0000';
    return [
      ['acme', '', 'big', '1', 'huge', when, 'amu', null, null, encrypt(hybridKey, bigEntries.map((e) => e.value).join(''))],
      ['acme', '', 'big', '1', 'tiny', when, 'amu', null, null, encrypt(hybridKey, 'tiny value')],
    ];
  };
  const hybridEnv = { SRC: 'hybrid', ORG: 'acme', DEK: hybridKey.toString('hex') };
  const ENTRY_COLUMNS = ['tid', 'a_scp', 'map', 'ver', 'key', 'c_at', 'c_by', 'u_at', 'u_by', 'val'];

  async function checkHybridExport(dir: string): Promise<void> {
    await exportAndVerify(dir, hybridEnv);
    const file = JSON.parse(await readFile(path.join(dir, 'out-apigeecli', 'org__big__kvmfile__0.json'), 'utf8'));
    expect(file.keyValueEntries).toEqual([{ name: 'huge', value: bigEntries.map((e) => e.value).join('') }, { name: 'tiny', value: 'tiny value' }]);
  }

  test('hybrid, cqlsh table with a 15 MB value', async () => {
    const dir = path.join(work, 'cqlsh');
    await mkdir(dir);
    await writeFile(path.join(dir, 'acme-kvms.out'), formatCqlshTable(ENTRY_COLUMNS, hybridRows(), { pagingOff: true }));
    await checkHybridExport(dir);
  });

  test('hybrid, CQL line dump with a 15 MB value', async () => {
    const dir = path.join(work, 'hybrid-cql');
    await mkdir(dir);
    const types = ['text', 'text', 'text', 'int', 'text', 'timestamp', 'text', 'timestamp', 'text', 'text'] as const;
    const writer = await CqlDumpWriter.create(path.join(dir, 'acme-kvms.out'), {
      source: 'hybrid', keyspace: 'kvm_acme_hybrid', table: 'kvm_map_entry', columns: ENTRY_COLUMNS.map((name, i) => ({ name, type: types[i]! })),
      query: 'SELECT * FROM kvm_acme_hybrid.kvm_map_entry', params: [], startedAt: new Date().toISOString(),
    });
    const when = new Date('2024-01-01T00:00:00Z');
    await writer.writeRows(hybridRows().map((r) => [r[0], r[1], r[2], 1, r[4], when, r[6], null, null, r[9]]));
    await writer.finish();
    await checkHybridExport(dir);
  });
});

describe('absurd input lines', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-absurd-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** Runs the built amu as a child and reports its exit code, stderr and peak RSS in MB. */
  async function amuChild(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string; peakMb: number; seconds: number }> {
    const probe = `process.on('exit', () => process.stderr.write('\\npeak-rss-kb=' + process.resourceUsage().maxRSS + '\\n'));` +
      `process.argv.splice(1, 0, 'amu'); await import(${JSON.stringify(path.join(root, 'bin', 'amu'))});`;
    const started = Date.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', probe, ...args], { env: { PATH: process.env.PATH, ...env } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'close')) as [number];
    const peak = /peak-rss-kb=(\d+)/.exec(stderr);
    return { code, stderr, peakMb: Number(peak?.[1] ?? 0) / 1024, seconds: (Date.now() - started) / 1000 };
  }

  test('a 40 MB deeply nested value is refused fast, naming file and line, with bounded memory (exit 3)', async () => {
    const dir = path.join(work, 'nested');
    await mkdir(dir);
    const depth = 20 * 1024 * 1024;
    const line = `=> (name=s@kvmaps:s@nested, value={"nested":${'['.repeat(depth)}${']'.repeat(depth)}}, timestamp=1)`;
    await writeFile(path.join(dir, 'acme-kvms.out'), `${line}\nReturned 1 results.\n`);
    const r = await amuChild(['kvms', 'export', '--src', 'opdk', '--org', 'acme', '--emigrate-dir', dir, '--export-dir', path.join(dir, 'out'), '--kek', kek.toString('hex'), '--tgt', 'apigeecli'], {});
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('acme-kvms.out:1: the value nest(s) JSON more than 64 levels deep');
    expect(r.peakMb).toBeGreaterThan(0);
    expect(r.peakMb).toBeLessThan(400);
  });

  test('a line over 64 MB is refused while it is read, naming it', async () => {
    const dir = path.join(work, 'long');
    await mkdir(dir);
    const line = `=> (name=s@kvmaps:s@long, value={"long":"${'x'.repeat(70 * 1024 * 1024)}"}, timestamp=1)`;
    await writeFile(path.join(dir, 'acme-kvms.out'), `${line}\nReturned 1 results.\n`);
    const r = await amuChild(['kvms', 'export', '--src', 'opdk', '--org', 'acme', '--emigrate-dir', dir, '--export-dir', path.join(dir, 'out'), '--kek', kek.toString('hex'), '--tgt', 'apigeecli'], {});
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('acme-kvms.out:1: the line is longer than 64 MB');
    expect(r.peakMb).toBeLessThan(400);
  });
});
