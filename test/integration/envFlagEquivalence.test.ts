// Every command reads each option from its flag or its variable alike; the flag wins.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { envVarName } from '../../src/cli/options.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'amu-equiv-'));

/** Each command with option values that take it past the option checks to a quick, deterministic failure. */
const cases: { command: string[]; options: Record<string, string>; expect: RegExp }[] = [
  { command: ['kek', 'export'], options: { src: 'opdk', vault: '/nonexistent/vault', storepass: 'pw-1234' }, expect: /cannot read the vault/ },
  { command: ['kek', 'export'], options: { src: 'hybrid', org: 'o', kubeconfig: '/nonexistent/kubeconfig' }, expect: /kubeconfig|nonexistent/i },
  { command: ['kvms', 'emigrate'], options: { src: 'opdk', org: 'o', 'emigrate-dir': tmp, 'cassandra-cli': '/nonexistent/cassandra-cli' }, expect: /not an executable file/ },
  { command: ['kvms', 'emigrate'], options: { src: 'hybrid', org: 'o', 'emigrate-dir': tmp, 'hybrid-version': '1.7.6', kubeconfig: '/nonexistent/kubeconfig' }, expect: /kubeconfig|nonexistent/i },
  { command: ['kvms', 'export'], options: { src: 'opdk', org: 'o', kek: '00'.repeat(16), 'emigrate-dir': '/nonexistent', 'export-dir': path.join(tmp, 'x'), tgt: 'maven' }, expect: /no dump at/ },
  { command: ['kvms', 'verify'], options: { src: 'hybrid', org: 'o', dek: '11'.repeat(16), 'emigrate-dir': '/nonexistent', 'export-dir': path.join(tmp, 'y'), tgt: 'apigeecli' }, expect: /no dump at|nonexistent/ },
  { command: ['kvms', 'import'], options: { 'export-dir': tmp, tgt: 'apigeecli', 'tgt-org': 'x', 'env-map': 'a=b', concurrency: '4', proxy: 'http://127.0.0.1:9', 'api-url': 'ftp://nowhere' }, expect: /holds no KVM files of an export tree for apigeecli: nothing to import/ },
  { command: ['kvms', 'verify'], options: { src: 'opdk', org: 'o', kek: '00'.repeat(16), 'emigrate-dir': '/nonexistent', live: 'true', 'tgt-org': 'x' }, expect: /no dump at/ },
  { command: ['cassandra', 'cqlsh'], options: { 'hybrid-version': '1.7.6', kubeconfig: '/nonexistent/kubeconfig' }, expect: /kubeconfig|nonexistent/i },
  { command: ['cassandra', 'backup'], options: { src: 'hybrid', 'backup-dir': tmp, 'hybrid-version': '1.7.6', kubeconfig: '/nonexistent/kubeconfig' }, expect: /kubeconfig|nonexistent/i },
  { command: ['organizations', 'list'], options: { src: 'hybrid', org: 'o', 'hybrid-version': '1.7.6', kubeconfig: '/nonexistent/kubeconfig' }, expect: /kubeconfig|nonexistent/i },
];

describe('every command reads each option from its flag or its variable alike', () => {
  test.each(cases.map((c) => ({ ...c, src: c.options.src ?? 'hybrid' })))('amu $command.0 $command.1 ($src)', async ({ command, options, expect: failure }) => {
    const flags = Object.entries(options).flatMap(([flag, value]) => [`--${flag}`, value]);
    const env = Object.fromEntries(Object.entries(options).map(([flag, value]) => [envVarName(flag), value]));
    const viaFlags = await runAmu([...command, ...flags]);
    const viaEnv = await runAmu(command, env);
    expect(viaFlags.stderr).not.toMatch(/missing required/);
    expect(viaFlags.stderr).toMatch(failure);
    expect(viaFlags.code).not.toBe(0);
    expect(viaEnv).toEqual(viaFlags);
  });

  test('--token reads APIGEE_TOKEN (the name gcloud users know)', async () => {
    const help = await runAmu(['kvms', 'import', '--help']);
    expect(help.stdout).toMatch(/--token[^\n]*\n?[^\n]*\[env: APIGEE_TOKEN\]/);
  });

  test('a flag wins over its variable', async () => {
    const r = await runAmu(['kek', 'export', '--src', 'opdk', '--vault', '/nonexistent/from-flag', '--storepass', 'x'], { VAULT: '/nonexistent/from-env' });
    expect(r.stderr).toContain('/nonexistent/from-flag');
    expect(r.stderr).not.toContain('/nonexistent/from-env');
  });
});
