// amu inside the cluster: in-cluster credentials (service-account token and CA, KUBERNETES_SERVICE_HOST/PORT) against a TLS fake
// Kubernetes API that enforces the Role of templates/amu-rbac.yaml (403 for anything else), and the Job's emigrate.
import { loadAllYaml } from '@kubernetes/client-node';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAmu } from '../support/runAmu.js';
import { startCqlServer, kvmMapEntryTable, kvmMapDescriptorTable, type CqlProtocolServer } from '../support/cqlServer.js';
import { FakeKubeApi, tcpPortForward, type AuthorizationRequest } from '../support/fakeKubeApiServer.js';
import { FakeCqlshPod } from '../support/fakeCqlshPod.js';
import { makeTestCerts, opensslAvailable, type TestCerts } from '../support/testCerts.js';

const TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));
const ORG = 'acme';
const NS = 'apigee';
const SA_TOKEN = 'sa-token-0123456789abcdef';

const describeTls = opensslAvailable() ? describe : describe.skip;
if (!opensslAvailable()) console.warn('inCluster: openssl not found, skipping the in-cluster tests (the fake API serves TLS)');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A template with its placeholders filled the way the manual tells users to. */
async function template(name: string): Promise<Json[]> {
  const text = (await readFile(path.join(TEMPLATES, name), 'utf8')).replaceAll('__ORG__', ORG).replaceAll('__IMAGE__', 'registry.example/amu:test');
  return loadAllYaml(text) as Json[];
}

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** RBAC's decision for one request under one Role: some rule names the group, resource and verb, and the name when it lists names. */
function roleAllows(role: Json, request: AuthorizationRequest): boolean {
  if (request.namespace !== role.metadata.namespace) return false;
  return (role.rules as Rule[]).some(
    (rule) =>
      rule.apiGroups.includes('') &&
      rule.resources.includes(request.resource) &&
      rule.verbs.includes(request.verb) &&
      (rule.resourceNames === undefined || (request.name !== undefined && rule.resourceNames.includes(request.name))),
  );
}

