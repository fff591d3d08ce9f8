// A real HTTP proxy (Debian's tinyproxy with BasicAuth) between amu and the Apigee API, the token endpoint and the Kubernetes API.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runAmu } from '../support/runAmu.js';
import { FakeApigeeApi } from '../support/fakeApigeeApi.js';
import { echoPortForward, FakeKubeApi } from '../support/fakeKubeApiServer.js';
import { makeTestCerts, opensslAvailable } from '../support/testCerts.js';
import { Tinyproxy, tinyproxyPath } from '../support/tinyproxy.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';
import { loadKube } from '../../src/adapters/kube/index.js';
import { tcpRoundTrip } from '../support/tcpRoundTrip.js';

const binary = tinyproxyPath();
const tls = opensslAvailable();
if (!binary) console.warn('skipping the proxy tests: tinyproxy is not installed (apt-get install -y tinyproxy; .ci/run installs it)');
const describeProxy = binary ? describe : describe.skip;

const kek = Buffer.from('2f2e2d2c2b2a29282726252423222120', 'hex');
const TOKEN = 'ya29.proxy-test-token';
const EMAIL = 'proxy-sa@my-x-project.iam.gserviceaccount.com';

describeProxy('through tinyproxy with BasicAuth', () => {
  let work: string;
  let dumpDir: string;
  let fake: FakeApigeeApi;
  let proxy: Tinyproxy;
  let keyFile: string;
  let counter = 0;

  const base = () => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dumpDir, API_URL: fake.url });
  function freshOrg(): string {
    const name = `proxied-${++counter}`;
    fake.addOrg(name, ['test'], ['p1']);
    return name;
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-proxy-'));
    dumpDir = path.join(work, 'emigrate');
    await mkdir(dumpDir);
    const specs = [
      { scope: { kind: 'env' as const, env: 'test' }, name: 'envKvm', encrypted: true, entries: Array.from({ length: 120 }, (_v, i) => ({ name: `k${i}`, value: `v${i}` })) },
      { scope: { kind: 'proxy' as const, proxy: 'p1' }, name: 'proxyKvm', encrypted: true, entries: [{ name: 'a', value: 'b' }] },
    ];
    await writeFile(path.join(dumpDir, 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, specs, seededRandomBytes('proxy'))));
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    fake = new FakeApigeeApi({ tokens: [TOKEN], serviceAccounts: { [EMAIL]: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    await fake.start();
    keyFile = path.join(work, 'key.json');
    const key = { type: 'service_account', client_email: EMAIL, private_key: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), token_uri: `${fake.url}/token` };
    await writeFile(keyFile, JSON.stringify(key));
    proxy = await Tinyproxy.start(binary!, [fake.port]);
  });
  afterAll(async () => {
    await proxy?.stop();
    await fake?.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('HTTP_PROXY with user:password carries import and verify --live; the password is never printed', async () => {
    const tgt = freshOrg();
    const before = await proxy.tunnels(fake.port);
    const env = { ...base(), APIGEE_TOKEN: TOKEN, HTTP_PROXY: proxy.url() };
    const r = await runAmu(['kvms', 'import', '--tgt-org', tgt, '--debug'], env);
    expect(r.code).toBe(0);
    expect(fake.entriesOf(tgt, 'env:test', 'envKvm')!.k119).toBe('v119');
    const afterImport = await proxy.tunnels(fake.port);
    expect(afterImport).toBeGreaterThan(before);
    expect(r.stderr).toContain(`through the proxy http://***@127.0.0.1:${proxy.port}`);
    const live = await runAmu(['kvms', 'verify', '--live', '--tgt-org', tgt], env);
    expect(live.code).toBe(0);
    expect(await proxy.tunnels(fake.port)).toBeGreaterThan(afterImport);
    for (const text of [r.stdout, r.stderr, live.stdout, live.stderr]) expect(text).not.toContain(proxy.password);
  });

  test('--proxy wins over the variables; NO_PROXY lets the API host go direct', async () => {
    const tgt = freshOrg();
    const before = await proxy.tunnels(fake.port);
    const viaFlag = await runAmu(['kvms', 'import', '--tgt-org', tgt, '--proxy', proxy.url()], { ...base(), APIGEE_TOKEN: TOKEN, HTTP_PROXY: 'http://127.0.0.1:9' });
    expect(viaFlag.code).toBe(0);
    const afterFlag = await proxy.tunnels(fake.port);
    expect(afterFlag).toBeGreaterThan(before);
    const direct = await runAmu(['kvms', 'verify', '--live', '--tgt-org', tgt], { ...base(), APIGEE_TOKEN: TOKEN, HTTP_PROXY: proxy.url(), NO_PROXY: 'localhost,127.0.0.1' });
    expect(direct.code).toBe(0);
    expect(await proxy.tunnels(fake.port)).toBe(afterFlag);
  });

  test('the service-account token request goes through the proxy too', async () => {
    const tgt = freshOrg();
    const tokens = fake.stats.tokenRequests;
    const r = await runAmu(['kvms', 'import', '--tgt-org', tgt, '--account', keyFile], { ...base(), HTTP_PROXY: proxy.url() });
    expect(r.code).toBe(0);
    expect(fake.stats.tokenRequests).toBeGreaterThan(tokens);
    const lost = await runAmu(['kvms', 'import', '--tgt-org', tgt, '--account', keyFile], { ...base(), HTTP_PROXY: proxy.url('wrong-password') });
    expect(lost.code).toBe(5);
    expect(lost.stderr).toMatch(/error: the proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+\/? refused amu's credentials \(401\)/);
  });

  test('wrong proxy credentials: a clear error, exit 5, no credentials printed', async () => {
    const r = await runAmu(['kvms', 'import', '--tgt-org', freshOrg()], { ...base(), APIGEE_TOKEN: TOKEN, HTTPS_PROXY: proxy.url('wrong-password'), HTTP_PROXY: proxy.url('wrong-password') });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/error: the proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+\/? refused amu's credentials \(401\)/);
    expect(r.stderr).toContain('Check the user and password');
    expect(r.stderr).not.toContain('wrong-password');
    expect(r.stderr).not.toContain(proxy.user);
  });
});

const describeKube = binary && tls ? describe : describe.skip;
if (binary && !tls) console.warn('skipping the Kubernetes proxy-url tests: openssl is needed to make the API server certificate');

describeKube("Kubernetes through the kubeconfig cluster's proxy-url (tinyproxy)", () => {
  let kubeApi: FakeKubeApi;
  let proxy: Tinyproxy;

  beforeAll(async () => {
    const certs = makeTestCerts();
    kubeApi = await FakeKubeApi.start({ tls: { key: certs.key, cert: certs.cert } });
    proxy = await Tinyproxy.start(binary!, [Number(new URL(kubeApi.url).port)]);
  });
  afterAll(async () => {
    await proxy?.stop();
    await kubeApi?.close();
  });

  test('REST, exec and port-forward all go through the proxy', async () => {
    const port = Number(new URL(kubeApi.url).port);
    const kube = loadKube({ kubeconfig: await kubeApi.writeKubeconfig({ proxyUrl: proxy.url() }), requestTimeoutMs: 5000, pollIntervalMs: 10 });
    kubeApi.addSecret('apigee', 'some-secret', { key: 'value' });
    const before = await proxy.tunnels(port);
    expect((await kube.readSecret('apigee', 'some-secret'))!.key!.toString()).toBe('value');
    const afterRest = await proxy.tunnels(port);
    expect(afterRest).toBeGreaterThan(before);

    kubeApi.addPod('apigee', { metadata: { name: 'pod1' }, spec: { containers: [{ name: 'c' }] } });
    kubeApi.onExec(async (cmd, io) => {
      await io.stdout(`ran ${cmd.join(" ")}`);
      return 0;
    });
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    const result = await kube.exec('apigee', 'pod1', 'c', ['echo', 'hi'], { stdout, stderr: new PassThrough() });
    expect(result.exitCode).toBe(0);
    expect(Buffer.concat(chunks).toString()).toBe('ran echo hi');
    const afterExec = await proxy.tunnels(port);
    expect(afterExec).toBeGreaterThan(afterRest);

    kubeApi.onPortForward(echoPortForward());
    const forward = await kube.portForward('apigee', 'pod1', 9042);
    try {
      const data = randomBytes(64 * 1024);
      const back = await tcpRoundTrip(forward.localPort, data);
      expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    } finally {
      await forward.close();
    }
    expect(await proxy.tunnels(port)).toBeGreaterThan(afterExec);
  });

  test('wrong proxy-url credentials: the Kubernetes call fails with a clear error naming no password', async () => {
    const kube = loadKube({ kubeconfig: await kubeApi.writeKubeconfig({ proxyUrl: proxy.url('bad-password') }), requestTimeoutMs: 5000 });
    const err = await kube.readSecret('apigee', 'some-secret').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toBeDefined();
    expect(err!.message).not.toContain('bad-password');
    expect(err!.message).toMatch(/the proxy http:\/\/\*\*\*@127\.0\.0\.1:\d+ \(the kubeconfig cluster's proxy-url\) refused the credentials in it \(HTTP 401\)/);
  });
});
