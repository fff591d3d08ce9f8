// Children of amu (cassandra-cli, a kubeconfig's exec credential plugin) never see amu's secret variables.
import { execa } from 'execa';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAmu } from '../support/runAmu.js';
import { makeFakeCassandraCli, type FakeCli } from '../support/fakeCassandraCli.js';
import { FakeKubeApi } from '../support/fakeKubeApiServer.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';
import { SECRET_VARIABLES, childEnv } from '../../src/cli/childEnv.js';
import { orgSecretCandidates } from '../../src/cluster/secretNames.js';
import { OPTION } from '../../src/cli/optionCatalog.js';
import { variableOf, type OptionSpec } from '../../src/cli/options.js';

const AMU = fileURLToPath(new URL('../../bin/amu', import.meta.url));

/** One distinct, recognisable value per secret variable. */
const SECRETS: Record<string, string> = {
  KEK: '0f0e0d0c0b0a09080706050403020100',
  DEK: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf',
  STOREPASS: 'storepass-7d1c',
  KEYPASS: 'keypass-91ab',
  CASS_PASSWORD: 'cass-password-5e2f',
  APIGEE_TOKEN: 'ya29.apigee-token-33aa',
  APIGEECLI_AUTH: 'apigeecli-auth-77cc',
};

/** Parses `env -0` output. */
function parseEnv(raw: Buffer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const record of raw.toString('utf8').split('\0').filter(Boolean)) {
    const at = record.indexOf('=');
    env[record.slice(0, at)] = record.slice(at + 1);
  }
  return env;
}

function expectNoSecret(env: Record<string, string>): void {
  for (const name of Object.keys(SECRETS)) expect(env).not.toHaveProperty(name);
  const all = JSON.stringify(env);
  for (const value of Object.values(SECRETS)) expect(all).not.toContain(value);
}

describe('childEnv', () => {
  test('covers every secret option of the catalog and the other secret variables', () => {
    const fromCatalog = Object.entries(OPTION as Record<string, OptionSpec>)
      .filter(([, s]) => s.secret)
      .map(([flag, s]) => variableOf(flag, s));
    expect(fromCatalog.length).toBeGreaterThan(0);
    for (const name of [...fromCatalog, ...Object.keys(SECRETS)]) expect(SECRET_VARIABLES).toContain(name);
    const clean = childEnv({ ...SECRETS, PATH: '/bin', HOME: '/home/u', KUBECONFIG: '/k' });
    expect(clean).toEqual({ PATH: '/bin', HOME: '/home/u', KUBECONFIG: '/k' });
  });
});

describe('cassandra-cli gets no secret variable', () => {
  let fake: FakeCli;
  let work: string;

  beforeAll(async () => {
    fake = makeFakeCassandraCli();
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-childenv-'));
    const kek = Buffer.from(SECRETS.KEK!, 'hex');
    const columns = buildEdgeColumns(kek, [{ scope: { kind: 'org' }, name: 'K', encrypted: true, entries: [{ name: 'a', value: 'b' }] }], seededRandomBytes('childenv'));
    await writeFile(path.join(work, 'source.out'), formatCliDump('my-org', columns));
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await rm(fake.binDir, { recursive: true, force: true });
  });

  test('emigrate with KEK, DEK, STOREPASS, KEYPASS, CASS_PASSWORD, APIGEE_TOKEN set: none reaches cassandra-cli', async () => {
    const env = { PATH: fake.path, FAKE_CLI_MODE: 'ok', FAKE_CLI_DUMP: path.join(work, 'source.out'), SRC: 'opdk', ORG: 'my-org', EMIGRATE_DIR: path.join(work, 'e'), ...SECRETS };
    const r = await runAmu(['kvms', 'emigrate'], env);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const seen = parseEnv(await readFile(fake.envFile));
    expectNoSecret(seen);
    expect(seen.FAKE_CLI_MODE).toBe('ok');
    expect(seen.PATH).toBe(fake.path);
  });
});

describe('a kubeconfig exec credential plugin started by the Kubernetes client gets no secret variable', () => {
  let kube: FakeKubeApi;
  let work: string;

  beforeAll(async () => {
    kube = await FakeKubeApi.start();
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-childenv-kube-'));
  });

  afterAll(async () => {
    await kube.close();
    await rm(work, { recursive: true, force: true });
  });

  test('bin/amu kek export --src hybrid: the plugin sees the ordinary environment, not KEK or STOREPASS', async () => {
    const envFile = path.join(work, 'plugin-env.bin');
    const plugin = path.join(work, 'credential-plugin');
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: kube.token } });
    await writeFile(plugin, `#!/usr/bin/env bash\nenv -0 > '${envFile}'\nprintf '%s' '${credential}'\n`);
    await chmod(plugin, 0o755);
    const kubeconfig = path.join(work, 'kubeconfig');
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'fake', cluster: { server: kube.url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin, args: [], interactiveMode: 'Never' } } }],
        contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'u', namespace: 'apigee' } }],
        'current-context': 'fake',
      }),
      { mode: 0o600 },
    );
    kube.addSecret('apigee', orgSecretCandidates('my-org')[0]!, { kvmEncryptionKey: Buffer.alloc(16, 7).toString('base64') });
    const r = await execa(AMU, ['kek', 'export', '--src', 'hybrid', '--org', 'my-org', '--kubeconfig', kubeconfig], {
      env: { PATH: process.env.PATH, HOME: work, MARKER: 'kept', ...SECRETS },
      extendEnv: false,
      reject: false,
    });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('07'.repeat(16));
    const seen = parseEnv(await readFile(envFile));
    expectNoSecret(seen);
    expect(seen.MARKER).toBe('kept');
  });
});
