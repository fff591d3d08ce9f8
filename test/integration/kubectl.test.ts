// The real kubectl as a second, independent client of the fake Kubernetes API: discovery, get secret, exec (and port-forward).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { echoPortForward, FakeKubeApi } from '../support/fakeKubeApiServer.js';
import { FakeCqlshPod } from '../support/fakeCqlshPod.js';
import { makeTestCerts, opensslAvailable } from '../support/testCerts.js';
import { buildClientPodManifest, cqlshCommand } from '../../src/cluster/clientPod.js';

const NS = 'apigee';
const POD = 'amu-cqlsh';
const DML_PASSWORD = 'kubectl-dml-Pa55';

/** kubectl's client minor version, or undefined when there is no kubectl. */
function kubectlMinor(): number | undefined {
  try {
    const out = execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 });
    return Number.parseInt((JSON.parse(out) as { clientVersion: { minor: string } }).clientVersion.minor, 10);
  } catch {
    return undefined;
  }
}

const minor = kubectlMinor();
const usable = minor !== undefined && opensslAvailable();
if (!usable) console.warn('kubectl.test: kubectl or openssl not found, skipping the kubectl tests (.ci/run installs kubectl)');
const describeKubectl = usable ? describe : describe.skip;
// Exec over WebSocket (v5.channel.k8s.io) is kubectl's default from 1.30; older ones speak only SPDY, which the fake does not.
const testWebSocketExec = usable && minor! >= 30 ? test : test.skip;
if (usable && minor! < 30) console.warn(`kubectl.test: kubectl 1.${minor} execs over SPDY only; the exec tests are skipped`);

/** kubectl on PATH; where it is Google Cloud SDK's dispatcher, also its 1.30 (SPDY) and 1.32 (SPDY in a WebSocket) builds. */
function portForwardClients(): { name: string; file: string; method?: string }[] {
  const clients: { name: string; file: string; method?: string }[] = [{ name: 'kubectl', file: 'kubectl' }];
  try {
    const dir = path.dirname(realpathSync(execFileSync('bash', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim()));
    // 1.30 upgrades a POST to SPDY/3.1; 1.32 first tries SPDY tunneled in a WebSocket (a GET).
    for (const [v, method] of [['1.30', 'POST'], ['1.32', 'GET']] as const) {
      if (existsSync(path.join(dir, `kubectl.${v}`))) clients.push({ name: `kubectl ${v}`, file: path.join(dir, `kubectl.${v}`), method });
    }
  } catch {
    // no kubectl: the suite is skipped anyway
  }
  return clients;
}

/** Sends `data` through a forwarded local port and returns what comes back once `expected` bytes have. */
function roundTrip(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let length = 0;
    socket.on('data', (c: Buffer) => {
      got.push(c);
      length += c.length;
      if (length >= data.length) {
        socket.end();
        resolve(Buffer.concat(got));
      }
    });
    socket.on('error', reject);
    socket.write(data);
  });
}

interface KubectlRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

