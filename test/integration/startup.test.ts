// `amu --version` is answered by bin/amu without loading the CLI: the same text and exit code as the full parser gives.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAmu } from '../support/runAmu.js';

const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'amu');

describe('start-up fast path', () => {
  test.each([[['--version']], [['kvms', '--version']], [['--version', '--no-such-flag']]])('bin/amu %j prints what the parser prints', async (args) => {
    const full = await runAmu(args);
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual(full);
  });
});
