// amu cassandra cqlsh on a real terminal (tmux): raw keys, resizes, the exit code, the terminal restored.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeKubeApi, type ExecIO } from '../support/fakeKubeApiServer.js';

const AMU = fileURLToPath(new URL('../../bin/amu', import.meta.url));
const tmuxAvailable = spawnSync('tmux', ['-V']).status === 0;
const describeTmux = tmuxAvailable ? describe : describe.skip;
if (!tmuxAvailable) console.warn('cqlshTerminal: tmux not found, skipping the real-terminal test of amu cassandra cqlsh');

const session = `amu-tty-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session);

async function waitFor(what: () => boolean, label: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!what()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${label}; screen:\n${screen()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describeTmux('amu cassandra cqlsh on a real terminal (tmux), against the fake Kubernetes API', () => {
  let fake: FakeKubeApi;
  let work: string;
  const seen: { tty?: boolean; keys: string; sizes: { cols: number; rows: number }[] } = { keys: '', sizes: [] };

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'amu-tty-'));
    fake = await FakeKubeApi.start();
    fake.addSecret('apigee', 'apigee-datastore-default-creds', { 'dml.user': 'dml', 'dml.password': 'pw-in-pod-only' });
    fake.addSecret('apigee', 'apigee-cassandra-default-tls', { 'ca.crt': 'CA', 'tls.crt': 'CERT', 'tls.key': 'KEY' });
    fake.onExec(async (_cmd, io: ExecIO) => {
      seen.tty = io.tty;
      io.resize.on('resize', (size: { cols: number; rows: number }) => seen.sizes.push(size));
      await io.stdout('cqlsh> ');
      for await (const chunk of io.stdin) {
        seen.keys += chunk.toString('utf8');
        await io.stdout(chunk);
        if (seen.keys.includes('q')) break;
      }
      await io.stdout('\r\nbye\r\n');
      return 3;
    });
  });

  afterAll(async () => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    await fake.close();
  });

  test('raw keys reach the pod one by one, resizes follow, the exit code comes back and the terminal is restored', async () => {
    const kubeconfig = await fake.writeKubeconfig();
    const result = path.join(work, 'result.txt');
    const command =
      `KUBECONFIG=${kubeconfig} AMU_KUBE_POLL_MS=5 AMU_POD_READY_TIMEOUT_MS=5000 ${process.execPath} ${AMU} cassandra cqlsh --hybrid-version 1.7.6; ` +
      `echo "exit=$?" > ${result}; stty -a >> ${result}; sleep 30`;
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', command);
    await waitFor(() => screen().includes('cqlsh>'), 'the prompt');
    await waitFor(() => seen.sizes.length > 0, 'the first terminal size');
    expect(seen.tty).toBe(true);
    expect(seen.sizes[0]).toEqual({ cols: 100, rows: 30 });
    // No Enter: in raw mode each key is sent as it is typed.
    tmux('send-keys', '-t', session, '-l', 'ab');
    await waitFor(() => seen.keys === 'ab', 'the keys a and b');
    tmux('resize-window', '-t', session, '-x', '120', '-y', '40');
    await waitFor(() => seen.sizes.some((s) => s.cols === 120 && s.rows === 40), 'the new size');
    tmux('send-keys', '-t', session, '-l', 'q');
    await waitFor(() => existsSync(result) && readFileSync(result, 'utf8').includes('icanon'), 'the end of amu');
    const after = readFileSync(result, 'utf8');
    expect(after).toMatch(/^exit=3$/m);
    // Cooked mode again: canonical input and echo are back on.
    expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(after).toMatch(/(^|\s)echo(\s|$)/m);
  });
});
