// Ctrl-C during a Kubernetes exec: the connection closes and the command fails as interrupted at once.
import { PassThrough } from 'node:stream';
import { FakeKubeApi, always } from '../support/fakeKubeApiServer.js';
import { loadKube } from '../../src/adapters/kube/index.js';
import { interruptibleKube, loggingKube } from '../../src/cli/commandLog.js';
import { InterruptedError } from '../../src/errors.js';

describe('Ctrl-C during an exec', () => {
  let fake: FakeKubeApi;
  beforeAll(async () => {
    fake = await FakeKubeApi.start();
    fake.addPod('apigee', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'amu-cqlsh', namespace: 'apigee' }, spec: { containers: [{ name: 'cqlsh', image: 'x' }] } }, always('ready'));
  });
  afterAll(async () => fake.close());

  test('an abort closes the exec connection and fails with InterruptedError, without waiting for the command', async () => {
    let release: () => void = () => {};
    fake.onExec(async (_cmd, io) => {
      await io.stdout(Buffer.from('some output\n'));
      await new Promise<void>((resolve) => (release = resolve));
      return 0;
    });
    const controller = new AbortController();
    const logged: string[] = [];
    const kube = loggingKube(interruptibleKube(loadKube({ kubeconfig: await fake.writeKubeconfig() }), controller.signal), (t) => logged.push(t));
    const stdout = new PassThrough();
    stdout.once('data', () => controller.abort());
    const started = Date.now();
    await expect(kube.exec('apigee', 'amu-cqlsh', 'cqlsh', ['sleep', '3600'], { stdout, stderr: new PassThrough() })).rejects.toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(logged).toEqual(['kubernetes: exec in apigee/amu-cqlsh (cqlsh): sleep 3600']);
    release();
  });

  test('an exec started after the abort fails at once', async () => {
    const controller = new AbortController();
    controller.abort();
    fake.onExec(async () => 0);
    const kube = interruptibleKube(loadKube({ kubeconfig: await fake.writeKubeconfig() }), controller.signal);
    await expect(kube.exec('apigee', 'amu-cqlsh', 'cqlsh', ['true'], { stdout: new PassThrough(), stderr: new PassThrough() })).rejects.toBeInstanceOf(InterruptedError);
  });
});