describeTls('amu in the cluster, under the Role of templates/amu-rbac.yaml', () => {
  let certs: TestCerts;
  let cql: CqlProtocolServer;
  let kube: FakeKubeApi;
  let work: string;
  let saDir: string;
  let role: Json;
  /** The Role the fake API enforces: the template's, or one a test puts in its place. */
  let granted: Json;
  const refused: string[] = [];

  /** The in-cluster environment of a pod: service host and port, the mounted service account, no kubeconfig. */
  const podEnv = (extra: Record<string, string> = {}) => ({
    KUBERNETES_SERVICE_HOST: 'localhost',
    KUBERNETES_SERVICE_PORT: String(kube.listenPort),
    AMU_SERVICEACCOUNT_DIR: saDir,
    HOME: path.join(work, 'home'),
    AMU_KUBE_POLL_MS: '20',
    ...extra,
  });
  const described = (r: { verb: string; resource: string; name?: string | undefined }) => `${r.verb} ${r.resource}${r.name ? ` ${r.name}` : ''}`;

  beforeAll(async () => {
    certs = makeTestCerts();
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-in-cluster-'));
    await mkdir(path.join(work, 'home'));
    saDir = path.join(work, 'serviceaccount');
    await mkdir(saDir);
    await writeFile(path.join(saDir, 'token'), `${SA_TOKEN}\n`);
    await writeFile(path.join(saDir, 'ca.crt'), certs.ca);
    await writeFile(path.join(saDir, 'namespace'), NS);
    const when = new Date('2024-01-01T00:00:00Z');
    cql = await startCqlServer({
      tls: { key: certs.key, cert: certs.cert },
      auth: { username: 'dml', password: 'in-cluster-dml-pw' },
      tables: [
        kvmMapEntryTable(ORG, [[ORG, '', 'm', 1, 'k', when, 'x', null, null, 'AAAAAAAAAAAAAAAAAAAAAA==']]),
        kvmMapDescriptorTable(ORG, [[ORG, '', 'm', null, when, 'x', null, null, 1]]),
      ],
    });
    // The certificate names localhost and the Cassandra service: the API server is reached as localhost.
    kube = await FakeKubeApi.start({ tls: { key: certs.key, cert: certs.cert }, token: SA_TOKEN, user: `system:serviceaccount:${NS}:amu` });
    kube.addSecret(NS, 'apigee-datastore-default-creds', { 'dml.user': 'dml', 'dml.password': 'in-cluster-dml-pw' });
    kube.addSecret(NS, 'apigee-cassandra-default-tls', { 'ca.crt': certs.ca, 'tls.crt': certs.cert });
    kube.addSecret(NS, `${ORG}-encryption-keys`, { kvmEncryptionKey: Buffer.from('0123456789abcdef').toString('base64') });
    kube.addSecret(NS, 'some-other-secret', { x: 'y' });
    kube.addPod(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'apigee-cassandra-default-0', namespace: NS }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    kube.onPortForward(tcpPortForward('127.0.0.1', cql.port));
    role = (await template('amu-rbac.yaml')).find((d) => d.kind === 'Role')!;
    granted = role;
    kube.authorize((request) => {
      const ok = roleAllows(granted, request);
      if (!ok) refused.push(described(request));
      return ok;
    });
  });

  afterAll(async () => {
    await kube?.close();
    await cql?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  beforeEach(() => {
    refused.length = 0;
    kube.requests.length = 0;
  });

  test('the templates bind the Role to the ServiceAccount the Job runs as', async () => {
    const rbac = await template('amu-rbac.yaml');
    const binding = rbac.find((d) => d.kind === 'RoleBinding')!;
    expect(rbac.map((d) => d.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding']);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'amu', namespace: NS }]);
    const job = (await template('amu-emigrate-job.yaml')).find((d) => d.kind === 'Job')!;
    expect(job.spec.template.spec.serviceAccountName).toBe('amu');
    expect(job.spec.template.spec.volumes[0].persistentVolumeClaim.claimName).toBe('amu-emigrate');
    // The Role grants no list, and no verb on secrets without a name.
    for (const rule of role.rules as Rule[]) {
      expect(rule.verbs).not.toContain('list');
      if (rule.resources.includes('secrets')) expect(rule.resourceNames?.length).toBeGreaterThan(0);
    }
  });

  test("the Job's emigrate: in-cluster credentials, DML user and CA read through the API, every call allowed by the Role", async () => {
    const job = (await template('amu-emigrate-job.yaml')).find((d) => d.kind === 'Job')!;
    const args = (job.spec.template.spec.containers[0].args as string[]).map((a) =>
      a.startsWith('--cass-ip=') ? '--cass-ip=127.0.0.1' : a.startsWith('--emigrate-dir=') ? `--emigrate-dir=${path.join(work, 'volume', 'emigrate')}` : a,
    );
    expect(args).toContain('--reader=cql');
    const r = await runAmu([...args, `--cql-port=${cql.port}`], podEnv());
    expect(r.stderr).toContain(`Kubernetes: in-cluster service account of namespace ${NS} (token and CA in ${saDir}), API server https://localhost:${kube.listenPort}`);
    expect(r.stderr).not.toContain('in-cluster-dml-pw');
    expect(r.code).toBe(0);
    expect(refused).toEqual([]);
    expect(kube.requests.map(described)).toEqual(['get secrets apigee-datastore-default-creds', 'get secrets apigee-cassandra-default-tls']);
    expect((await readdir(path.join(work, 'volume', 'emigrate'))).sort()).toEqual([`${ORG}-kvm-descriptors.out`, `${ORG}-kvm-descriptors.out.meta.json`, `${ORG}-kvms.out`, `${ORG}-kvms.out.meta.json`]);
  });

  test('kek export --src hybrid: the candidate names the Role does not list are refused, the one it lists is read', async () => {
    const r = await runAmu(['kek', 'export', '--src', 'hybrid', '--org', ORG], podEnv());
    expect(r.stderr).toContain('Kubernetes: in-cluster service account');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${Buffer.from('0123456789abcdef').toString('hex')}\n`);
    // apigeectl's encoded name is tried first: refused (403) as RBAC would, then the kpt name the Role lists.
    expect(refused).toEqual([expect.stringMatching(/^get secrets acme-[0-9a-f]{7}-encryption-keys$/)]);
    expect(kube.requests.map(described).at(-1)).toBe(`get secrets ${ORG}-encryption-keys`);
  });

  test('under the Role amu kek rbac prints, the key secrets of an apigeectl install (encoded names) and of its environments are read', async () => {
    const org = 'globex-corporation-emea';
    const printed = await runAmu(['kek', 'rbac', '--org', org, '--envs', 'prod,test', '--namespace', NS], {});
    expect(printed.code).toBe(0);
    const docs = loadAllYaml(printed.stdout) as Json[];
    expect(docs.map((d) => d.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding']);
    const key = (text: string) => Buffer.from(text).toString('base64');
    // apigeectl names: <org[:15]>-<sha7>-encryption-keys and <org[:15]>-<env[:15]>-<sha7>-encryption-keys.
    const secrets = (printed.stdout.match(/globex-corporat-[a-z0-9-]*encryption-keys/g) ?? []).filter((n) => !n.startsWith('apigee-'));
    const orgSecret = secrets.find((n) => /^globex-corporat-[0-9a-f]{7}-encryption-keys$/.test(n))!;
    const prodSecret = secrets.find((n) => /^globex-corporat-prod-[0-9a-f]{7}-encryption-keys$/.test(n))!;
    const testSecret = secrets.find((n) => /^globex-corporat-test-[0-9a-f]{7}-encryption-keys$/.test(n))!;
    kube.addSecret(NS, orgSecret, { kvmEncryptionKey: key('orgkey-456789abc') });
    kube.addSecret(NS, prodSecret, { envKvmEncryptionKey: key('prodkey-56789abc') });
    kube.addSecret(NS, testSecret, { envKvmEncryptionKey: key('testkey-56789abc') });
    const keysFile = path.join(work, 'globex-keys.json');
    granted = docs[1]!;
    try {
      const r = await runAmu(['kek', 'export', '--src', 'hybrid', '--org', org, '--keys-file', keysFile, '--envs', 'prod,test'], podEnv());
      expect(r.stderr).not.toMatch(/forbid|403/i);
      expect(r.code).toBe(0);
      expect(refused).toEqual([]);
      const keys = JSON.parse(await readFile(keysFile, 'utf8'));
      expect(JSON.stringify(keys)).toContain(Buffer.from('prodkey-56789abc').toString('hex'));
      expect(JSON.stringify(keys)).toContain(Buffer.from('testkey-56789abc').toString('hex'));
      // The same under the template's Role (kpt's org name only): every one of these secrets is refused.
      granted = role;
      const denied = await runAmu(['kek', 'export', '--src', 'hybrid', '--org', org, '--env', 'prod'], podEnv());
      expect(denied.code).toBe(5);
      expect(refused).toContain(`get secrets ${prodSecret}`);
      expect(denied.stderr).toContain('"amu kek rbac" prints one that names every candidate');
    } finally {
      granted = role;
    }
  });

  test('the cqlsh client pod (organizations list): create, status, exec, all within the Role', async () => {
    const pod = new FakeCqlshPod();
    pod.addTable(`rtc_${ORG}_hybrid.contract_ref`, { columns: ['org', 'env'], rows: [[ORG, 'prod']] });
    kube.onExec(pod.handler);
    const r = await runAmu(['organizations', 'list', '--src', 'hybrid', '--org', ORG, '--hybrid-version', '1.10.3'], podEnv());
    expect(r.stdout).toBe(`${ORG},prod\n`);
    expect(r.code).toBe(0);
    expect(refused).toEqual([]);
    expect(new Set(kube.requests.map(described))).toEqual(
      new Set(['get pods amu-cqlsh', 'create pods', 'create pods/exec amu-cqlsh']),
    );
  });

  test('emigrate over CQL through a port-forward (no --cass-ip), within the Role', async () => {
    const r = await runAmu(['kvms', 'emigrate', '--src', 'hybrid', '--reader', 'cql', '--org', ORG, '--emigrate-dir', path.join(work, 'forwarded')], podEnv());
    expect(r.code).toBe(0);
    expect(refused).toEqual([]);
    expect(kube.requests.map(described)).toContain('create pods/portforward apigee-cassandra-default-0');
  });

  test('what the Role does not allow is refused with 403 and reported as RBAC', async () => {
    const r = await runAmu(['kek', 'export', '--src', 'hybrid', '--org', ORG, '--secret', 'some-other-secret'], podEnv());
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`cannot read secret ${NS}/some-other-secret: HTTP 403 Forbidden secrets "some-other-secret" is forbidden: User "system:serviceaccount:${NS}:amu"`);
    expect(refused).toEqual(['get secrets some-other-secret']);
    const keys = await runAmu(['kek', 'export', '--src', 'hybrid', '--org', ORG, '--env', 'prod'], podEnv());
    expect(keys.code).toBe(5);
    expect(keys.stderr).toMatch(/RBAC forbids reading .*acme-prod-encryption-keys/);
  });

  test('the service-account token is what authenticates: another token is refused (401)', async () => {
    const otherSa = path.join(work, 'other-sa');
    await mkdir(otherSa);
    await writeFile(path.join(otherSa, 'token'), 'not-the-token');
    await writeFile(path.join(otherSa, 'ca.crt'), certs.ca);
    const r = await runAmu(['kek', 'export', '--src', 'hybrid', '--org', ORG], podEnv({ AMU_SERVICEACCOUNT_DIR: otherSa }));
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/HTTP 401 Unauthorized/);
  });

  test("the API server's certificate is checked against the service account's ca.crt", async () => {
    const wrongCa = path.join(work, 'wrong-ca');
    await mkdir(wrongCa);
    await writeFile(path.join(wrongCa, 'token'), SA_TOKEN);
    await writeFile(path.join(wrongCa, 'ca.crt'), certs.otherCa);
    const r = await runAmu(['kek', 'export', '--src', 'hybrid', '--org', ORG], podEnv({ AMU_SERVICEACCOUNT_DIR: wrongCa }));
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/cannot reach the Kubernetes API at https:\/\/localhost:\d+/);
  });

  test('outside a pod (no service host variables, no kubeconfig), or without a token, amu says there is no configuration', async () => {
    const r = await runAmu(['kek', 'export', '--src', 'hybrid', '--org', ORG], { HOME: path.join(work, 'home'), AMU_SERVICEACCOUNT_DIR: saDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no Kubernetes configuration found: no KUBECONFIG, no ~/.kube/config, not running in a cluster');
    const noToken = await runAmu(['kek', 'export', '--src', 'hybrid', '--org', ORG], { ...podEnv(), AMU_SERVICEACCOUNT_DIR: path.join(work, 'home') });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain(`KUBERNETES_SERVICE_HOST is set but ${path.join(work, 'home')}/token is missing`);
  });
});
