// Reader choice, and amu kvms emigrate over CQL with the real cassandra-driver against the test CQL server (direct and port-forward).
import { createCipheriv } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { startCqlServer, keyvaluemapsTable, organizationsTable, kvmMapEntryTable, kvmMapDescriptorTable, type CqlProtocolServer } from '../support/cqlServer.js';
import { FakeKubeApi, tcpPortForward } from '../support/fakeKubeApiServer.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';
import { chooseReader, readerForEdgeRelease } from '../../src/emigrate/readerChoice.js';

const kek = Buffer.from('5a5a5a5a000000001111111122222222', 'hex');
const edgeColumns = buildEdgeColumns(
  kek,
  Array.from({ length: 12 }, (_, i) => ({
    scope: i % 3 === 0 ? ({ kind: 'org' } as const) : ({ kind: 'env', env: i % 3 === 1 ? 'prod' : 'test' } as const),
    name: `kvm${i}`,
    encrypted: i % 2 === 0,
    entries: [{ name: `k${i}`, value: `value ${i}, value=), timestamp=1 "東京"` }],
  })),
  seededRandomBytes('cql-emigrate'),
);

async function exportTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(dir)) if (f.includes('kvmfile')) out[f] = await readFile(path.join(dir, f), 'utf8');
  return out;
}

describe('reader choice', () => {
  test('Edge releases up to 4.52.00 use cassandra-cli, later ones CQL', () => {
    expect(['4.50', '4.51', '4.51.00', '4.52.00', '4.52'].map(readerForEdgeRelease)).toEqual(Array(5).fill('cassandra-cli'));
    expect(['4.52.01', '4.52.02', '4.53', '4.53.00', '5.0'].map(readerForEdgeRelease)).toEqual(Array(5).fill('cql'));
    expect(() => readerForEdgeRelease('latest')).toThrow(/not an Edge release/);
  });
  test('explicit reader wins; defaults per source; impossible pairs refused', () => {
    expect(chooseReader('edge', undefined, undefined)).toBe('cassandra-cli');
    expect(chooseReader('edge', 'cql', '4.51')).toBe('cql');
    expect(chooseReader('hybrid', undefined, undefined)).toBe('cqlsh-pod');
    expect(() => chooseReader('edge', 'cqlsh-pod', undefined)).toThrow(/hybrid/);
    expect(() => chooseReader('hybrid', 'cassandra-cli', undefined)).toThrow(/opdk/);
  });
});

