// `amu ... | head`: a reader that closes stdout early ends amu quietly, with the command's own exit code and no trace.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';

const AMU = fileURLToPath(new URL('../../bin/amu', import.meta.url));

interface Ended {
  code: number | null;
  stderr: string;
  stdoutBytes: number;
}

/** Runs bin/amu with a real stdout pipe that is closed after `keepBytes` bytes were read (0: before amu writes). */
function runClosingStdout(args: string[], env: NodeJS.ProcessEnv, keepBytes: number): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(AMU, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdoutBytes = 0;
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    if (keepBytes === 0) child.stdout.destroy();
    else {
      child.stdout.on('data', (c: Buffer) => {
        stdoutBytes += c.length;
        if (stdoutBytes >= keepBytes) child.stdout.destroy();
      });
    }
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, stdoutBytes }));
  });
}

describe('a closed stdout (amu ... | head)', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-pipe-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test.each([[['--help']], [['completion']], [['kvms', 'export', '--help']]])('amu %j with stdout closed before it writes: exit 0, no trace', async (args) => {
    const r = await runClosingStdout(args, {}, 0);
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at |Unhandled/);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('a long JSON summary read only in part: the export still completes, exit 0, no trace', async () => {
    const kek = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const kvms = Array.from({ length: 1500 }, (_v, i) => ({
      scope: { kind: 'env' as const, env: 'prod' },
      name: `kvm-${String(i).padStart(5, '0')}`,
      encrypted: false,
      entries: [{ name: 'k', value: 'v' }],
    }));
    const dir = path.join(work, 'emigrate');
    await mkdir(dir);
    await writeFile(path.join(dir, 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, kvms, seededRandomBytes('pipe'))));
    const exportDir = path.join(work, 'export');
    const env = { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dir };
    const r = await runClosingStdout(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', exportDir, '--json'], env, 1);
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at |Unhandled/);
    expect(r.code).toBe(0);
    expect(r.stdoutBytes).toBeLessThan(150_000);
    const report = JSON.parse(await readFile(path.join(exportDir, 'amu-export-report.json'), 'utf8')) as { complete: boolean; kvms: unknown[] };
    expect(report.complete).toBe(true);
    expect(report.kvms).toHaveLength(1500);
  });

  test('a failing command keeps its own exit code when stdout is closed', async () => {
    const r = await runClosingStdout(['kvms', 'export', '--src', 'opdk'], {}, 0);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required options/);
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
  });
});
