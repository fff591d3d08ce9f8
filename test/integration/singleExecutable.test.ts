// The linux-x64 single executable of `npm run package`, run alone: env -i, a PATH with no node, from an empty folder.
import { execa, execaSync } from 'execa';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createHash, generateKeyPairSync } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeKubeApi } from '../support/fakeKubeApiServer.js';
import { FakeCqlshPod } from '../support/fakeCqlshPod.js';
import { FakeApigeeApi } from '../support/fakeApigeeApi.js';
import { makeTestCerts, opensslAvailable } from '../support/testCerts.js';
import { startCqlServer, kvmMapEntryTable, kvmMapDescriptorTable } from '../support/cqlServer.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = path.join(ROOT, 'fixtures', 'sample');
const supported = process.platform === 'linux' && process.arch === 'x64';
const describeSea = supported ? describe : describe.skip;
if (!supported) console.warn(`singleExecutable: the single executable is built for linux-x64 only, this is ${process.platform}-${process.arch}: skipped`);

function objdumpAvailable(): boolean {
  return execaSync('bash', ['-c', 'command -v objdump'], { reject: false }).exitCode === 0;
}

/** A folder of symlinks to just the programs the sample's cassandra-cli script needs: no node among them. */
async function toolsOnlyPath(dir: string): Promise<string> {
  await mkdir(dir);
  for (const tool of ['bash', 'sh', 'cat', 'dirname']) {
    const found = (await execa('bash', ['-c', `command -v ${tool}`])).stdout.trim();
    await symlink(found, path.join(dir, tool));
  }
  return dir;
}

