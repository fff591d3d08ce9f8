// The npm package: `npm pack` holds only runtime files (the bundle), and installs globally from the tarball with no registry.
import { execa } from 'execa';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = path.join(ROOT, 'fixtures', 'sample');

describe('npm pack, then npm install -g from the tarball, offline', () => {
  let work: string;
  let tarball: string;
  let prefix: string;
  let pkg: { name: string; version: string };
  /** npm with an unreachable registry and an empty cache: any download fails. */
  const npmEnv = (work: string) => ({ npm_config_registry: 'http://127.0.0.1:9/', npm_config_cache: path.join(work, 'npm-cache'), npm_config_update_notifier: 'false' });

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-pack-'));
    pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    await execa('npm', ['pack', '--pack-destination', work], { cwd: ROOT, env: npmEnv(work) });
    tarball = path.join(work, `${pkg.name}-${pkg.version}.tgz`);
    prefix = path.join(work, 'prefix');
    await mkdir(prefix);
  }, 180_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the tarball holds the bundle, the templates, the READMEs and package.json: no source, tests, fixtures, test kit or maps', async () => {
    const files = (await execa('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean).sort();
    const templates = (await readdir(path.join(ROOT, 'templates'))).map((t) => `package/templates/${t}`);
    expect(files).toEqual(['package/README-amu.md', 'package/README.md', 'package/bundle/amu.cjs', 'package/package.json', ...templates].sort());
  });

  test('the packaged package.json has no runtime dependencies to fetch', async () => {
    const packed = JSON.parse((await execa('tar', ['-xzOf', tarball, 'package/package.json'])).stdout) as Record<string, unknown>;
    expect(packed.dependencies ?? {}).toEqual({});
    expect(packed.bin).toEqual({ amu: 'bundle/amu.cjs' });
  });

  test('installs with npm install -g --offline and no reachable registry, and runs as amu', async () => {
    const install = await execa('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { cwd: work, env: npmEnv(work), reject: false });
    expect(install.stderr).not.toMatch(/ERR!/);
    expect(install.exitCode).toBe(0);
    const amu = path.join(prefix, 'bin', 'amu');
    const run = (args: string[], env: Record<string, string> = {}) => execa(amu, args, { cwd: work, env: { PATH: process.env.PATH ?? '', ...env }, extendEnv: false, reject: false });
    expect(await run(['--version'])).toMatchObject({ exitCode: 0, stdout: pkg.version });
    // Installed alone: nothing but the bundle under lib/node_modules/amu.
    expect((await readdir(path.join(prefix, 'lib', 'node_modules', 'amu'))).sort()).toEqual(['README-amu.md', 'README.md', 'bundle', 'package.json', 'templates']);

    const expected = JSON.parse(await readFile(path.join(SAMPLE, 'expected.json'), 'utf8')) as { kek: string };
    const base = { SRC: 'opdk', ORG: 'demo', EMIGRATE_DIR: path.join(work, 'emigrate') };
    const kek = await run(['kek', 'export', '--vault', path.join(SAMPLE, 'vault.jceks')], { ...base, STOREPASS: 'demo-store-pass' });
    expect(kek).toMatchObject({ exitCode: 0, stdout: expected.kek });
    expect((await run(['kvms', 'emigrate', '--cassandra-cli', path.join(SAMPLE, 'bin', 'cassandra-cli')], base)).exitCode).toBe(0);
    const exportDir = path.join(work, 'maven');
    const exp = await run(['kvms', 'export', '--tgt', 'maven', '--maven-project', '--export-dir', exportDir], { ...base, KEK: kek.stdout });
    expect(exp.exitCode).toBe(0);
    expect(await readFile(path.join(exportDir, 'pom.xml'), 'utf8')).toContain('apigee-config-maven-plugin');
  });
});
