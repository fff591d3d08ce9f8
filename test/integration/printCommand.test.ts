// `amu kvms emigrate --print-command`: the printed command, run by hand against the fake cassandra-cli, makes a dump export reads as is.
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeFakeCassandraCli } from '../support/fakeCassandraCli.js';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';

const kekHex = '00112233445566778899aabbccddeeff';

describe('kvms emigrate --print-command', () => {
  let work: string;
  let source: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-print-command-'));
    const columns = buildEdgeColumns(
      Buffer.from(kekHex, 'hex'),
      [
        { scope: { kind: 'env', env: 'prod' }, name: 'creds', encrypted: true, entries: [{ name: 'user', value: 'it\'s "quoted" $HOME' }] },
        { scope: { kind: 'org' }, name: 'plain', encrypted: false, entries: [{ name: 'a', value: 'b' }] },
      ],
      seededRandomBytes('print-command'),
    );
    source = path.join(work, 'source.out');
    await writeFile(source, formatCliDump('org-1.x', columns));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('prints one shell command on stdout, with the same program, argv and input as emigrate runs', async () => {
    const fake = makeFakeCassandraCli();
    const program = path.join(fake.binDir, 'cassandra-cli');
    const common = ['--src', 'opdk', '--org', 'org-1.x', '--cass-ip', '10.1.2.3', '--cass-port', '9161', '--cassandra-cli', program];
    const printed = await runAmu(['kvms', 'emigrate', ...common, '--print-command'], {});
    expect(printed.code).toBe(0);
    expect(printed.stdout.trim().split('\n')).toHaveLength(1);
    expect(printed.stderr).toMatch(/copy org-1\.x-kvms\.out to <emigrate-dir>\/org-1\.x-kvms\.out/);

    const handDir = path.join(work, 'by-hand');
    await execa('mkdir', ['-p', handDir]);
    const hand = await execa('bash', ['-c', printed.stdout], { cwd: handDir, env: { FAKE_CLI_DUMP: source }, reject: false });
    expect(hand.exitCode).toBe(0);
    const handArgv = await readFile(fake.argvFile, 'utf8');
    const handStdin = await readFile(fake.stdinFile, 'utf8');
    expect(handArgv).toBe('-h\n10.1.2.3\n-p\n9161\n');
    expect(((await stat(path.join(handDir, 'org-1.x-kvms.out'))).mode & 0o777).toString(8)).toBe('600');

    const emigrateDir = path.join(work, 'emigrate');
    const run = await runAmu(['kvms', 'emigrate', ...common, '--emigrate-dir', emigrateDir], { FAKE_CLI_DUMP: source });
    expect(run.code).toBe(0);
    expect(await readFile(fake.argvFile, 'utf8')).toBe(handArgv);
    expect(await readFile(fake.stdinFile, 'utf8')).toBe(handStdin);
    expect(await readFile(path.join(handDir, 'org-1.x-kvms.out'))).toEqual(await readFile(path.join(emigrateDir, 'org-1.x-kvms.out')));
  });

  test('export reads the hand-made dump as is (no metadata file) and decrypts it', async () => {
    const fake = makeFakeCassandraCli();
    const printed = await runAmu(['kvms', 'emigrate', '--src', 'opdk', '--org', 'org-1.x', '--cassandra-cli', path.join(fake.binDir, 'cassandra-cli'), '--print-command'], {});
    const emigrateDir = path.join(work, 'copied');
    await execa('mkdir', ['-p', emigrateDir]);
    await execa('bash', ['-c', printed.stdout], { cwd: emigrateDir, env: { FAKE_CLI_DUMP: source } });
    expect(await readdir(emigrateDir)).toEqual(['org-1.x-kvms.out']);
    const exportDir = path.join(work, 'export');
    const exp = await runAmu(['kvms', 'export', '--src', 'opdk', '--org', 'org-1.x', '--emigrate-dir', emigrateDir, '--export-dir', exportDir, '--tgt', 'apigeecli'], { KEK: kekHex });
    expect(exp.code).toBe(0);
    const body = JSON.parse(await readFile(path.join(exportDir, 'env__prod__creds__kvmfile__0.json'), 'utf8'));
    expect(body.keyValueEntries).toEqual([{ name: 'user', value: 'it\'s "quoted" $HOME' }]);
  });

  test('a cut-short hand-made dump is refused by export, not half exported', async () => {
    const fake = makeFakeCassandraCli();
    const printed = await runAmu(['kvms', 'emigrate', '--src', 'opdk', '--org', 'org-1.x', '--cassandra-cli', path.join(fake.binDir, 'cassandra-cli'), '--print-command'], {});
    const emigrateDir = path.join(work, 'cut');
    await execa('mkdir', ['-p', emigrateDir]);
    await execa('bash', ['-c', printed.stdout], { cwd: emigrateDir, env: { FAKE_CLI_DUMP: source, FAKE_CLI_MODE: 'truncated' } });
    const exp = await runAmu(['kvms', 'export', '--src', 'opdk', '--org', 'org-1.x', '--emigrate-dir', emigrateDir, '--export-dir', path.join(work, 'cut-export'), '--tgt', 'apigeecli'], { KEK: kekHex });
    expect(exp.code).toBe(3);
    expect(exp.stderr).toMatch(/org-1\.x-kvms\.out/);
  });

  test('is refused for readers other than cassandra-cli', async () => {
    const r = await runAmu(['kvms', 'emigrate', '--src', 'opdk', '--src-ver', '4.53', '--org', 'o', '--print-command'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--print-command is for the cassandra-cli reader/);
  });
});
