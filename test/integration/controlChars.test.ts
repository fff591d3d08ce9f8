// Control characters in input (KVM, env, proxy names) never reach the terminal raw: escaped in every message, table and script line.
import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, seededRandomBytes } from '../support/edgeDump.js';
import { CqlDumpWriter } from '../../src/dumps/cqlDumpFormat.js';
import { edgeKvmSpec } from '../../src/emigrate/cql.js';
import { escapeControl } from '../../src/cli/output.js';

const kek = Buffer.from('8899aabbccddeeff0011223344556677', 'hex');
const CLEAR = 'clear\x1b[2J\x1b[H';
const FAKE_LINE = 'x\r\nExport of org acme from a dump for maven: complete';
const BIDI = 'rtl\u202egnp.exe';
const C1 = 'csi\x9b31m';
/** Anything a terminal would act on: C0 but the line feed, DEL, C1, bidi controls, line separators. */
// eslint-disable-next-line no-control-regex -- looking for control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('control characters in names', () => {
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-ctl-'));
    const dir = path.join(work, 'emigrate');
    await mkdir(dir);
    const columns = buildEdgeColumns(
      kek,
      [
        { scope: { kind: 'org' }, name: CLEAR, encrypted: true, entries: [{ name: 'a', value: 'v' }] },
        { scope: { kind: 'org' }, name: FAKE_LINE, encrypted: false, entries: [{ name: 'b', value: 'w' }] },
        { scope: { kind: 'env', env: BIDI }, name: 'ok', encrypted: false, entries: [] },
        { scope: { kind: 'proxy', proxy: 'p' }, name: C1, encrypted: false, entries: [{ name: 'c', value: 'x' }] },
      ],
      seededRandomBytes('control'),
    );
    // A CQL dump (JSON lines) holds any name, line breaks included, as Cassandra does.
    const spec = edgeKvmSpec('acme');
    const writer = await CqlDumpWriter.create(path.join(dir, 'acme-kvms.out'), {
      source: spec.source,
      keyspace: spec.keyspace,
      table: spec.table,
      columns: [{ name: 'column1', type: 'text' }, { name: 'value', type: 'text' }],
      query: spec.query,
      params: spec.params.map(String),
      startedAt: new Date().toISOString(),
    });
    await writer.writeRows(columns.map((c) => [c.name, c.value]));
    await writer.finish();
    env = { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dir };
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('the escaping function makes every control visible, and is idempotent', () => {
    expect(escapeControl(CLEAR)).toBe('clear\\x1b[2J\\x1b[H');
    expect(escapeControl(FAKE_LINE)).toBe('x\\r\\nExport of org acme from a dump for maven: complete');
    expect(escapeControl(BIDI)).toBe('rtl\\u202egnp.exe');
    expect(escapeControl(C1)).toBe('csi\\x9b31m');
    expect(escapeControl('\x00\x7f\u2066\u2069\u2028\t')).toBe('\\x00\\x7f\\u2066\\u2069\\u2028\\t');
    expect(escapeControl(escapeControl(CLEAR + FAKE_LINE + BIDI))).toBe(escapeControl(CLEAR + FAKE_LINE + BIDI));
    expect(escapeControl('plain ünïcödé 名前')).toBe('plain ünïcödé 名前');
  });

  test('apigeecli export: the summary lists the refused names escaped; no fake line, no raw control', async () => {
    const out = path.join(work, 'cli');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], env);
    expect(r.code).toBe(6);
    for (const text of [r.stdout, r.stderr]) expect(text).not.toMatch(RAW_CONTROL);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('Export of org'))).toHaveLength(1);
    expect(r.stdout).toContain('x\\r\\nExport of org acme from a dump for maven: complete');
    // The exported KVMs keep their exact names in the files and the report.
    const report = JSON.parse(await readFile(path.join(out, 'amu-export-report.json'), 'utf8')) as { kvms: { name: string; status: string }[] };
    expect(report.kvms.map((k) => k.name).sort()).toEqual([CLEAR, FAKE_LINE, 'ok', C1].sort());
  });

  test('import-kvms.sh prints the names escaped; apigeecli gets them exactly', async () => {
    const bin = path.join(work, 'bin');
    await mkdir(bin, { recursive: true });
    const log = path.join(work, 'apigeecli.log');
    await writeFile(path.join(bin, 'apigeecli'), `#!/usr/bin/env bash\nprintf '%s\\0' "$@" >> '${log}'\n`);
    await chmod(path.join(bin, 'apigeecli'), 0o755);
    const r = await execa('bash', [path.join(work, 'cli', 'import-kvms.sh')], { env: { PATH: `${bin}:${process.env.PATH}`, ORG: 't' }, reject: false });
    expect(r.exitCode).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toContain('== org KVM clear\\x1b[2J\\x1b[H');
    expect(r.stdout).toContain('== proxy p KVM csi\\x9b31m');
    const args = (await readFile(log, 'utf8')).split('\0');
    expect(args).toContain(CLEAR);
    expect(args).toContain(C1);
  });

  test('maven export and verify: tables and summaries escaped; --json parses back to the exact names', async () => {
    const out = path.join(work, 'maven');
    const exp = await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', out], env);
    expect(exp.code).toBe(0);
    expect(exp.stdout + exp.stderr).not.toMatch(RAW_CONTROL);
    expect(exp.stdout.split('\n').filter((l) => l.startsWith('Export of org'))).toHaveLength(1);
    const verify = await runAmu(['kvms', 'verify', '--tgt', 'maven', '--export-dir', out], env);
    expect(verify.code).toBe(0);
    expect(verify.stdout + verify.stderr).not.toMatch(RAW_CONTROL);
    expect(verify.stdout).toContain('clear\\x1b[2J\\x1b[H');
    expect(verify.stdout).toContain('env rtl\\u202egnp.exe');
    expect(verify.stdout).toContain('x\\r\\nExport of org acme from a dump for maven: complete');
    const json = await runAmu(['kvms', 'verify', '--tgt', 'maven', '--export-dir', out, '--json'], env);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    const parsed = JSON.parse(json.stdout) as { kvms: { scope: string; kvm: string }[] };
    expect(parsed.kvms.map((k) => k.kvm)).toEqual(expect.arrayContaining([CLEAR, FAKE_LINE, C1]));
    expect(parsed.kvms.map((k) => k.scope)).toContain(`env ${BIDI}`);
  });

  test('an error naming input escapes it too', async () => {
    const r = await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', path.join(work, 'none')], { ...env, ORG: `no\x1b[2Jsuch\norg` });
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr.trim().split('\n').every((l) => /^(error|warning): |^ {2}|^[A-Z]/.test(l))).toBe(true);
    expect(r.stderr).toContain('no\\x1b[2Jsuch\\norg');
  });
});
