// The Kubernetes adapter and the cqlsh client pod, through the real @kubernetes/client-node against the fake API server.
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import { always, echoPortForward, FakeKubeApi, readyAfterGets, type TerminalSize } from '../support/fakeKubeApiServer.js';
import { loadKube, type KubeAdapter } from '../../src/adapters/kube/index.js';
import { tcpRoundTrip } from '../support/tcpRoundTrip.js';
import {
  buildClientPodManifest,
  clientImage,
  cqlshCommand,
  ensureClientPod,
  type EnsureClientPodOptions,
} from '../../src/cluster/clientPod.js';
import { ExternalError, UsageError } from '../../src/errors.js';

const NS = 'apigee';
const POD = 'amu-cqlsh';
const VERSION = '1.10.3';
const IMAGE = clientImage(VERSION);
const DML_PASSWORD = 'iloveapis-dml-secret';

let fake: FakeKubeApi;
let kube: KubeAdapter;
let kubeconfig: string;

beforeEach(async () => {
  fake = await FakeKubeApi.start({ deleteDelayMs: 30 });
  kubeconfig = await fake.writeKubeconfig({ extraContexts: ['staging'] });
  kube = loadKube({ kubeconfig, requestTimeoutMs: 5000, pollIntervalMs: 10 });
});

afterEach(async () => {
  await fake.close();
});

function addApigeeSecrets(which: { creds?: boolean; tls?: boolean } = {}): void {
  if (which.creds !== false) fake.addSecret(NS, 'apigee-datastore-default-creds', { 'dml.user': 'dml_user', 'dml.password': DML_PASSWORD });
  if (which.tls !== false) fake.addSecret(NS, 'apigee-cassandra-default-tls', { 'tls.crt': 'CERT', 'tls.key': 'KEY', 'ca.crt': 'CA' });
}

function ourPod(image = IMAGE, podTtlSeconds = 3600): Record<string, unknown> {
  return buildClientPodManifest({ namespace: NS, name: POD, image, podTtlSeconds, cassandraHost: 'cassandra.test', imagePullSecrets: [] });
}

function fastOptions(extra: Partial<EnsureClientPodOptions> = {}): EnsureClientPodOptions {
  return { namespace: NS, hybridVersion: VERSION, podTtlSeconds: 3600, readyTimeoutMs: 300, pollIntervalMs: 10, deleteWaitMs: 2000, ...extra };
}