describe('amu kvms emigrate over CQL (real cassandra-driver, our v4 server)', () => {
  let server: CqlProtocolServer;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-cql-emigrate-'));
    server = await startCqlServer({
      auth: { username: 'edge-user', password: 'cql-secret-pw' },
      tables: [
        keyvaluemapsTable([...edgeColumns.map((c) => ['acme', c.name, c.value] as [string, string, string]), ['other-org', 's@kvmaps:s@x', '{"x":"[]"}']]),
        organizationsTable(['acme', 'other-org', 'validate']),
      ],
    });
  });
  afterAll(async () => server.close());

  const edgeEnv = (dir: string) => ({
    SRC: 'opdk', SRC_VER: '4.53', ORG: 'acme', EMIGRATE_DIR: dir, CASS_IP: '127.0.0.1', CQL_PORT: String(server.port),
    CASS_USERNAME: 'edge-user', CASS_PASSWORD: 'cql-secret-pw', PAGE_SIZE: '3', AMU_CQL_RETRY_DELAY_MS: '10',
  });

  test('Edge 4.53: pages streamed to the dump, and its export equals that of the cassandra-cli dump', async () => {
    const dir = path.join(work, 'edge');
    const pagesBefore = server.stats.pageRequests;
    const r = await runAmu(['kvms', 'emigrate'], edgeEnv(dir));
    expect(r.stderr).not.toContain('cql-secret-pw');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${edgeColumns.length} rows`);
    expect(server.stats.pageRequests - pagesBefore).toBeGreaterThanOrEqual(Math.ceil(edgeColumns.length / 3));
    const meta = JSON.parse(await readFile(path.join(dir, 'acme-kvms.out.meta.json'), 'utf8'));
    expect(meta).toMatchObject({ reader: 'cql', rows: edgeColumns.length });
    const cliDir = path.join(work, 'edge-cli');
    await mkdir(cliDir);
    await writeFile(path.join(cliDir, 'acme-kvms.out'), formatCliDump('acme', edgeColumns));
    const env = { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), TGT: 'apigeecli' };
    expect((await runAmu(['kvms', 'export', '--emigrate-dir', dir, '--export-dir', path.join(work, 'x-cql')], env)).code).toBe(0);
    expect((await runAmu(['kvms', 'export', '--emigrate-dir', cliDir, '--export-dir', path.join(work, 'x-cli')], env)).code).toBe(0);
    const tree = await exportTree(path.join(work, 'x-cql'));
    expect(Object.keys(tree)).toHaveLength(12);
    expect(tree).toEqual(await exportTree(path.join(work, 'x-cli')));
  });

  test('a compact table shown with blob columns (the other reading of domain.md) exports the same tree', async () => {
    const blobServer = await startCqlServer({
      tables: [
        {
          ...keyvaluemapsTable([]),
          columns: [
            { name: 'key', type: 'blob' },
            { name: 'column1', type: 'blob' },
            { name: 'value', type: 'blob' },
          ],
          rows: edgeColumns.map((c) => [Buffer.from('acme'), Buffer.from(c.name), Buffer.from(c.value)]),
        },
      ],
    });
    try {
      const dir = path.join(work, 'edge-blob');
      const r = await runAmu(['kvms', 'emigrate'], { ...edgeEnv(dir), CQL_PORT: String(blobServer.port), CASS_USERNAME: '' });
      expect(r.code).toBe(0);
      const env = { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), TGT: 'apigeecli' };
      expect((await runAmu(['kvms', 'export', '--emigrate-dir', dir, '--export-dir', path.join(work, 'x-blob')], env)).code).toBe(0);
      expect(await exportTree(path.join(work, 'x-blob'))).toEqual(await exportTree(path.join(work, 'x-cql')));
    } finally {
      await blobServer.close();
    }
  });

  test('a page that fails once is asked again and the dump is complete', async () => {
    const dir = path.join(work, 'retry');
    server.failAfterPages(1, 1, 'read_timeout');
    const r = await runAmu(['kvms', 'emigrate'], edgeEnv(dir));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${edgeColumns.length} rows`);
  });

  test('a scan that keeps failing fails cleanly: exit 5, no dump left', async () => {
    const dir = path.join(work, 'failing');
    // The first page, then every retry of the second (1 + 5 retries) fails: no fault is left for the next tests.
    server.failAfterPages(1, 6, 'unavailable');
    const r = await runAmu(['kvms', 'emigrate'], edgeEnv(dir));
    expect(r.code).toBe(5);
    expect(await readdir(dir).catch(() => [])).toEqual([]);
  });

  test('a wrong password is an error without the password in it', async () => {
    const r = await runAmu(['kvms', 'emigrate'], { ...edgeEnv(path.join(work, 'badpw')), CASS_PASSWORD: 'nope-wrong-pw' });
    expect(r.code).toBe(5);
    expect(r.stderr).not.toContain('nope-wrong-pw');
  });

  test('organizations list --src opdk needs no --cass-ip: it reads localhost, as its help says', async () => {
    const r = await runAmu(['organizations', 'list', '--src', 'opdk'], { CQL_PORT: String(server.port), CASS_USERNAME: 'edge-user', CASS_PASSWORD: 'cql-secret-pw' });
    expect(r.stderr).toMatch(/^Connecting to Cassandra over CQL at localhost:\d+\.\.\.\n$/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('acme\nother-org\nvalidate\n');
  });

  test('organizations list --src opdk lists kms.organizations', async () => {
    const r = await runAmu(['organizations', 'list', '--src', 'opdk'], { CASS_IP: '127.0.0.1', CQL_PORT: String(server.port), CASS_USERNAME: 'edge-user', CASS_PASSWORD: 'cql-secret-pw' });
    expect(r.stderr).toMatch(/^Connecting to Cassandra over CQL at 127\.0\.0\.1:\d+\.\.\.\n$/);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('acme\nother-org\nvalidate\n');
  });
});

