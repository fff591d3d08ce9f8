// What an operator runs next: import-kvms.sh (with a fake apigeecli), JSON summaries, shell completion.
import { execa } from 'execa';
import { chmod, mkdtemp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';
import { shellQuote } from '../../src/export/targets/apigeecliScript.js';

const kek = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');

describe('import script, JSON summaries and shell completion', () => {
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-ops-'));
    const dir = path.join(work, 'emigrate');
    await mkdir(dir);
    const columns = buildEdgeColumns(
      kek,
      [
        { scope: { kind: 'org' }, name: 'org-kvm', encrypted: true, entries: [{ name: 'a', value: 'top secret value' }] },
        { scope: { kind: 'env', env: 'prod' }, name: "it's$HOME", encrypted: false, entries: [] },
        { scope: { kind: 'proxy', proxy: 'orders' }, name: 'p-kvm', encrypted: true, entries: [{ name: 'b', value: 'c' }] },
      ],
      seededRandomBytes('ops'),
    );
    await writeFile(path.join(dir, 'acme-kvms.out'), formatCliDump('acme', columns));
    env = { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dir };
  });

  test('apigeecli export writes import-kvms.sh that creates and imports every KVM with apigeecli', async () => {
    const out = path.join(work, 'cli');
    expect((await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], env)).code).toBe(0);
    const script = path.join(out, 'import-kvms.sh');
    expect((await stat(script)).mode & 0o777).toBe(0o700);
    // A fake apigeecli records each call, one argument per line.
    const bin = path.join(work, 'bin');
    await mkdir(bin, { recursive: true });
    const log = path.join(work, 'apigeecli.log');
    await writeFile(path.join(bin, 'apigeecli'), `#!/usr/bin/env bash\n{ printf '%s|' "$@"; echo; } >> '${log}'\n`);
    await chmod(path.join(bin, 'apigeecli'), 0o755);
    const r = await execa('bash', [script], { env: { PATH: `${bin}:${process.env.PATH}`, ORG: 'target-org' }, reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('all 3 KVM(s) imported');
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    expect(calls).toEqual([
      'kvms|create|-o|target-org|-n|org-kvm|--default-token|',
      `kvms|entries|import|-o|target-org|-m|org-kvm|-f|${out}/org__org-kvm__kvmfile__0.json|--default-token|`,
      "kvms|create|-o|target-org|-e|prod|-n|it's$HOME|--default-token|",
      `kvms|entries|import|-o|target-org|-e|prod|-m|it's$HOME|-f|${out}/env__prod__it's$HOME__kvmfile__0.json|--default-token|`,
      'kvms|create|-o|target-org|-p|orders|-n|p-kvm|--default-token|',
      `kvms|entries|import|-o|target-org|-p|orders|-m|p-kvm|-f|${out}/proxy__orders__p-kvm__kvmfile__0.json|--default-token|`,
    ]);
  });

  test('the import script stops with a clear message without ORG, and counts failed imports', async () => {
    const out = path.join(work, 'cli');
    const noOrg = await execa('bash', [path.join(out, 'import-kvms.sh')], { env: { PATH: process.env.PATH }, reject: false });
    expect(noOrg.exitCode).not.toBe(0);
    expect(noOrg.stderr).toMatch(/set ORG/);
    const bin = path.join(work, 'failbin');
    await mkdir(bin, { recursive: true });
    await writeFile(path.join(bin, 'apigeecli'), '#!/usr/bin/env bash\nexit 1\n');
    await chmod(path.join(bin, 'apigeecli'), 0o755);
    const failing = await execa('bash', [path.join(out, 'import-kvms.sh')], { env: { PATH: `${bin}:${process.env.PATH}`, ORG: 'x' }, reject: false });
    expect(failing.exitCode).toBe(1);
    expect(failing.stderr).toMatch(/3 KVM\(s\) failed to import/);
  });

  test('shell quoting survives quotes, spaces and dollars', async () => {
    for (const text of ["it's", 'a b', '$HOME', '`x`', '"q"', '']) {
      const r = await execa('bash', ['-c', `printf '%s' ${shellQuote(text)}`]);
      expect(r.stdout).toBe(text);
    }
  });

  test('--json prints the export summary as JSON, and it matches the report file', async () => {
    const out = path.join(work, 'json');
    const r = await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', out, '--json'], env);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ org: 'acme', target: 'maven', complete: true });
    expect(summary.byScope.org).toMatchObject({ kvms: 1, encryptedKvms: 1, exportedKvms: 1, exportedEntries: 1 });
    expect(JSON.parse(await readFile(path.join(out, 'amu-export-report.json'), 'utf8'))).toEqual(summary);
    expect(r.stdout).not.toContain('top secret value');
  });

  test('no progress output when stderr is not a terminal', async () => {
    const r = await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', path.join(work, 'quiet')], env);
    expect(r.stderr).toBe('');
  });

  test('amu completion prints a script; the completion call lists commands and options', async () => {
    const script = await runAmu(['completion']);
    expect(script.code).toBe(0);
    expect(script.stdout).toContain('_amu_yargs_completions');
    const words = await runAmu(['--get-yargs-completions', 'kvms', '']);
    expect(words.stdout.split('\n')).toEqual(expect.arrayContaining(['emigrate', 'export']));
    const flags = await runAmu(['--get-yargs-completions', 'kvms', 'export', '--']);
    expect(flags.stdout.split('\n')).toEqual(expect.arrayContaining(['--export-dir', '--tgt', '--kek']));
  });
});

describe('the export report', () => {
  test('lists every KVM of the dump with scope, entries, encryption, status and reason', async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), 'amu-report-'));
    const dir = path.join(work, 'emigrate');
    await mkdir(dir);
    const columns = buildEdgeColumns(
      kek,
      [
        { scope: { kind: 'revision', proxy: 'p', revision: '1' }, name: 'r', encrypted: true, entries: [{ name: 'a', value: 'old' }] },
        { scope: { kind: 'revision', proxy: 'p', revision: '2' }, name: 'r', encrypted: true, entries: [{ name: 'a', value: 'v2-secret-value' }, { name: 'b', value: 'x' }] },
        { scope: { kind: 'env', env: 'prod' }, name: 'bad name', encrypted: false, entries: [] },
        { scope: { kind: 'org' }, name: 'plain', encrypted: false, entries: [{ name: 'c', value: 'd' }] },
      ],
      seededRandomBytes('report'),
    );
    await writeFile(path.join(dir, 'acme-kvms.out'), formatCliDump('acme', columns));
    const out = path.join(work, 'out');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dir });
    expect(r.code).toBe(6);
    const report = JSON.parse(await readFile(path.join(out, 'amu-export-report.json'), 'utf8'));
    expect(report.kvms).toEqual(
      expect.arrayContaining([
        { scope: 'proxy p', dumpScope: 'proxy p revision 1', name: 'r', encrypted: true, entries: null, status: 'superseded-revision', reason: 'revision 2 of the same KVM is exported instead' },
        { scope: 'proxy p', dumpScope: 'proxy p revision 2', name: 'r', encrypted: true, entries: 2, status: 'exported' },
        { scope: 'env prod', name: 'bad name', encrypted: false, entries: null, status: 'unrepresentable-name', reason: expect.stringMatching(/whitespace/) },
        { scope: 'org', name: 'plain', encrypted: false, entries: 1, status: 'exported' },
      ]),
    );
    expect(report.kvms).toHaveLength(4);
    expect(JSON.stringify(report)).not.toContain('v2-secret-value');
  });
});
