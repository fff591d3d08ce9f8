// The built bin/amu end to end: version and help, kek export to stdout, key errors without echo, the Edge pipeline.
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { javaAvailable, makeVault } from '../support/vaults.js';
import { makeFakeCassandraCli } from '../support/fakeCassandraCli.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';

const AMU = fileURLToPath(new URL('../../bin/amu', import.meta.url));
const describeJava = javaAvailable() ? describe : describe.skip;
if (!javaAvailable()) console.warn('binPipeline: java 17+ and keytool not found, skipping the vault-based pipeline test');

/** Runs the built bin/amu as a user would (npm test builds dist/ first). */
function amu(args: string[], env: NodeJS.ProcessEnv) {
  return execa(AMU, args, { env: { PATH: process.env.PATH, ...env }, extendEnv: false, reject: false });
}

describe('bin/amu', () => {
  test('--version and --help run from the built CLI', async () => {
    const version = await amu(['--version'], {});
    expect(version.exitCode).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await amu(['--help'], {});
    expect(help.stdout).toContain('amu kvms');
    expect(help.stdout).toContain('amu kek');
  });
});

describeJava('the whole Edge pipeline through bin/amu, with a vault made by the JDK', () => {
  const storepass = 'vault pass with spaces';
  // A KEK with leading zero bytes: the original printed it without them, and nothing decrypted.
  const kekHex = '0000a1b2c3d4e5f60718293a4b5c6d7e';
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-bin-'));
    await makeVault(path.join(work, 'vault.jceks'), storepass, [{ alias: 'datastore-alias', algorithm: 'AES', hexKey: kekHex }]);
    const columns = buildEdgeColumns(
      Buffer.from(kekHex, 'hex'),
      [
        { scope: { kind: 'env', env: 'prod' }, name: 'secrets', encrypted: true, entries: [{ name: 'db', value: 'pa55, value=w0rd' }] },
        { scope: { kind: 'revision', proxy: 'p', revision: '4' }, name: 'r', encrypted: true, entries: [{ name: 'x', value: 'y' }] },
      ],
      seededRandomBytes('bin'),
    );
    await writeFile(path.join(work, 'source.out'), formatCliDump('org1', columns));
  });

  test('kek export prints exactly the hex KEK, leading zeros kept; flag and variable give the same', async () => {
    const viaEnv = await amu(['kek', 'export', '--src', 'opdk', '--vault', path.join(work, 'vault.jceks')], { STOREPASS: storepass });
    expect(viaEnv.stderr).toBe('');
    expect(viaEnv.stdout).toBe(kekHex);
    const viaFlags = await amu(['kek', 'export', '--src', 'opdk', '--vault', path.join(work, 'vault.jceks'), '--storepass', storepass], {});
    expect(viaFlags.stdout).toBe(kekHex);
  });

  test('a wrong store password is a key error (exit 4) that does not echo the password', async () => {
    const r = await amu(['kek', 'export', '--src', 'opdk', '--vault', path.join(work, 'vault.jceks')], { STOREPASS: 'wrong-password-123' });
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/store password/);
    expect(r.stderr).not.toContain('wrong-password-123');
  });

  test('kek export → emigrate → export, secrets only in the environment, never in a child argv', async () => {
    const fake = makeFakeCassandraCli();
    const kek = (await amu(['kek', 'export', '--src', 'opdk', '--vault', path.join(work, 'vault.jceks')], { STOREPASS: storepass })).stdout;
    const env = { PATH: fake.path, SRC: 'opdk', ORG: 'org1', EMIGRATE_DIR: path.join(work, 'emigrate'), FAKE_CLI_DUMP: path.join(work, 'source.out') };
    const emigrate = await amu(['kvms', 'emigrate', '--cass-ip', '127.0.0.1'], env);
    expect(emigrate.exitCode).toBe(0);
    const exportDir = path.join(work, 'export');
    const exp = await amu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', exportDir], { ...env, KEK: kek });
    expect(exp.exitCode).toBe(0);
    expect(exp.stdout).toMatch(/complete/);
    expect(exp.stdout + exp.stderr).not.toContain(kek);
    expect((await readdir(exportDir)).sort()).toEqual(['amu-export-report.json', 'env__prod__secrets__kvmfile__0.json', 'import-kvms.sh', 'proxy__p__r__kvmfile__0.json']);
    const body = JSON.parse(await readFile(path.join(exportDir, 'env__prod__secrets__kvmfile__0.json'), 'utf8'));
    expect(body.keyValueEntries).toEqual([{ name: 'db', value: 'pa55, value=w0rd' }]);
    const childArgv = await readFile(fake.argvFile, 'utf8');
    expect(childArgv).not.toContain(kek);
    expect(childArgv).not.toContain(storepass);
  });
});