describe('amu kvms emigrate --src hybrid --reader cql, through a Kubernetes port-forward', () => {
  let server: CqlProtocolServer;
  let kube: FakeKubeApi;
  let kubeconfig: string;
  let work: string;
  const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const enc = (t: string) => {
    const c = createCipheriv('aes-128-ecb', key, null);
    return Buffer.concat([c.update(t, 'utf8'), c.final()]).toString('base64');
  };
  const when = new Date('2024-01-01T00:00:00Z');

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-cql-hybrid-'));
    server = await startCqlServer({
      auth: { username: 'dml-user', password: 'dml-secret-pw' },
      tables: [
        kvmMapEntryTable('my-org', [
          ['my-org', 'environments###prod', 'creds', 2, 'user', when, 'x', null, null, enc('svc')],
          ['my-org', 'environments###prod', 'creds', 1, 'user', when, 'x', null, null, enc('stale')],
          ['my-org', '', 'orgmap', 1, 'k', when, 'x', null, null, enc('v')],
          ['someone-else', '', 'orgmap', 1, 'k', when, 'x', null, null, enc('not ours')],
        ]),
        kvmMapDescriptorTable('my-org', [
          ['my-org', 'environments###prod', 'creds', null, when, 'x', null, null, 2],
          ['my-org', '', 'orgmap', null, when, 'x', null, null, 1],
        ]),
      ],
    });
    kube = await FakeKubeApi.start();
    kube.addSecret('apigee', 'apigee-datastore-default-creds', { 'dml.user': 'dml-user', 'dml.password': 'dml-secret-pw' });
    kube.onPortForward(tcpPortForward('127.0.0.1', server.port));
    kube.addPod('apigee', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'apigee-cassandra-default-0', namespace: 'apigee', labels: { app: 'apigee-cassandra' } }, spec: { containers: [{ name: 'apigee-cassandra', image: 'cassandra' }] } });
    kubeconfig = await kube.writeKubeconfig();
  });
  afterAll(async () => {
    await kube.close();
    await server.close();
  });

  test('dumps both tables of the tenant with the DML credentials of the cluster, and export reads them', async () => {
    const dir = path.join(work, 'emigrate');
    const env = { KUBECONFIG: kubeconfig, SRC: 'hybrid', READER: 'cql', ORG: 'my-org', EMIGRATE_DIR: dir, CASS_TLS: 'false', PAGE_SIZE: '2' };
    const r = await runAmu(['kvms', 'emigrate'], env);
    expect(r.stderr).not.toContain('dml-secret-pw');
    expect(r.stderr).toBe(
      `Kubernetes: kubeconfig ${kubeconfig}, context fake, API server ${kube.url}\nConnecting to Cassandra over CQL through a port-forward to apigee/apigee-cassandra-default-0...\n`,
    );
    expect(r.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['my-org-kvm-descriptors.out', 'my-org-kvm-descriptors.out.meta.json', 'my-org-kvms.out', 'my-org-kvms.out.meta.json']);
    expect(r.stdout).toMatch(/my-org-kvms\.out: 3 rows/);
    const out = path.join(work, 'export');
    const e = await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', out], { SRC: 'hybrid', ORG: 'my-org', EMIGRATE_DIR: dir, DEK: key.toString('hex') });
    expect(e.code).toBe(0);
    expect(JSON.parse(await readFile(path.join(out, 'env/prod/kvms.json'), 'utf8'))).toEqual([{ name: 'creds', entry: [{ name: 'user', value: 'svc' }] }]);
    expect(JSON.parse(await readFile(path.join(out, 'org/kvms.json'), 'utf8'))).toEqual([{ name: 'orgmap', entry: [{ name: 'k', value: 'v' }] }]);
  });

  test('--debug shows the port-forward and each query, never the credentials', async () => {
    const dir = path.join(work, 'debug');
    const env = { KUBECONFIG: kubeconfig, SRC: 'hybrid', READER: 'cql', ORG: 'my-org', EMIGRATE_DIR: dir, CASS_TLS: 'false', DEBUG: 'true' };
    const r = await runAmu(['kvms', 'emigrate'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('debug: kubernetes: read secret apigee/apigee-datastore-default-creds');
    expect(r.stderr).toContain('debug: kubernetes: port-forward to apigee/apigee-cassandra-default-0:9042');
    expect(r.stderr).toMatch(/debug: cql \(data center dc1, page size 5000\): SELECT tid, a_scp, map, ver, key, val FROM kvm_my_org_hybrid\.kvm_map_entry WHERE tid = \? ALLOW FILTERING \[my-org\]/);
    expect(r.stderr).not.toContain('dml-secret-pw');
  });

  test('a failure on the descriptor table keeps both earlier dumps: neither is replaced before both are complete', async () => {
    const dir = path.join(work, 'both-or-none');
    const env = { KUBECONFIG: kubeconfig, SRC: 'hybrid', READER: 'cql', ORG: 'my-org', EMIGRATE_DIR: dir, CASS_TLS: 'false', PAGE_SIZE: '2', AMU_CQL_RETRY_DELAY_MS: '10' };
    const before = server.stats.pageRequests;
    expect((await runAmu(['kvms', 'emigrate'], env)).code).toBe(0);
    const pages = server.stats.pageRequests - before;
    const files = ['my-org-kvms.out', 'my-org-kvms.out.meta.json', 'my-org-kvm-descriptors.out', 'my-org-kvm-descriptors.out.meta.json'];
    const earlier = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
    // Every request of the last page (the descriptor table's) fails, retries included.
    server.failAfterPages(pages - 1, 6, 'unavailable');
    const r = await runAmu(['kvms', 'emigrate'], env);
    expect(r.code).toBe(5);
    expect((await readdir(dir)).sort()).toEqual([...files].sort());
    expect(await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')))).toEqual(earlier);
  });

  test('--cass-ip without a CQL user and without Kubernetes: a usage error naming what to give instead', async () => {
    const home = path.join(work, 'home-without-kube');
    await mkdir(home, { recursive: true });
    const env = { HOME: home, SRC: 'hybrid', READER: 'cql', ORG: 'my-org', EMIGRATE_DIR: path.join(work, 'nokube'), CASS_IP: '127.0.0.1', CQL_PORT: String(server.port), CASS_TLS: 'false' };
    const r = await runAmu(['kvms', 'emigrate'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/hybrid over CQL at 127\.0\.0\.1 without --cass-username: amu reads the DML user from the cluster's secrets, but no Kubernetes configuration found/);
    expect(r.stderr).toMatch(/--cass-username and --cass-password \(or CASS_USERNAME and CASS_PASSWORD\)/);
    // Given the CQL user, the same run needs no Kubernetes at all.
    const ok = await runAmu(['kvms', 'emigrate'], { ...env, CASS_USERNAME: 'dml-user', CASS_PASSWORD: 'dml-secret-pw' });
    expect(ok.stderr).not.toMatch(/Kubernetes/);
    expect(ok.code).toBe(0);
    expect((await readdir(path.join(work, 'nokube'))).filter((f) => f.endsWith('.out')).sort()).toEqual(['my-org-kvm-descriptors.out', 'my-org-kvms.out']);
  });

  test('a missing credentials secret is named', async () => {
    const other = await FakeKubeApi.start();
    try {
      const r = await runAmu(['kvms', 'emigrate'], { KUBECONFIG: await other.writeKubeconfig(), SRC: 'hybrid', READER: 'cql', ORG: 'my-org', EMIGRATE_DIR: path.join(work, 'nocreds'), CASS_TLS: 'false' });
      expect(r.code).toBe(5);
      expect(r.stderr).toMatch(/apigee-datastore-default-creds not found/);
    } finally {
      await other.close();
    }
  });
});
