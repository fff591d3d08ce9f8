// Help, version and usage errors: every group and command lists its options with their variables; missing options exit 2.
import { runAmu } from '../support/runAmu.js';
import { commandGroups } from '../../src/commands/index.js';
import { readFileSync } from 'node:fs';

const version = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version as string;

describe('amu help, version and usage errors', () => {
  test('--version prints the package version', async () => {
    const r = await runAmu(['--version']);
    expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
  test('--help lists every group', async () => {
    const r = await runAmu(['--help']);
    expect(r.code).toBe(0);
    for (const g of commandGroups) expect(r.stdout).toContain(`amu ${g.name}`);
  });
  test.each(commandGroups.map((g) => g.name))('amu %s --help lists its commands', async (group) => {
    const r = await runAmu([group, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`amu ${group} \\w+`));
  });
  test('a command help names each option with its variable', async () => {
    const r = await runAmu(['kvms', 'export', '--help']);
    expect(r.stdout).toContain('--export-dir');
    expect(r.stdout).toContain('[env: EXPORT_DIR]');
    expect(r.stdout).toContain('INCLUDE_CUSTOM_REPORTS]');
  });
  test('no command, an unknown command and an unknown option are usage errors (exit 2)', async () => {
    for (const args of [[], ['nope'], ['kvms'], ['kvms', 'export', '--no-such-flag', 'x']]) {
      const r = await runAmu(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: /m);
      expect(r.stdout).toBe('');
    }
  });
  test('missing required options are all named, as flag and variable, before anything runs', async () => {
    const r = await runAmu(['kvms', 'export', '--src', 'opdk', '--org', 'o']);
    expect(r.code).toBe(2);
    for (const flag of ['kek', 'emigrate-dir', 'export-dir', 'tgt']) {
      expect(r.stderr).toContain(`--${flag}  (or ${flag.toUpperCase().replace(/-/g, '_')})`);
    }
    expect(r.stderr).not.toContain('--org  (or');
  });
  test('an internal error shows no stack trace without --debug', async () => {
    const r = await runAmu(['kek', 'export', '--src', 'opdk', '--vault', '/no/such/vault', '--storepass', 'secret-pass']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot read the vault \/no\/such\/vault/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain('secret-pass');
  });
  test('--debug shows the stack trace, and secrets stay masked', async () => {
    const r = await runAmu(['kek', 'export', '--src', 'opdk', '--vault', '/no/such/vault', '--debug'], { STOREPASS: 'secret-pass' });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/\n\s*at /);
    expect(r.stderr).not.toContain('secret-pass');
  });
});

describe('every command', () => {
  const commands = commandGroups.flatMap((g) => g.commands.map((c) => ({ group: g.name, name: c.name })));

  test.each(commands)('$group $name: help names every option with its variable', async ({ group, name }) => {
    const r = await runAmu([group, name, '--help']);
    expect(r.code).toBe(0);
    const flags = [...r.stdout.matchAll(/^\s+--([a-z][a-z0-9-]*)\s/gm)].map((m) => m[1]!).filter((f) => f !== 'help' && f !== 'version');
    expect(flags.length).toBeGreaterThan(2);
    const text = r.stdout.replace(/\s+/g, ' ');
    for (const flag of flags) expect(text).toContain(`${flag.toUpperCase().replace(/-/g, '_')}]`);
  });

  test.each(commands)('$group $name: without options, exits 2 naming --src or every required option', async ({ group, name }) => {
    const r = await runAmu([group, name]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required option/);
    expect(r.stderr).toMatch(/--\w[\w-]* {2}\(or [A-Z_]+\)/);
    expect(r.stdout).toBe('');
  });
});
