// The hybrid commands (kek export, kvms emigrate, cassandra cqlsh/backup, organizations list) in-process against the fake Kubernetes API.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { FakeKubeApi } from '../support/fakeKubeApiServer.js';
import { FakeCqlshPod, csv, type FakeTable } from '../support/fakeCqlshPod.js';
import { runCli } from '../../src/cli/main.js';
import { clientImage } from '../../src/cluster/clientPod.js';
import { envEncodedName, envSecretCandidates, orgSecretCandidates } from '../../src/cluster/secretNames.js';

const NS = 'apigee';
const ORG = 'my-org';
const VERSION = '1.10.3';
const DML_PASSWORD = 'dml-Pa55word-7f3a9c';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let fake: FakeKubeApi;
let pod: FakeCqlshPod;
let kubeconfig: string;
let work: string;

/** Runs amu in-process with the given stdin; the fake cluster's kubeconfig and fast polling come from the environment. */
async function amu(args: string[], extraEnv: NodeJS.ProcessEnv = {}, stdin: string = ''): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const env = { PATH: process.env.PATH, KUBECONFIG: kubeconfig, AMU_KUBE_POLL_MS: '5', AMU_POD_READY_TIMEOUT_MS: '3000', ...extraEnv };
  const code = await runCli(args, { stdin: Readable.from([Buffer.from(stdin)]), stdout, stderr, env, cwd: work, isTTY: false });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** The secret data of a hybrid key: base64 text of the raw key (the API adds its own base64). */
function keyData(key: Buffer): string {
  return key.toString('base64');
}

function addPodSecrets(namespace = NS): void {
  fake.addSecret(namespace, 'apigee-datastore-default-creds', { 'dml.user': 'dml_user', 'dml.password': DML_PASSWORD });
  fake.addSecret(namespace, 'apigee-cassandra-default-tls', { 'tls.crt': 'CERT', 'tls.key': 'KEY', 'ca.crt': 'CA' });
}

beforeEach(async () => {
  fake = await FakeKubeApi.start();
  pod = new FakeCqlshPod({ APIGEE_DML_USER: 'dml_user', APIGEE_DML_PASSWORD: DML_PASSWORD, CASSANDRA_HOST: 'apigee-cassandra-default.apigee.svc.cluster.local' });
  fake.onExec(pod.handler);
  kubeconfig = await fake.writeKubeconfig();
  work = await mkdtemp(path.join(os.tmpdir(), 'amu-hybrid-'));
  addPodSecrets();
});

afterEach(async () => {
  // Credentials stay in the pod: no exec of any test ever carries the DML password.
  for (const argv of [...pod.execs, ...pod.cqlshArgv]) expect(argv.join('\u0000')).not.toContain(DML_PASSWORD);
  // ...and cqlsh read them from a private cqlshrc, every time.
  expect(pod.credentialProblems).toEqual([]);
  pod.dispose();
  await fake.close();
  await rm(work, { recursive: true, force: true });
});