describeSea('release/amu-linux-x64 (npm run package), with no Node.js where it runs', () => {
  let work: string;
  let exe: string;
  let empty: string;
  let toolsPath: string;
  let buildOutput: string;

  /** Runs the executable under `env -i` with only the given variables and the tools-only PATH. */
  function amu(args: string[], env: Record<string, string> = {}) {
    const vars = Object.entries({ PATH: toolsPath, ...env }).map(([k, v]) => `${k}=${v}`);
    return execa('/usr/bin/env', ['-i', ...vars, exe, ...args], { cwd: empty, reject: false });
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-sea-'));
    const build = await execa(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), '--out', path.join(work, 'release')], { cwd: ROOT, all: true });
    buildOutput = build.stdout;
    exe = path.join(work, 'release', 'amu-linux-x64');
    empty = path.join(work, 'empty');
    await mkdir(empty);
    toolsPath = await toolsOnlyPath(path.join(work, 'tools'));
  }, 240_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('the build writes the executable and its checksum, and says its size and the glibc it needs', async () => {
    expect(await readdir(path.join(work, 'release'))).toEqual(['amu-linux-x64', 'amu-linux-x64.sha256']);
    const digest = createHash('sha256').update(await readFile(exe)).digest('hex');
    expect(await readFile(`${exe}.sha256`, 'utf8')).toBe(`${digest}  amu-linux-x64\n`);
    expect(buildOutput).toMatch(/amu-linux-x64: \d+\.\d MiB, sha256 [0-9a-f]{64}/);
    // objdump (binutils; .ci/run installs it) reads the highest GLIBC_ symbol version the executable imports.
    if (objdumpAvailable()) expect(buildOutput).toMatch(/needs glibc >= 2\.\d+, libstdc\+\+ with GLIBCXX_3\.4\.\d+/);
    else expect(buildOutput).toContain('needs glibc >= (objdump not found)');
    expect((await stat(exe)).mode & 0o111).toBe(0o111);
  });

  test('no node on the PATH it runs with, and nothing else in its environment', async () => {
    expect((await readdir(toolsPath)).sort()).toEqual(['bash', 'cat', 'dirname', 'sh']);
    const r = await execa('/usr/bin/env', ['-i', `PATH=${toolsPath}`, '/usr/bin/env'], { reject: false });
    expect(r).toMatchObject({ exitCode: 0, stdout: `PATH=${toolsPath}` });
  });

  test('--version, --help and shell completion', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const version = await amu(['--version']);
    expect(version).toMatchObject({ exitCode: 0, stdout: pkg.version, stderr: '' });
    const help = await amu(['kvms', 'emigrate', '--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('--print-command');
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('[env: EMIGRATE_DIR]');
    const script = await amu(['completion']);
    expect(script.exitCode).toBe(0);
    expect(script.stdout).toContain('--get-yargs-completions');
    const words = await amu(['--get-yargs-completions', 'amu', 'kv']);
    expect(words.stdout.split('\n')).toContain('kvms');
  });

  test('the whole Edge pipeline on the sample: kek export, emigrate with its cassandra-cli, export to both targets, verify', async () => {
    const expected = JSON.parse(await readFile(path.join(SAMPLE, 'expected.json'), 'utf8')) as { kek: string };
    const base = { SRC: 'opdk', ORG: 'demo', EMIGRATE_DIR: 'emigrate' };
    const kek = await amu(['kek', 'export', '--vault', path.join(SAMPLE, 'vault.jceks')], { ...base, STOREPASS: 'demo-store-pass' });
    expect(kek).toMatchObject({ exitCode: 0, stdout: expected.kek, stderr: '' });

    const emigrate = await amu(['kvms', 'emigrate', '--cassandra-cli', path.join(SAMPLE, 'bin', 'cassandra-cli')], base);
    expect(emigrate.stderr).not.toMatch(/error/);
    expect(emigrate.exitCode).toBe(0);
    expect(await readdir(path.join(empty, 'emigrate'))).toEqual(['demo-kvms.out', 'demo-kvms.out.meta.json']);

    for (const [tgt, dir, extra] of [
      ['apigeecli', 'apigeecli', []],
      ['maven', 'maven', ['--maven-project']],
    ] as const) {
      const exp = await amu(['kvms', 'export', '--tgt', tgt, '--export-dir', dir, ...extra], { ...base, KEK: kek.stdout });
      expect(exp.stderr).not.toMatch(/error/);
      expect(exp.exitCode).toBe(0);
      const verify = await amu(['kvms', 'verify', '--tgt', tgt, '--export-dir', dir], { ...base, KEK: kek.stdout });
      expect(verify.exitCode).toBe(0);
      expect(verify.stdout).toMatch(/: OK\n[^]*total: 10 KVM\(s\): 10 OK, 0 missing, 0 different, 0 extra, 0 undecryptable/);
    }
    // The maven project's pom comes from the template embedded in the executable.
    expect(await readFile(path.join(empty, 'maven', 'pom.xml'), 'utf8')).toContain('apigee-config-maven-plugin');
    const body = JSON.parse(await readFile(path.join(empty, 'apigeecli', 'env__prod__backendCredentials__kvmfile__0.json'), 'utf8'));
    expect(body.keyValueEntries.length).toBeGreaterThan(0);
  });

  test('a Kubernetes command against the fake API: kek export --src hybrid with a kubeconfig file', async () => {
    const fake = await FakeKubeApi.start();
    try {
      const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
      fake.addSecret('apigee', 'my-org-encryption-keys', { kvmEncryptionKey: key.toString('base64') });
      const kubeconfig = await fake.writeKubeconfig();
      const r = await amu(['kek', 'export', '--src', 'hybrid', '--org', 'my-org', '--kubeconfig', kubeconfig]);
      expect(r.stderr).toContain('kvmEncryptionKey of secret apigee/my-org-encryption-keys: AES-128 key');
      expect(r).toMatchObject({ exitCode: 0, stdout: key.toString('hex') });
      expect(fake.requests.map((q) => `${q.verb} ${q.resource} ${q.name ?? ''}`)).toContain('get secrets my-org-encryption-keys');
    } finally {
      await fake.close();
    }
  });

  (opensslAvailable() ? test : test.skip)('in a pod: the in-cluster service account (token, CA, KUBERNETES_SERVICE_HOST/PORT) over TLS, and the Job\'s emigrate over CQL', async () => {
    const certs = makeTestCerts();
    const fake = await FakeKubeApi.start({ tls: { key: certs.key, cert: certs.cert }, token: 'sea-sa-token' });
    try {
      const sa = path.join(work, 'serviceaccount');
      await mkdir(sa);
      await writeFile(path.join(sa, 'token'), 'sea-sa-token');
      await writeFile(path.join(sa, 'ca.crt'), certs.ca);
      await writeFile(path.join(sa, 'namespace'), 'apigee');
      const key = Buffer.from('fedcba9876543210fedcba9876543210', 'hex');
      fake.addSecret('apigee', 'my-org-encryption-keys', { kvmEncryptionKey: key.toString('base64') });
      const r = await amu(['kek', 'export', '--src', 'hybrid', '--org', 'my-org'], {
        KUBERNETES_SERVICE_HOST: 'localhost',
        KUBERNETES_SERVICE_PORT: String(fake.listenPort),
        AMU_SERVICEACCOUNT_DIR: sa,
      });
      expect(r.stderr).toContain(`Kubernetes: in-cluster service account of namespace apigee (token and CA in ${sa}), API server https://localhost:${fake.listenPort}`);
      expect(r).toMatchObject({ exitCode: 0, stdout: key.toString('hex') });

      // The Job's emigrate: the bundled cassandra-driver over TLS, DML user and CA read through the API.
      fake.addSecret('apigee', 'apigee-datastore-default-creds', { 'dml.user': 'dml', 'dml.password': 'sea-dml-pw' });
      fake.addSecret('apigee', 'apigee-cassandra-default-tls', { 'ca.crt': certs.ca });
      const when = new Date('2024-01-01T00:00:00Z');
      const cql = await startCqlServer({
        tls: { key: certs.key, cert: certs.cert },
        auth: { username: 'dml', password: 'sea-dml-pw' },
        tables: [
          kvmMapEntryTable('my-org', [['my-org', '', 'm', 1, 'k', when, 'x', null, null, 'AAAAAAAAAAAAAAAAAAAAAA==']]),
          kvmMapDescriptorTable('my-org', [['my-org', '', 'm', null, when, 'x', null, null, 1]]),
        ],
      });
      try {
        const args = ['kvms', 'emigrate', '--src=hybrid', '--reader=cql', '--org=my-org', '--cass-ip=127.0.0.1', `--cql-port=${cql.port}`, '--emigrate-dir=volume/emigrate'];
        const job = await amu(args, { KUBERNETES_SERVICE_HOST: 'localhost', KUBERNETES_SERVICE_PORT: String(fake.listenPort), AMU_SERVICEACCOUNT_DIR: sa });
        expect(job.stderr).not.toContain('sea-dml-pw');
        expect(job.exitCode).toBe(0);
        expect(job.stdout).toMatch(/my-org-kvms\.out: 1 rows/);
        expect((await readdir(path.join(empty, 'volume', 'emigrate'))).sort()).toEqual(['my-org-kvm-descriptors.out', 'my-org-kvm-descriptors.out.meta.json', 'my-org-kvms.out', 'my-org-kvms.out.meta.json']);
      } finally {
        await cql.close();
      }
    } finally {
      await fake.close();
    }
  });

  test('kvms import into the fake Apigee API with a service-account key (the bundled google-auth-library and gaxios)', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const email = 'amu-sea@my-x-project.iam.gserviceaccount.com';
    const api = new FakeApigeeApi({ serviceAccounts: { [email]: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    await api.start();
    try {
      api.addOrg('x-org', ['prod', 'test'], ['orders-api', 'weather-api']);
      const keyFile = path.join(work, 'sa-key.json');
      const key = { type: 'service_account', project_id: 'p', private_key_id: '01', private_key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), client_email: email, client_id: '1', token_uri: `${api.url}/token` };
      await writeFile(keyFile, JSON.stringify(key), { mode: 0o600 });
      const kek = JSON.parse(await readFile(path.join(SAMPLE, 'expected.json'), 'utf8')).kek as string;
      const base = { SRC: 'opdk', ORG: 'demo', EMIGRATE_DIR: 'import-emigrate' };
      expect((await amu(['kvms', 'emigrate', '--cassandra-cli', path.join(SAMPLE, 'bin', 'cassandra-cli')], base)).exitCode).toBe(0);
      const r = await amu(['kvms', 'import', '--tgt-org', 'x-org', '--account', keyFile, '--debug'], { ...base, KEK: kek, API_URL: api.url });
      expect(r.stderr).toContain(`authenticated with service account ${email}`);
      expect(r.exitCode).toBe(0);
      expect(api.stats.tokenRequests).toBeGreaterThan(0);
      expect(Object.keys(api.entriesOf('x-org', 'env:prod', 'backendCredentials') ?? {}).length).toBeGreaterThan(0);
    } finally {
      await api.stop();
    }
  });

  test('its cqlsh client pod manifest comes from the embedded template', async () => {
    expect(existsSync(path.join(empty, 'templates'))).toBe(false);
    const fake = await FakeKubeApi.start();
    try {
      fake.addSecret('apigee', 'apigee-datastore-default-creds', { 'dml.user': 'u', 'dml.password': 'p' });
      fake.addSecret('apigee', 'apigee-cassandra-default-tls', { 'ca.crt': 'CA' });
      const pod = new FakeCqlshPod();
      pod.addTable('rtc_o1_hybrid.contract_ref', { columns: ['org', 'env'], rows: [['o1', 'prod'], ['o1', 'test'], ['o1', 'prod']] });
      fake.onExec(pod.handler);
      const kubeconfig = await fake.writeKubeconfig();
      const r = await amu(['organizations', 'list', '--src', 'hybrid', '--org', 'o1', '--hybrid-version', '1.10.3', '--kubeconfig', kubeconfig], { AMU_KUBE_POLL_MS: '20' });
      expect(r).toMatchObject({ exitCode: 0, stdout: 'o1,prod\no1,test' });
      expect(fake.count('create', 'pods')).toBe(1);
      expect(fake.getPod('apigee', 'amu-cqlsh')?.spec.containers[0].image).toBe('gcr.io/apigee-release/hybrid/apigee-hybrid-cassandra-client:1.10.3');
    } finally {
      await fake.close();
    }
  });

  test('kek rbac prints the embedded RBAC template, filled in', async () => {
    const r = await amu(['kek', 'rbac', '--org', 'o1', '--envs', 'prod']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('kind: Role');
    expect(r.stdout).toContain('"o1-prod-encryption-keys"');
    expect(r.stdout).not.toContain('__ORG__');
  });
});
