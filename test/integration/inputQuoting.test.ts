// Errors about what the user typed or gave in a file quote it cut: a key typed in the wrong place is never echoed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu, type AmuRun } from '../support/runAmu.js';

const KEY = '8f1e2d3c4b5a69788796a5b4c3d2e1f0';
const PASSWORD = 'Vault-Passw0rd-9931';

function expectNotEchoed(r: AmuRun, ...secrets: string[]): void {
  for (const secret of secrets) {
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(0, 8));
    }
  }
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'amu-quoting-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

test('a key typed without --kek is an unknown argument, not echoed (nor in the help hint)', async () => {
  const r = await runAmu(['kvms', 'export', '--src', 'opdk', KEY]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/Unknown argument/);
  expect(r.stderr).toContain('(32 characters)');
  expect(r.stderr).toMatch(/Run "amu kvms export --help"/);
  expectNotEchoed(r, KEY);
});

test('a password given to a misspelt option with = is not echoed', async () => {
  const r = await runAmu(['kek', 'export', '--src', 'opdk', `--storpass=${PASSWORD}`]);
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/storpass/);
  expectNotEchoed(r, PASSWORD);
});

test('a key put in the wrong variable (a choice or a number) is not echoed', async () => {
  const choice = await runAmu(['kvms', 'export'], { SRC: KEY });
  expect(choice.code).toBe(2);
  expect(choice.stderr).toMatch(/--src \(SRC\) must be one of opdk, hybrid/);
  expectNotEchoed(choice, KEY);
  const number = await runAmu(['organizations', 'list', '--src', 'opdk'], { CQL_PORT: PASSWORD });
  expect(number.code).toBe(2);
  expect(number.stderr).toMatch(/CQL_PORT must be a number/);
  expectNotEchoed(number, PASSWORD);
});

test('a malformed keys file: the JSON error gives a position, not the keys', async () => {
  const file = path.join(work, 'keys.json');
  await writeFile(file, `{"org": ${KEY}${PASSWORD}, "envs": {}}`);
  const dir = path.join(work, 'emigrate');
  const r = await runAmu(['kvms', 'export', '--src', 'hybrid', '--org', 'o', '--emigrate-dir', dir, '--keys-file', file, '--tgt', 'apigeecli', '--export-dir', path.join(work, 'out')]);
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/keys file .* is not JSON: invalid JSON at character \d+/);
  expectNotEchoed(r, KEY, PASSWORD);
});