function verbs(): string[] {
  return fake.requests.filter((r) => r.resource === 'pods' && r.verb !== 'get').map((r) => r.verb);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** Resolves true when `p` settles within `ms`, false otherwise (and leaves no timer behind). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A slow sink: hashes what it gets, one chunk per millisecond, and records how much ever waited in its buffer. */
class SlowHashSink extends Writable {
  readonly hash = createHash('sha256');
  bytes = 0;
  maxBuffered = 0;
  private firstChunk: (() => void) | undefined;
  readonly gotData = new Promise<void>((resolve) => (this.firstChunk = resolve));

  constructor() {
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.firstChunk?.();
    setTimeout(cb, 1);
  }

  async finished(): Promise<string> {
    await new Promise<void>((resolve) => this.end(resolve));
    return this.hash.digest('hex');
  }
}

function collector(): PassThrough & { text(): string } {
  const parts: Buffer[] = [];
  const stream = new PassThrough() as PassThrough & { text(): string };
  stream.on('data', (c: Buffer) => parts.push(c));
  stream.text = () => Buffer.concat(parts).toString('utf8');
  return stream;
}

describe('cqlsh client pod', () => {
  test('no pod: creates it from the template and waits until Ready', async () => {
    addApigeeSecrets();
    fake.scriptPod(NS, POD, readyAfterGets(3));
    const messages: string[] = [];
    const pod = await ensureClientPod(kube, fastOptions({ onStatus: (m) => messages.push(m) }));

    expect(pod).toEqual({ namespace: NS, name: POD, container: 'cqlsh', image: IMAGE, created: true });
    expect(verbs()).toEqual(['create']);
    const created = fake.getPod(NS, POD)!;
    expect(created.status.phase).toBe('Running');
    expect(created.metadata.labels['app.kubernetes.io/managed-by']).toBe('amu');
    expect(created.spec.restartPolicy).toBe('Never');
    const container = created.spec.containers[0];
    expect(container.image).toBe('gcr.io/apigee-release/hybrid/apigee-hybrid-cassandra-client:1.10.3');
    expect(container.command).toEqual(['sleep', '3600']);
    expect(container.env).toEqual(
      expect.arrayContaining([
        { name: 'APIGEE_DML_USER', valueFrom: { secretKeyRef: { name: 'apigee-datastore-default-creds', key: 'dml.user' } } },
        { name: 'APIGEE_DML_PASSWORD', valueFrom: { secretKeyRef: { name: 'apigee-datastore-default-creds', key: 'dml.password' } } },
      ]),
    );
    expect(container.volumeMounts).toEqual([{ name: 'cassandra-tls', mountPath: '/opt/apigee/ssl', readOnly: true }]);
    expect(created.spec.volumes).toEqual([{ name: 'cassandra-tls', secret: { secretName: 'apigee-cassandra-default-tls' } }]);
    expect(JSON.stringify(created)).not.toContain(DML_PASSWORD);
    expect(messages.some((m) => m.includes('ContainerCreating'))).toBe(true);
    expect(messages[messages.length - 1]).toContain('is Ready');
  });

  test('registry override and pod TTL end up in the manifest', async () => {
    addApigeeSecrets();
    await ensureClientPod(kube, fastOptions({ registry: 'registry.example.com/mirror/', podTtlSeconds: 900 }));
    const container = fake.getPod(NS, POD)!.spec.containers[0];
    expect(container.image).toBe('registry.example.com/mirror/apigee-hybrid-cassandra-client:1.10.3');
    expect(container.command).toEqual(['sleep', '900']);
  });

  test('a Running and Ready pod of ours is reused without any write', async () => {
    fake.addPod(NS, ourPod(), always('ready'), 60);
    const pod = await ensureClientPod(kube, fastOptions());
    expect(pod.created).toBe(false);
    expect(verbs()).toEqual([]);
  });

  test('a Failed pod is deleted, then a new one is created', async () => {
    addApigeeSecrets();
    fake.addPod(NS, ourPod(), always('failed', { exitCode: 137 }));
    const before = fake.getPod(NS, POD)!.metadata.uid;
    const pod = await ensureClientPod(kube, fastOptions());
    expect(pod.created).toBe(true);
    expect(verbs()).toEqual(['delete', 'create']);
    expect(fake.getPod(NS, POD)!.metadata.uid).not.toBe(before);
  });

  test('a pod with another image or past its TTL is replaced', async () => {
    addApigeeSecrets();
    fake.addPod(NS, ourPod(clientImage('1.9.0')), always('ready'));
    await ensureClientPod(kube, fastOptions());
    expect(verbs()).toEqual(['delete', 'create']);
    expect(fake.getPod(NS, POD)!.spec.containers[0].image).toBe(IMAGE);

    fake.addPod(NS, ourPod(), always('ready'), 3590);
    await ensureClientPod(kube, fastOptions());
    expect(verbs()).toEqual(['delete', 'create', 'delete', 'create']);
  });

  test('a pod of that name not managed by amu is left alone', async () => {
    fake.addPod(NS, { metadata: { name: POD }, spec: { containers: [{ name: 'cqlsh', image: IMAGE }] } }, always('ready'));
    const err = await rejection(ensureClientPod(kube, fastOptions()));
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toContain('not managed by amu');
    expect(verbs()).toEqual([]);
  });

  test('never Ready with ImagePullBackOff: the timeout names the reason and the image', async () => {
    addApigeeSecrets();
    fake.scriptPod(NS, POD, always('imagePullBackOff'));
    const err = await rejection(ensureClientPod(kube, fastOptions()));
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toMatch(/not Ready after 300 ms/);
    expect(err.message).toContain('ImagePullBackOff');
    expect(err.message).toContain(IMAGE);
    expect((err as ExternalError).details.join(' ')).toContain('registry');
  });

  test('never Ready while Pending: unschedulable, or still creating', async () => {
    addApigeeSecrets();
    fake.scriptPod(NS, POD, always('unschedulable'));
    const unschedulable = await rejection(ensureClientPod(kube, fastOptions()));
    expect(unschedulable.message).toContain('cannot be scheduled (Unschedulable)');
    expect(unschedulable.message).toContain('Insufficient cpu');

    fake.scriptPod(NS, 'amu-cqlsh-2', always('creating'));
    const creating = await rejection(ensureClientPod(kube, fastOptions({ name: 'amu-cqlsh-2' })));
    expect(creating.message).toContain('waiting (ContainerCreating)');
  });

  test('missing secrets: CreateContainerConfigError, or the TLS secret named', async () => {
    addApigeeSecrets({ creds: false });
    const creds = await rejection(ensureClientPod(kube, fastOptions()));
    expect(creds.message).toContain('CreateContainerConfigError');
    expect(creds.message).toContain('secret "apigee-datastore-default-creds" not found');

    await fake.close();
    fake = await FakeKubeApi.start();
    kube = loadKube({ kubeconfig: await fake.writeKubeconfig(), pollIntervalMs: 10 });
    addApigeeSecrets({ tls: false });
    const tls = await rejection(ensureClientPod(kube, fastOptions()));
    expect(tls.message).toContain('secret apigee-cassandra-default-tls');
  });

  test('a pod that fails while starting is reported at once, not at the timeout', async () => {
    addApigeeSecrets();
    fake.scriptPod(NS, POD, [{ state: 'creating', gets: 2 }, { state: 'failed', exitCode: 2 }]);
    const started = Date.now();
    const err = await rejection(ensureClientPod(kube, fastOptions({ readyTimeoutMs: 20_000 })));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err.message).toContain('did not start');
    expect(err.message).toContain('exit code 2');
  });
});