describe('kek export --src hybrid', () => {
  const orgKey = randomBytes(16);
  const envKey = randomBytes(32);

  test.each(orgSecretCandidates(ORG).map((name, i) => [i, name]))('org key from candidate %i (%s)', async (_i, name) => {
    fake.addSecret(NS, name, { kvmEncryptionKey: keyData(orgKey), envKvmEncryptionKey: keyData(envKey) });
    const r = await amu(['kek', 'export', '--src', 'hybrid', '--org', ORG]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${orgKey.toString('hex')}\n`);
    expect(r.stderr).toContain(`kvmEncryptionKey of secret ${NS}/${name}`);
  });

  test.each(envSecretCandidates(ORG, 'prod').map((name, i) => [i, name]))('env key from candidate %i (%s)', async (_i, name) => {
    fake.addSecret(NS, name, { envKvmEncryptionKey: keyData(envKey) });
    const r = await amu(['kek', 'export', '--src', 'hybrid', '--org', ORG, '--env', 'prod']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${envKey.toString('hex')}\n`);
  });

  test('--secret names the secret; a long org uses the shortened encoded name', async () => {
    const long = 'a-very-long-organization';
    fake.addSecret(NS, `${envEncodedName(long, 'test')}-encryption-keys`, { envKvmEncryptionKey: keyData(envKey) });
    fake.addSecret(NS, 'custom-keys', { kvmEncryptionKey: keyData(orgKey) });
    const env = await amu(['kek', 'export', '--src', 'hybrid', '--org', long, '--env', 'test']);
    expect(env.stdout).toBe(`${envKey.toString('hex')}\n`);
    const named = await amu(['kek', 'export', '--src', 'hybrid', '--org', long, '--secret', 'custom-keys']);
    expect(named.stdout).toBe(`${orgKey.toString('hex')}\n`);
  });

  test('no secret: the names tried and the *-encryption-keys secrets that exist', async () => {
    fake.addSecret(NS, 'other-org-encryption-keys', { kvmEncryptionKey: keyData(orgKey) });
    fake.addSecret(NS, 'my-org-stage-encryption-keys', { envKvmEncryptionKey: keyData(envKey) });
    const r = await amu(['kek', 'export', '--src', 'hybrid', '--org', ORG, '--env', 'prod']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    for (const name of envSecretCandidates(ORG, 'prod')) expect(r.stderr).toContain(name);
    expect(r.stderr).toContain('my-org-stage-encryption-keys, other-org-encryption-keys');
    expect(r.stderr).not.toContain('apigee-datastore-default-creds');
  });

  test('a secret without the data key: the keys it has are named', async () => {
    fake.addSecret(NS, 'my-org-encryption-keys', { kmsEncryptionKey: keyData(orgKey), cacheEncryptionKey: keyData(orgKey) });
    const r = await amu(['kek', 'export', '--src', 'hybrid', '--org', ORG]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`secret ${NS}/my-org-encryption-keys has no kvmEncryptionKey`);
    expect(r.stderr).toContain('cacheEncryptionKey, kmsEncryptionKey');
  });

  test('--keys-file: 0600 JSON of the org key and every env key found, nothing secret printed', async () => {
    const keys = { org: randomBytes(16), prod: randomBytes(16), test: randomBytes(24) };
    fake.addSecret(NS, `${orgSecretCandidates(ORG)[0]}`, { kvmEncryptionKey: keyData(keys.org) });
    fake.addSecret(NS, 'my-org-prod-encryption-keys', { envKvmEncryptionKey: keyData(keys.prod) });
    fake.addSecret(NS, `${envEncodedName(ORG, 'test')}-encryption-keys`, { envKvmEncryptionKey: keyData(keys.test) });
    fake.addSecret(NS, `${envEncodedName(ORG, 'an-environment-name-too-long')}-encryption-keys`, { envKvmEncryptionKey: keyData(keys.test) });
    const file = path.join(work, 'keys.json');
    const r = await amu(['kek', 'export', '--src', 'hybrid', '--org', ORG, '--keys-file', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      org: keys.org.toString('hex'),
      envs: { prod: keys.prod.toString('hex'), test: keys.test.toString('hex') },
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(r.stderr).toMatch(/Wrote .*keys\.json \(0600\).*found from the secret names: prod \(my-org-prod-encryption-keys\), test/);
    expect(r.stderr).toContain('its environment name is shortened');
    for (const key of Object.values(keys)) expect(r.stderr).not.toContain(key.toString('hex'));
  });

  test('--keys-file with --envs reads exactly those environments', async () => {
    const keys = { org: randomBytes(16), prod: randomBytes(16) };
    fake.addSecret(NS, 'my-org-encryption-keys', { kvmEncryptionKey: keyData(keys.org) });
    fake.addSecret(NS, `${envEncodedName(ORG, 'prod')}-encryption-keys`, { envKvmEncryptionKey: keyData(keys.prod) });
    fake.addSecret(NS, 'my-org-test-encryption-keys', { envKvmEncryptionKey: keyData(randomBytes(16)) });
    const file = path.join(work, 'keys.json');
    const r = await amu(['kek', 'export', '--src', 'hybrid', '--org', ORG, '--keys-file', file, '--envs', 'prod']);
    expect(r.code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ org: keys.org.toString('hex'), envs: { prod: keys.prod.toString('hex') } });
    expect(r.stderr).toContain('given with --envs: prod');
    const missing = await amu(['kek', 'export', '--src', 'hybrid', '--org', ORG, '--keys-file', file, '--envs', 'prod,qa']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no key secret of environment qa of org my-org');
    expect(missing.stderr).toContain('check --namespace, --org and --envs');
  });

  test('--keys-file with no env secret found asks for --envs', async () => {
    fake.addSecret(NS, 'my-org-encryption-keys', { kvmEncryptionKey: keyData(orgKey) });
    const file = path.join(work, 'keys.json');
    const r = await amu(['kek', 'export', '--src', 'hybrid', '--org', ORG, '--keys-file', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--envs');
    await expect(stat(file)).rejects.toThrow();
  });

  test('environment variables work like flags', async () => {
    fake.addSecret('hybrid', 'k', { envKvmEncryptionKey: keyData(envKey) });
    const flags = await amu(['kek', 'export', '--src', 'hybrid', '--org', ORG, '--env', 'prod', '--namespace', 'hybrid', '--secret', 'k', '--kubeconfig', kubeconfig]);
    const vars = await amu(['kek', 'export'], { SRC: 'hybrid', ORG, ENV: 'prod', NAMESPACE: 'hybrid', SECRET: 'k', CONTEXT: 'fake' });
    expect(flags.code).toBe(0);
    expect(vars).toEqual(flags);
    const file = path.join(work, 'k.json');
    fake.addSecret('hybrid', 'o', { kvmEncryptionKey: keyData(orgKey) });
    fake.addSecret('hybrid', 'my-org-prod-encryption-keys', { envKvmEncryptionKey: keyData(envKey) });
    const keysFile = await amu(['kek', 'export'], { SRC: 'hybrid', ORG, NAMESPACE: 'hybrid', SECRET: 'o', KEYS_FILE: file, ENVS: 'prod' });
    expect(keysFile.stderr).toContain('given with --envs: prod');
    expect(keysFile.code).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ org: orgKey.toString('hex'), envs: { prod: envKey.toString('hex') } });
  });
});

/** KVM tables of the fake pod: entries and descriptors of ORG. */
function kvmTables(entryRows: number): { entries: FakeTable; descriptors: FakeTable } {
  const entries: FakeTable = {
    columns: ['tid', 'a_scp', 'map', 'ver', 'key', 'c_at', 'c_by', 'u_at', 'u_by', 'val'],
    rows: Array.from({ length: entryRows }, (_, i) => [ORG, i % 2 ? 'environments###prod' : '', `map${i % 3}`, '1', `key | ${i}`, null, 'amu', null, null, randomBytes(16).toString('base64')]),
  };
  const descriptors: FakeTable = {
    columns: ['tid', 'a_scp', 'map', 'attr', 'c_at', 'c_by', 'u_at', 'u_by', 'ver'],
    rows: [0, 1, 2].map((i) => [ORG, '', `map${i}`, null, null, null, null, null, '1']),
  };
  return { entries, descriptors };
}

describe('kvms emigrate --src hybrid', () => {
  const ks = 'kvm_my_org_hybrid';
  const entrySelect = `SELECT * FROM ${ks}.kvm_map_entry WHERE tid = '${ORG}' ALLOW FILTERING;`;
  const descriptorSelect = `SELECT * FROM ${ks}.kvm_map_descriptor WHERE tid = '${ORG}' ALLOW FILTERING;`;
  const args = (dir: string) => ['kvms', 'emigrate', '--src', 'hybrid', '--org', ORG, '--emigrate-dir', dir, '--hybrid-version', VERSION];

  beforeEach(() => {
    const { entries, descriptors } = kvmTables(500);
    pod.addTable(`${ks}.kvm_map_entry`, entries);
    pod.addTable(`${ks}.kvm_map_descriptor`, descriptors);
  });

  test('creates the pod, writes both dumps as the pod printed them, checked, with metadata', async () => {
    const dir = path.join(work, 'emigrate');
    const r = await amu(args(dir));
    expect(r.stderr).toContain(`creating cqlsh client pod ${NS}/amu-cqlsh (image ${clientImage(VERSION)})`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('500 rows of kvm_map_entry');
    expect(r.stdout).toContain('3 rows of kvm_map_descriptor');
    expect(r.stderr).toContain('warning: cqlsh: Notice: Credentials in the cqlshrc file is deprecated');
    const entryFile = path.join(dir, 'my-org-kvms.out');
    const descriptorFile = path.join(dir, 'my-org-kvm-descriptors.out');
    expect(await readFile(entryFile, 'utf8')).toBe(pod.printed.get(entrySelect));
    expect(await readFile(descriptorFile, 'utf8')).toBe(pod.printed.get(descriptorSelect));
    expect((await stat(entryFile)).mode & 0o777).toBe(0o600);
    expect(pod.cqlInputs).toEqual([`PAGING OFF;\n${entrySelect}\n`, `PAGING OFF;\n${descriptorSelect}\n`]);
    const meta = JSON.parse(await readFile(`${entryFile}.meta.json`, 'utf8'));
    expect(meta).toMatchObject({ reader: 'cqlsh-pod', org: ORG, rows: 500, input: `PAGING OFF;\n${entrySelect}\n` });
    expect(meta.command).toContain('$APIGEE_DML_PASSWORD');
    expect((await readdir(dir)).sort()).toEqual([
      'my-org-kvm-descriptors.out',
      'my-org-kvm-descriptors.out.meta.json',
      'my-org-kvms.out',
      'my-org-kvms.out.meta.json',
    ]);
    expect(pod.execs.length).toBe(2);
    expect(fake.getPod(NS, 'amu-cqlsh')?.spec.containers[0].image).toBe(clientImage(VERSION));
  });

  test('truncated output is an error and leaves no dump', async () => {
    pod.failures = [{ match: 'kvm_map_descriptor', truncate: true }];
    const dir = path.join(work, 'truncated');
    const r = await amu(args(dir));
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('kvm_map_descriptor is incomplete or not a table');
    expect(r.stderr).toContain('truncated');
    expect(await readdir(dir)).toEqual([]);
  });

  test("a cqlsh error on stderr fails the command with cqlsh's text, even with exit code 0", async () => {
    const text = '<stdin>:2:ReadTimeout: Error from server: code=1200 [Coordinator node timed out waiting for replica nodes\' responses]';
    pod.failures = [{ match: 'kvm_map_entry', stderr: `${text}\n`, exitCode: 0 }];
    const dir = path.join(work, 'error');
    const r = await amu(args(dir));
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(text);
    expect(await readdir(dir)).toEqual([]);
  });

  test('a non-zero exit fails the command', async () => {
    pod.failures = [{ match: 'kvm_map_entry', stderr: 'Connection error: (\'Unable to connect to any servers\')\n', exitCode: 1 }];
    const r = await amu(args(path.join(work, 'exit')));
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('cqlsh exited with code 1');
    expect(r.stderr).toContain('Unable to connect to any servers');
  });

  test('no rows of the org although the table holds another tenant: an error, not an empty dump', async () => {
    const { entries } = kvmTables(3);
    pod.addTable(`${ks}.kvm_map_entry`, { ...entries, rows: entries.rows.map((r) => ['other', ...r.slice(1)]) });
    const dir = path.join(work, 'tenant');
    const r = await amu(args(dir));
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('rows of tenant "other"');
    expect(await readdir(dir)).toEqual([]);
  });

  test('no rows at all (a misspelt org) is exit 3, keeps the earlier dumps; --allow-empty records an empty dump', async () => {
    const dir = path.join(work, 'empty');
    expect((await amu(args(dir))).code).toBe(0);
    const before = await readFile(path.join(dir, 'my-org-kvms.out'), 'utf8');
    const { entries } = kvmTables(0);
    pod.addTable(`${ks}.kvm_map_entry`, entries);
    const r = await amu(args(dir));
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no KVM rows found for organization "my-org" in kvm_my_org_hybrid\.kvm_map_entry/);
    expect(r.stderr).toContain('amu organizations list --src hybrid');
    expect(await readFile(path.join(dir, 'my-org-kvms.out'), 'utf8')).toBe(before);
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
    const allowed = await amu([...args(dir), '--allow-empty']);
    expect(allowed.code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'my-org-kvms.out.meta.json'), 'utf8'))).toMatchObject({ rows: 0, allowEmpty: true });
  });

  test('a private registry and the pod TTL shape the pod; env variables work like flags', async () => {
    const flags = await amu([...args(path.join(work, 'a')), '--registry', 'mirror.example.com/apigee', '--pod-ttl', '900']);
    expect(flags.code).toBe(0);
    const created = fake.getPod(NS, 'amu-cqlsh')!;
    expect(created.spec.containers[0].image).toBe(`mirror.example.com/apigee/apigee-hybrid-cassandra-client:${VERSION}`);
    expect(created.spec.containers[0].command).toEqual(['sleep', '900']);
    const dir = path.join(work, 'b');
    const vars = await amu(['kvms', 'emigrate'], {
      SRC: 'hybrid', ORG, EMIGRATE_DIR: dir, HYBRID_VERSION: VERSION, REGISTRY: 'mirror.example.com/apigee', POD_TTL: '900', NAMESPACE: NS,
    });
    expect(vars.code).toBe(0);
    expect(vars.stderr).toContain('reusing cqlsh client pod');
    expect(await readFile(path.join(dir, 'my-org-kvms.out'), 'utf8')).toBe(pod.printed.get(entrySelect));
  });
});

