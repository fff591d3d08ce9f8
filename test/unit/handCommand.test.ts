// handCommand (kvms emigrate --print-command): the printed line, run by the real bash, gives the program the same argv and stdin.
import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cassandraCliInput, handCommand } from '../../src/emigrate/cassandraCli.js';

describe('handCommand', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-hand-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test.each([
    ['plain path', 'bin'],
    ['spaces, quotes and $ in the program path', `it's "a" $dir \`x\``],
  ])('%s', async (_what, dirName) => {
    const dir = path.join(work, dirName);
    await mkdir(dir, { recursive: true });
    const program = path.join(dir, 'cassandra-cli');
    await writeFile(program, `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > "$(dirname "$0")/argv"\ncat > "$(dirname "$0")/stdin"\necho dump\n`);
    await chmod(program, 0o755);
    const hand = handCommand({ org: 'my-org.x_1', host: '10.0.0.4', port: 9161, cassandraCli: program });
    expect(hand.dumpName).toBe('my-org.x_1-kvms.out');
    await execa('bash', ['-c', hand.command], { cwd: work });
    expect(await readFile(path.join(dir, 'argv'), 'utf8')).toBe('-h\n10.0.0.4\n-p\n9161\n');
    expect(await readFile(path.join(dir, 'stdin'), 'utf8')).toBe(cassandraCliInput('my-org.x_1'));
    expect(await readFile(path.join(work, 'my-org.x_1-kvms.out'), 'utf8')).toBe('dump\n');
  });

  test('defaults to the Edge install path and refuses org names that are not Edge org names', () => {
    expect(handCommand({ org: 'o', host: 'localhost' }).command).toBe(
      `(umask 077 && printf '%s\\n' "use keyvaluemap;" "get keyvaluemaps_r21['o'];" | /opt/apigee/apigee-cassandra/bin/cassandra-cli -h localhost > o-kvms.out)`,
    );
    expect(() => handCommand({ org: "o'; rm -rf /", host: 'localhost' })).toThrow(/not a valid Edge organization name/);
  });
});
