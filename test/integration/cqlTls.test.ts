// TLS to Cassandra over CQL: the CA and server name checked directly and through a port-forward, --no-cass-tls-verify.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { startCqlServer, organizationsTable, kvmMapEntryTable, kvmMapDescriptorTable, type CqlProtocolServer } from '../support/cqlServer.js';
import { FakeKubeApi, tcpPortForward } from '../support/fakeKubeApiServer.js';
import { makeTestCerts, opensslAvailable, type TestCerts } from '../support/testCerts.js';

const describeTls = opensslAvailable() ? describe : describe.skip;
if (!opensslAvailable()) console.warn('cqlTls: openssl not found, skipping the TLS tests');

describeTls('CQL over TLS, with certificates made by openssl', () => {
  let certs: TestCerts;
  let server: CqlProtocolServer;
  let work: string;

  beforeAll(async () => {
    certs = makeTestCerts();
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-tls-'));
    const when = new Date('2024-01-01T00:00:00Z');
    server = await startCqlServer({
      tls: { key: certs.key, cert: certs.cert },
      auth: { username: 'dml', password: 'tls-secret-pw' },
      tables: [
        organizationsTable(['acme']),
        kvmMapEntryTable('acme', [['acme', '', 'm', 1, 'k', when, 'x', null, null, 'AAAAAAAAAAAAAAAAAAAAAA==']]),
        kvmMapDescriptorTable('acme', [['acme', '', 'm', null, when, 'x', null, null, 1]]),
      ],
    });
  });
  afterAll(async () => server.close());

  // The certificate names localhost and the service, not 127.0.0.1: the port-forward passes only if amu checks the service name.
  const direct = () => ({ CASS_IP: '127.0.0.1', CQL_PORT: String(server.port), CASS_USERNAME: 'dml', CASS_PASSWORD: 'tls-secret-pw', CASS_TLS: 'true' });

  test('direct contact point: the CA given verifies the server, against the name given', async () => {
    const r = await runAmu(['organizations', 'list', '--src', 'opdk', '--cass-ca', certs.caFile, '--cass-tls-servername', 'localhost'], direct());
    expect(r.stdout).toBe('acme\n');
    expect(r.code).toBe(0);
    const wrongName = await runAmu(['organizations', 'list', '--src', 'opdk', '--cass-ca', certs.caFile], direct());
    expect(wrongName.code).toBe(5);
  });

  test('direct contact point: without the CA the certificate is refused; --no-cass-tls-verify accepts it', async () => {
    const refused = await runAmu(['organizations', 'list', '--src', 'opdk'], direct());
    expect(refused.code).toBe(5);
    const accepted = await runAmu(['organizations', 'list', '--src', 'opdk', '--no-cass-tls-verify'], direct());
    expect(accepted.stdout).toBe('acme\n');
  });

  test('hybrid through a port-forward: the CA of apigee-cassandra-default-tls, checked against the service name', async () => {
    const kube = await FakeKubeApi.start();
    try {
      kube.addSecret('apigee', 'apigee-datastore-default-creds', { 'dml.user': 'dml', 'dml.password': 'tls-secret-pw' });
      kube.addSecret('apigee', 'apigee-cassandra-default-tls', { 'ca.crt': certs.ca, 'tls.crt': certs.cert });
      kube.addPod('apigee', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'apigee-cassandra-default-0', namespace: 'apigee' }, spec: { containers: [{ name: 'c', image: 'x' }] } });
      kube.onPortForward(tcpPortForward('127.0.0.1', server.port));
      const env = { KUBECONFIG: await kube.writeKubeconfig(), SRC: 'hybrid', READER: 'cql', ORG: 'acme', EMIGRATE_DIR: path.join(work, 'hybrid') };
      const r = await runAmu(['kvms', 'emigrate'], env);
      expect(r.stderr).not.toContain('tls-secret-pw');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/acme-kvms\.out: 1 rows/);
      kube.addSecret('apigee', 'apigee-cassandra-default-tls', { 'ca.crt': certs.otherCa });
      const wrongCa = await runAmu(['kvms', 'emigrate'], { ...env, EMIGRATE_DIR: path.join(work, 'wrong-ca') });
      expect(wrongCa.code).toBe(5);
    } finally {
      await kube.close();
    }
  });
});