describe('secrets', () => {
  test('readSecret decodes data; a missing secret is undefined; names are listed', async () => {
    addApigeeSecrets();
    const creds = await kube.readSecret(NS, 'apigee-datastore-default-creds');
    expect(creds?.['dml.password']?.toString()).toBe(DML_PASSWORD);
    expect(await kube.readSecret(NS, 'no-such-secret')).toBeUndefined();
    expect((await kube.listSecretNames(NS)).sort()).toEqual(['apigee-cassandra-default-tls', 'apigee-datastore-default-creds']);
    expect(await kube.listSecretNames('empty-ns')).toEqual([]);
  });
});

describe('exec', () => {
  beforeEach(() => fake.addPod(NS, ourPod(), always('ready')));

  test('8 MB of stdout arrive intact, streamed, with backpressure', async () => {
    const payload = randomBytes(8 * 1024 * 1024);
    const sink = new SlowHashSink();
    fake.onExec(async (_cmd, io) => {
      const half = payload.length / 2;
      for (let off = 0; off < payload.length; off += 64 * 1024) {
        // The second half is only sent once the client has handed output to the sink: buffering it whole would stall here.
        if (off === half && !(await within(sink.gotData, 5000))) return 99;
        await io.stdout(payload.subarray(off, off + 64 * 1024));
      }
      return 0;
    });
    const result = await kube.exec(NS, POD, 'cqlsh', ['cat', '/big'], { stdout: sink, stderr: new PassThrough() });
    expect(result.exitCode).toBe(0);
    expect(await sink.finished()).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(sink.bytes).toBe(payload.length);
    expect(sink.maxBuffered).toBeLessThan(2 * 1024 * 1024);
  });

  test('a non-zero exit code and stderr text come back', async () => {
    fake.onExec(async (cmd, io) => {
      await io.stdout('partial\n');
      await io.stderr(`<stdin>:1:SyntaxException: line 1:0 no viable alternative (${cmd[0]})\n`);
      return 2;
    });
    const stdout = collector();
    const stderr = collector();
    const result = await kube.exec(NS, POD, undefined, ['cqlsh'], { stdout, stderr });
    expect(result.exitCode).toBe(2);
    expect(stdout.text()).toBe('partial\n');
    expect(stderr.text()).toBe('<stdin>:1:SyntaxException: line 1:0 no viable alternative (cqlsh)\n');
  });

  test('stdin reaches the command and its end is signalled (v5.channel.k8s.io)', async () => {
    const input = Buffer.concat([Buffer.from('PAGING OFF;\n'), randomBytes(600 * 1024)]);
    fake.onExec(async (_cmd, io) => {
      const got = await io.readStdin();
      await io.stdout(`${io.protocol} ${got.length} ${createHash('sha256').update(got).digest('hex')}`);
      return 0;
    });
    const stdout = collector();
    const stdin = new PassThrough();
    const done = kube.exec(NS, POD, undefined, ['cat'], { stdin, stdout, stderr: new PassThrough() });
    stdin.write(input.subarray(0, 1000));
    stdin.end(input.subarray(1000));
    expect((await done).exitCode).toBe(0);
    expect(stdout.text()).toBe(`v5.channel.k8s.io ${input.length} ${createHash('sha256').update(input).digest('hex')}`);
  });

  test('v4-only server: cqlshCommand reads a counted stdin, no credentials in argv', async () => {
    fake.execProtocols = ['v4.channel.k8s.io'];
    const cql = "PAGING OFF;\nSELECT * FROM kvm_myorg_hybrid.kvm_map_entry;\n";
    const argv = cqlshCommand({ stdinBytes: Buffer.byteLength(cql) });
    expect(argv.slice(0, 2)).toEqual(['bash', '-c']);
    expect(argv[2]).toContain('"$APIGEE_DML_PASSWORD"');
    expect(argv.join(' ')).not.toContain(DML_PASSWORD);
    fake.onExec(async (cmd, io) => {
      const count = Number(/head -c (\d+)/.exec(cmd[2] ?? '')?.[1]);
      const got = await io.readStdin(count); // like `head -c N`: no end-of-input needed
      await io.stdout(`${io.protocol}|${got.toString()}`);
      return 0;
    });
    const stdout = collector();
    const result = await kube.exec(NS, POD, 'cqlsh', argv, { stdin: cql, stdout, stderr: new PassThrough() });
    expect(result.exitCode).toBe(0);
    expect(stdout.text()).toBe(`v4.channel.k8s.io|${cql}`);
  });

  test('terminal resizes are sent on channel 4', async () => {
    const resize = new EventEmitter();
    fake.onExec(async (_cmd, io) => {
      const size = await new Promise<TerminalSize>((resolve) => io.resize.once('resize', resolve));
      await io.stdout(`${io.tty} ${size.cols}x${size.rows}`);
      return 0;
    });
    const stdout = collector();
    const done = kube.exec(NS, POD, undefined, ['bash'], { stdout, stderr: new PassThrough(), tty: true, resize });
    await new Promise((r) => setTimeout(r, 50));
    resize.emit('resize', { cols: 132, rows: 43 });
    expect((await done).exitCode).toBe(0);
    expect(stdout.text()).toBe('true 132x43');
  });

  test("the fake speaks what client-node's own Exec expects (status V1Status on channel 3)", async () => {
    fake.onExec(async (_cmd, io) => {
      await io.stdout('out');
      return 7;
    });
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const stdout = collector();
    const status = await new Promise<V1Status>((resolve) => {
      void new Exec(kc).exec(NS, POD, 'cqlsh', ['false'], stdout, new PassThrough(), null, false, resolve);
    });
    expect(status.reason).toBe('NonZeroExitCode');
    expect(status.details?.causes).toEqual([{ reason: 'ExitCode', message: '7' }]);
    expect(stdout.text()).toBe('out');
  });

  test('exec into a missing pod: ExternalError with the API message', async () => {
    const err = await rejection(kube.exec(NS, 'nope', undefined, ['true'], { stdout: new PassThrough(), stderr: new PassThrough() }));
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toContain('HTTP 404');
    expect(err.message).toContain('pods "nope" not found');
  });
});