describe('cassandra cqlsh', () => {
  test('stdin reaches cqlsh in the pod, its exit code is amu\'s, no credentials in argv', async () => {
    pod.interactiveExitCode = 3;
    const input = 'SELECT now() FROM system.local;\nexit\n';
    const r = await amu(['cassandra', 'cqlsh', '--hybrid-version', VERSION, '--org', ORG], {}, input);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(`session got: ${input}`);
    expect(r.stderr).toContain('Credentials in the cqlshrc');
    const argv = pod.execs[0]!;
    expect(argv.slice(0, 2)).toEqual(['bash', '-c']);
    expect(argv[2]).toContain('--cqlshrc "$amu_rc_dir/cqlshrc"');
    expect(argv[2]).not.toMatch(/ -p | -u /);
    expect(argv.slice(-2)).toEqual(['-k', 'kvm_my_org_hybrid']);
    // What cqlsh itself was started with in the pod (ps shows it): host, --ssl, the cqlshrc, the keyspace; no credentials.
    const cqlshArgv = pod.cqlshArgv[0]!;
    expect(cqlshArgv[0]).toBe('apigee-cassandra-default.apigee.svc.cluster.local');
    expect(cqlshArgv.slice(1, 3)).toEqual(['--ssl', '--cqlshrc']);
    expect(cqlshArgv.slice(-2)).toEqual(['-k', 'kvm_my_org_hybrid']);
    expect(cqlshArgv.join(' ')).not.toContain('dml_user');
  });

  test('exit code 0 and variables for options', async () => {
    const r = await amu(['cassandra', 'cqlsh'], { HYBRID_VERSION: VERSION }, 'DESCRIBE KEYSPACES;\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('session got: DESCRIBE KEYSPACES;\n');
    expect(pod.execs[0]).not.toContain('-k');
  });
});

describe('cassandra backup --src hybrid', () => {
  const tables: Record<string, FakeTable> = {
    'kvm_my_org_hybrid.kvm_map_entry': kvmTables(4).entries,
    'rtc_my_org_hybrid.contract_ref': { columns: ['org', 'env', 'id'], rows: [[ORG, 'prod', 'a,"b"\nc']] },
    'kvm_org_hybrid.kvm_map_entry': { columns: ['tid'], rows: [['org']] },
    'quota_other_hybrid.buckets': { columns: ['k', 'v'], rows: [] },
  };

  beforeEach(() => {
    for (const [name, table] of Object.entries(tables)) pod.addTable(name, table);
  });

  test("--org: one CSV (0600, with header) per table of the org's keyspaces, pod files removed", async () => {
    const dir = path.join(work, 'backup');
    const r = await amu(['cassandra', 'backup', '--src', 'hybrid', '--org', ORG, '--backup-dir', dir, '--hybrid-version', VERSION]);
    expect(r.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      'amu-backup.meta.json',
      'kvm_my_org_hybrid.kvm_map_entry.csv',
      'rtc_my_org_hybrid.contract_ref.csv',
    ]);
    for (const name of ['kvm_my_org_hybrid.kvm_map_entry', 'rtc_my_org_hybrid.contract_ref']) {
      const file = path.join(dir, `${name}.csv`);
      expect(await readFile(file, 'utf8')).toBe(csv(tables[name]!));
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    expect(r.stderr).toContain('table kvm_my_org_hybrid.kvm_map_entry: 4 rows');
    expect(r.stderr).toContain('table rtc_my_org_hybrid.contract_ref: 1 rows');
    expect(r.stderr).toContain('Skipping keyspaces not of org my-org: kvm_org_hybrid, quota_other_hybrid');
    expect(pod.files.size).toBe(0);
    expect(pod.cqlInputs).toContain("COPY kvm_my_org_hybrid.kvm_map_entry TO '/tmp/amu-backup/kvm_my_org_hybrid.kvm_map_entry.csv' WITH HEADER = TRUE;\n");
    const manifest = JSON.parse(await readFile(path.join(dir, 'amu-backup.meta.json'), 'utf8'));
    expect(manifest.tables.map((t: { table: string; rows: number }) => [t.table, t.rows])).toEqual([
      ['kvm_my_org_hybrid.kvm_map_entry', 4],
      ['rtc_my_org_hybrid.contract_ref', 1],
    ]);
  });

  test('without --org every non-system keyspace, through variables', async () => {
    const dir = path.join(work, 'all');
    const r = await amu(['cassandra', 'backup'], { SRC: 'hybrid', BACKUP_DIR: dir, HYBRID_VERSION: VERSION });
    expect(r.code).toBe(0);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.csv')).sort();
    expect(files).toEqual(Object.keys(tables).map((t) => `${t}.csv`).sort());
    expect(await readFile(path.join(dir, 'quota_other_hybrid.buckets.csv'), 'utf8')).toBe('k,v\n');
    expect(files.some((f) => f.startsWith('system'))).toBe(false);
  });

  test('a failed COPY stops the backup with its error', async () => {
    pod.failures = [{ match: 'COPY rtc_my_org_hybrid', stderr: "<stdin>:1:Error for (-1, 2): ReadTimeout (permanently given up after 0 rows and 5 attempts)\n", exitCode: 0 }];
    const r = await amu(['cassandra', 'backup', '--src', 'hybrid', '--org', ORG, '--backup-dir', path.join(work, 'b'), '--hybrid-version', VERSION]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('COPY of rtc_my_org_hybrid.contract_ref failed');
    expect(r.stderr).toContain('1 of 2 tables were backed up before this one');
  });
});

describe('organizations list --src hybrid', () => {
  test('prints distinct org,env pairs from contract_ref', async () => {
    pod.addTable('rtc_my_org_hybrid.contract_ref', {
      columns: ['id', 'env', 'org', 'kind'],
      rows: [['1', 'prod', ORG, 'x'], ['2', 'dev', ORG, 'x'], ['3', 'prod', ORG, 'y']],
    });
    const r = await amu(['organizations', 'list', '--src', 'hybrid', '--org', ORG, '--hybrid-version', VERSION]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('my-org,dev\nmy-org,prod\n');
    expect(pod.cqlInputs).toEqual(['PAGING OFF;\nSELECT * FROM rtc_my_org_hybrid.contract_ref;\n']);
    const vars = await amu(['organizations', 'list'], { SRC: 'hybrid', ORG, HYBRID_VERSION: VERSION });
    expect(vars.stdout).toBe(r.stdout);
  });

  test('a contract_ref without org/env columns is an error naming its columns', async () => {
    pod.addTable('rtc_my_org_hybrid.contract_ref', { columns: ['id', 'kind'], rows: [['1', 'x']] });
    const r = await amu(['organizations', 'list', '--src', 'hybrid', '--org', ORG, '--hybrid-version', VERSION]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('has no org and env column');
    expect(r.stderr).toContain('its columns: id, kind');
  });
});

describe('missing options are named together', () => {
  test.each([
    [['kek', 'export', '--src', 'hybrid'], ['--org  (or ORG)']],
    [['kvms', 'emigrate', '--src', 'hybrid'], ['--org  (or ORG)', '--emigrate-dir  (or EMIGRATE_DIR)', '--hybrid-version  (or HYBRID_VERSION)']],
    [['cassandra', 'cqlsh'], ['--hybrid-version  (or HYBRID_VERSION)']],
    [['cassandra', 'backup'], ['--src  (or SRC)', '--backup-dir  (or BACKUP_DIR)', '--hybrid-version  (or HYBRID_VERSION)']],
    [['organizations', 'list', '--src', 'hybrid'], ['--org  (or ORG)', '--hybrid-version  (or HYBRID_VERSION)']],
  ])('%j', async (args, names) => {
    const r = await amu(args);
    expect(r.code).toBe(2);
    for (const name of names) expect(r.stderr).toContain(name);
    expect(fake.requests).toEqual([]);
  });

  test('--env and --keys-file exclude each other', async () => {
    const r = await amu(['kek', 'export', '--src', 'hybrid', '--org', ORG, '--env', 'prod', '--keys-file', 'k.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--env and --keys-file exclude each other');
  });
});