describeKubectl('kubectl against the fake Kubernetes API', () => {
  let fake: FakeKubeApi;
  let pod: FakeCqlshPod;
  let kubeconfig: string;
  let home: string;

  /** Runs kubectl with its own HOME (a fresh discovery cache) against the fake. */
  function kubectl(args: string[], stdin = '', file = 'kubectl'): Promise<KubectlRun> {
    return new Promise((resolve) => {
      const child = spawn(file, ['--kubeconfig', kubeconfig, '-n', NS, ...args], { env: { PATH: process.env.PATH, HOME: home } });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.stdin.end(stdin);
      child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    });
  }

  beforeAll(async () => {
    const certs = makeTestCerts();
    fake = await FakeKubeApi.start({ tls: { key: certs.key, cert: certs.cert } });
    pod = new FakeCqlshPod({ APIGEE_DML_USER: 'dml_user', APIGEE_DML_PASSWORD: DML_PASSWORD, CASSANDRA_HOST: 'cassandra.test' });
    fake.onExec(pod.handler);
    fake.addSecret(NS, 'apigee-datastore-default-creds', { 'dml.user': 'dml_user', 'dml.password': DML_PASSWORD });
    fake.addPod(NS, buildClientPodManifest({ namespace: NS, name: POD, image: 'img', podTtlSeconds: 60, cassandraHost: 'cassandra.test', imagePullSecrets: [] }));
    pod.addTable('ks.t', { columns: ['tid', 'v'], rows: [['a', 'one'], ['b', null]] });
    kubeconfig = await fake.writeKubeconfig();
    home = await mkdtemp(path.join(os.tmpdir(), 'amu-kubectl-home-'));
  });

  afterAll(async () => {
    pod.dispose();
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  test('discovery: /version, /api, /apis and /api/v1 answer what kubectl needs', async () => {
    const r = await kubectl(['api-resources', '--no-headers', '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual(['namespaces', 'pods', 'secrets']);
    const version = await kubectl(['version', '-o', 'json']);
    expect(JSON.parse(version.stdout).serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+-amu-fake$/);
  });

  test('kubectl get secret -o json reads what amu reads', async () => {
    const r = await kubectl(['get', 'secret', 'apigee-datastore-default-creds', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const secret = JSON.parse(r.stdout) as { kind: string; data: Record<string, string>; metadata: { namespace: string } };
    expect(secret.kind).toBe('Secret');
    expect(secret.metadata.namespace).toBe(NS);
    expect(Buffer.from(secret.data['dml.password']!, 'base64').toString()).toBe(DML_PASSWORD);
    const missing = await kubectl(['get', 'secret', 'nope', '-o', 'json']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/secrets "nope" not found/);
  });

  testWebSocketExec("kubectl exec -i runs amu's cqlsh command in the fake pod (counted stdin, credentials from the cqlshrc)", async () => {
    const cql = 'PAGING OFF;\nSELECT * FROM ks.t;\n';
    const argv = cqlshCommand({ stdinBytes: Buffer.byteLength(cql) });
    const r = await kubectl(['exec', '-i', POD, '-c', 'cqlsh', '--', ...argv], cql);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(pod.printed.get('SELECT * FROM ks.t;'));
    expect(r.stdout).toMatch(/^\s+a \| +one\s*$/m);
    expect(r.stdout).toContain('(2 rows)');
    expect(pod.cqlInputs.at(-1)).toBe(cql);
    expect(pod.credentialProblems).toEqual([]);
    expect(fake.requests.some((q) => q.resource === 'pods/exec')).toBe(true);
  });

  testWebSocketExec("kubectl exec passes the command's exit code and stderr through", async () => {
    const r = await kubectl(['exec', POD, '-c', 'cqlsh', '--', 'cat', '/tmp/absent']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("cat: cannot open '/tmp/absent': No such file or directory");
    const unknown = await kubectl(['exec', POD, '-c', 'cqlsh', '--', 'frobnicate']);
    expect(unknown.code).toBe(127);
  });

  test.each(portForwardClients())('$name port-forward: bytes go both ways through the fake, connection after connection', async ({ file, method }) => {
    fake.onPortForward(echoPortForward());
    const before = fake.requests.filter((q) => q.resource === 'pods/portforward').length;
    const child = spawn(file, ['--kubeconfig', kubeconfig, '-n', NS, 'port-forward', `pod/${POD}`, ':9042'], { env: { PATH: process.env.PATH, HOME: home } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /Forwarding from 127\.0\.0\.1:(\d+) -> 9042/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.once('exit', (code) => reject(new Error(`kubectl port-forward exited (${code}): ${stderr}`)));
      });
      const big = Buffer.alloc(48 * 1024, 7);
      for (const data of [Buffer.from('first connection'), Buffer.from('second connection'), big]) {
        expect((await roundTrip(port, data)).equals(data)).toBe(true);
      }
      expect(stderr).not.toMatch(/error|lost connection/i);
      const forwards = fake.requests.filter((q) => q.resource === 'pods/portforward').slice(before);
      expect(forwards.length).toBeGreaterThan(0);
      if (method) expect(forwards.map((q) => q.method)).toEqual([method]);
    } finally {
      child.kill();
    }
  });
});
