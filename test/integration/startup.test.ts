// `amu --version` is answered by bin/amu without loading the CLI: the same text and exit code as the full parser gives.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAmu } from '../support/runAmu.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'amu');

describe('start-up fast path', () => {
  test('bin/amu --version prints what the yargs parser prints', async () => {
    const full = await runAmu(['--version']);
    const fast = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect({ code: fast.status, stdout: fast.stdout, stderr: fast.stderr }).toEqual(full);
  });

  test.each([[['kvms', '--version']], [['--version', '--no-such-flag']]])('%j still goes through the parser', async (args) => {
    const full = await runAmu(args);
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual(full);
  });
    const parsed = spawnSync(process.execPath, [bin, 'kvms', '--version'], { encoding: 'utf8' });
    expect(r.status === 0 ? r.stdout : r.stderr).not.toBe('');
    expect(parsed.status).toBe(0);
  });
});
