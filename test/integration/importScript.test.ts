// import-kvms.sh run by real bash against a fake apigeecli that keeps state: reruns, authentication flags, failures.
import { execa } from 'execa';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes } from '../support/edgeDump.js';

const kek = Buffer.from('0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');

/**
 * A fake apigeecli: logs each call (one argument per `|`), remembers created KVMs in $FAKE_STATE and answers a
 * second create of the same KVM as Apigee does (409 ALREADY_EXISTS on stderr, exit 1). FAKE_CREATE_ERROR makes
 * every create fail with that text instead.
 */
const FAKE_APIGEECLI = `#!/usr/bin/env bash
{ printf '%s|' "$@"; echo; } >> "$FAKE_LOG"
if [ "$1 $2" = "kvms create" ]; then
  if [ -n "\${FAKE_CREATE_ERROR:-}" ]; then echo "$FAKE_CREATE_ERROR" >&2; exit 1; fi
  key="$*"; key="\${key//--*/}"
  if grep -qxF -- "$key" "$FAKE_STATE" 2>/dev/null; then
    printf '{\\n  "error": {\\n    "code": 409,\\n    "message": "keyvaluemap already exists",\\n    "status": "ALREADY_EXISTS"\\n  }\\n}\\n' >&2
    exit 1
  fi
  echo "$key" >> "$FAKE_STATE"
  echo '{"name": "created"}'
fi
exit 0
`;

describe('import-kvms.sh', () => {
  let work: string;
  let script: string;
  let bin: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-import-'));
    const dir = path.join(work, 'emigrate');
    await mkdir(dir);
    const columns = buildEdgeColumns(
      kek,
      [
        { scope: { kind: 'org' }, name: 'org-kvm', encrypted: true, entries: [{ name: 'a', value: 'secret' }] },
        { scope: { kind: 'env', env: 'prod' }, name: 'empty', encrypted: false, entries: [] },
        { scope: { kind: 'proxy', proxy: 'orders' }, name: 'p-kvm', encrypted: true, entries: [{ name: 'b', value: 'c' }, { name: 'd', value: 'e' }] },
      ],
      seededRandomBytes('import-script'),
    );
    await writeFile(path.join(dir, 'acme-kvms.out'), formatCliDump('acme', columns));
    const out = path.join(work, 'export');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], { SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dir });
    expect(r.code).toBe(0);
    script = path.join(out, 'import-kvms.sh');
    bin = path.join(work, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'apigeecli'), FAKE_APIGEECLI);
    await chmod(path.join(bin, 'apigeecli'), 0o755);
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  /** Runs the script with a fresh call log; `state` names the fake's memory of created KVMs (shared between runs). */
  async function runScript(name: string, env: Record<string, string>, state = path.join(work, `${name}.state`)) {
    const log = path.join(work, `${name}.log`);
    await rm(log, { force: true });
    const r = await execa('bash', [script], {
      env: { PATH: `${bin}:${process.env.PATH}`, ORG: 'target-org', FAKE_LOG: log, FAKE_STATE: state, ...env },
      extendEnv: false,
      reject: false,
    });
    const calls = (await readFile(log, 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
    return { ...r, calls };
  }

  test('a rerun counts nothing as failed: existing KVMs have their entries imported (updated) or are skipped', async () => {
    const state = path.join(work, 'rerun.state');
    const first = await runScript('first', {}, state);
    expect(first.exitCode).toBe(0);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('3 KVM(s): 3 created, 0 updated (existed already), 0 skipped (existed already, no entries), 0 failed');
    const second = await runScript('second', {}, state);
    expect(second.stderr).toBe('');
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toContain('3 KVM(s): 0 created, 2 updated (existed already), 1 skipped (existed already, no entries), 0 failed');
    expect(second.stdout).not.toMatch(/FAILED/);
    // The empty KVM that exists already is not imported again; the two with entries are.
    expect(second.calls.filter((c) => c.startsWith('kvms|entries|import|')).map((c) => c.split('|')[c.split('|').indexOf('-m') + 1])).toEqual(['org-kvm', 'p-kvm']);
  });

  test('without APIGEECLI_AUTH every call has --default-token; an empty APIGEECLI_AUTH adds no flag (apigeecli token cache)', async () => {
    const unset = await runScript('unset', {});
    expect(unset.calls.length).toBe(6);
    for (const call of unset.calls) expect(call.endsWith('|--default-token|')).toBe(true);
    const empty = await runScript('empty', { APIGEECLI_AUTH: '' });
    expect(empty.exitCode).toBe(0);
    expect(empty.calls.length).toBe(6);
    for (const call of empty.calls) expect(call).not.toContain('--default-token');
    expect(empty.calls[0]).toBe('kvms|create|-o|target-org|-n|org-kvm|');
  });

  test('a service-account path with spaces stays one argument (APIGEECLI_ACCOUNT, or quoted in APIGEECLI_AUTH)', async () => {
    const sa = '/keys/my service account/sa.json';
    const viaAccount = await runScript('account', { APIGEECLI_ACCOUNT: sa });
    expect(viaAccount.exitCode).toBe(0);
    for (const call of viaAccount.calls) expect(call.endsWith(`|--account|${sa}|`)).toBe(true);
    const viaAuth = await runScript('auth', { APIGEECLI_AUTH: `--account '${sa}' --region eu` });
    expect(viaAuth.exitCode).toBe(0);
    for (const call of viaAuth.calls) expect(call.endsWith(`|--account|${sa}|--region|eu|`)).toBe(true);
    const unbalanced = await runScript('unbalanced', { APIGEECLI_AUTH: `--account '${sa}` });
    expect(unbalanced.exitCode).toBe(2);
    expect(unbalanced.stderr).toMatch(/APIGEECLI_AUTH cannot be split/);
    expect(unbalanced.calls).toEqual([]);
  });

  test('a create that fails for another reason is a failure: its entries are not imported, the exit code is 1', async () => {
    const r = await runScript('denied', { FAKE_CREATE_ERROR: '{"error": {"code": 403, "status": "PERMISSION_DENIED"}}' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/PERMISSION_DENIED/);
    expect(r.stderr).toMatch(/FAILED to create org KVM org-kvm/);
    expect(r.stderr).toMatch(/3 KVM\(s\) failed to import/);
    expect(r.stdout).toContain('0 created, 0 updated (existed already), 0 skipped (existed already, no entries), 3 failed');
    expect(r.calls.filter((c) => c.includes('|entries|'))).toEqual([]);
  });
});