describe('port-forward', () => {
  beforeEach(() => fake.addPod(NS, ourPod(), always('ready')));

  test('bytes sent to the local port come back from an echo in the pod', async () => {
    fake.onPortForward(echoPortForward());
    const forward = await kube.portForward(NS, POD, 9042);
    try {
      const data = randomBytes(1024 * 1024);
      const [a, b] = await Promise.all([tcpRoundTrip(forward.localPort, data), tcpRoundTrip(forward.localPort, Buffer.from('ping'))]);
      expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      expect(b.toString()).toBe('ping');
    } finally {
      await forward.close();
    }
    expect(fake.requests.filter((r) => r.resource === 'pods/portforward')).toHaveLength(2);
  });

  test('an error on the error channel is reported and the local connection dropped', async () => {
    fake.onPortForward(() => Promise.reject(new Error('dial tcp4 127.0.0.1:9042: connect: connection refused')));
    const errors: Error[] = [];
    const forward = await kube.portForward(NS, POD, 9042, { onError: (e) => errors.push(e) });
    try {
      const back = await tcpRoundTrip(forward.localPort, Buffer.from('x'));
      expect(back.length).toBe(0);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toContain('connection refused');
      expect(errors[0]!.message).toContain(`pod ${NS}/${POD} port 9042`);
    } finally {
      await forward.close();
    }
  });
});

