// amu kvms import on a real terminal (tmux): a progress line with KVMs done, entries, rate and ETA; none when piped.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeApigeeApi } from '../support/fakeApigeeApi.js';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type EdgeKvmSpec } from '../support/edgeDump.js';

const AMU = fileURLToPath(new URL('../../bin/amu', import.meta.url));
const tmuxAvailable = spawnSync('tmux', ['-V']).status === 0;
const describeTmux = tmuxAvailable ? describe : describe.skip;
if (!tmuxAvailable) console.warn('importTerminal: tmux not found, skipping the real-terminal test of the import progress line');

const session = `amu-import-tty-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', session);
const kek = Buffer.from('3f3e3d3c3b3a39383736353433323130', 'hex');

describeTmux('amu kvms import on a real terminal (tmux)', () => {
  let fake: FakeApigeeApi;
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'amu-import-tty-'));
    mkdirSync(path.join(work, 'emigrate'));
    const kvms: EdgeKvmSpec[] = Array.from({ length: 6 }, (_v, k) => ({
      scope: { kind: 'org' as const },
      name: `kvm${k}`,
      encrypted: true,
      entries: Array.from({ length: 40 }, (_w, i) => ({ name: `e${i}`, value: `v${i}` })),
    }));
    writeFileSync(path.join(work, 'emigrate', 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, kvms, seededRandomBytes('tty'))));
    fake = new FakeApigeeApi({ tokens: ['ya29.tty-token'], latencyMs: 15 });
    await fake.start();
    fake.addOrg('x', [], []);
    fake.addOrg('y', [], []);
  });

  afterAll(async () => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    await fake.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('the progress line shows KVMs, entries, rate and ETA while it runs; piped output has none', async () => {
    const done = path.join(work, 'done.txt');
    const env = `KEK=${kek.toString('hex')} APIGEE_TOKEN=ya29.tty-token API_URL=${fake.url} SRC=opdk ORG=acme EMIGRATE_DIR=${path.join(work, 'emigrate')} TGT_ORG=x`;
    tmux('new-session', '-d', '-s', session, '-x', '140', '-y', '20', `${env} ${process.execPath} ${AMU} kvms import --concurrency 2 > /dev/null; echo "exit=$?" > ${done}; sleep 30`);
    let seen = '';
    const until = Date.now() + 30_000;
    while (!existsSync(done) && Date.now() < until) {
      const text = screen();
      const line = /import \[[█░]+\] \d+% \d+\/6 KVMs \d+ entries, \d+\/s, ETA \d+ s/.exec(text);
      if (line) seen = line[0];
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(readFileSync(done, 'utf8')).toMatch(/^exit=0$/m);
    expect(seen).not.toBe('');
    const piped = await runAmu(['kvms', 'import', '--tgt-org', 'y'], { KEK: kek.toString('hex'), APIGEE_TOKEN: 'ya29.tty-token', API_URL: fake.url, SRC: 'opdk', ORG: 'acme', EMIGRATE_DIR: path.join(work, 'emigrate') });
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
  });
});