describe('errors', () => {
  test('an unknown context is a UsageError listing the contexts', () => {
    let err: unknown;
    try {
      loadKube({ kubeconfig, context: 'prod' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toContain('"prod"');
    expect((err as UsageError).details.join(' ')).toContain('fake, staging');
    expect(() => loadKube({ kubeconfig, context: 'staging' })).not.toThrow();
  });

  test('KUBECONFIG is honoured, and no configuration at all is a UsageError', async () => {
    const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
    try {
      process.env.KUBECONFIG = kubeconfig;
      fake.addSecret(NS, 'from-env', { k: 'v' });
      expect(await loadKube().listSecretNames(NS)).toEqual(['from-env']);
      delete process.env.KUBECONFIG;
      process.env.HOME = path.dirname(kubeconfig); // no .kube/config there
      expect(() => loadKube()).toThrow(UsageError);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  test('403 from the API server: ExternalError with status, message, namespace and name, no token', async () => {
    addApigeeSecrets();
    fake.addPod(NS, ourPod(), always('ready'));
    fake.forbid({ resource: 'secrets', verb: 'get' });
    fake.forbid({ resource: 'pods/exec' });
    const err = await rejection(kube.readSecret(NS, 'apigee-datastore-default-creds'));
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toContain('cannot read secret apigee/apigee-datastore-default-creds');
    expect(err.message).toContain('HTTP 403 Forbidden');
    expect(err.message).toContain('secrets "apigee-datastore-default-creds" is forbidden: User "amu-test" cannot get resource "secrets"');
    expect(err.message).not.toContain(fake.token);

    const execErr = await rejection(kube.exec(NS, POD, undefined, ['true'], { stdout: new PassThrough(), stderr: new PassThrough() }));
    expect(execErr).toBeInstanceOf(ExternalError);
    expect(execErr.message).toContain('HTTP 403');
    expect(execErr.message).toContain('cannot create resource "pods/exec"');
  });

  test('401 with a wrong token and a refused connection are ExternalErrors', async () => {
    const badToken = loadKube({ kubeconfig: await fake.writeKubeconfig({ token: 'wrong-token' }) });
    const unauthorized = await rejection(badToken.readPod(NS, POD));
    expect(unauthorized).toBeInstanceOf(ExternalError);
    expect(unauthorized.message).toContain('HTTP 401 Unauthorized');
    expect(unauthorized.message).not.toContain('wrong-token');

    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = loadKube({ kubeconfig: await fake.writeKubeconfig({ server: `http://127.0.0.1:${port}` }) });
    const err = await rejection(refused.listSecretNames(NS));
    expect(err).toBeInstanceOf(ExternalError);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });
});
