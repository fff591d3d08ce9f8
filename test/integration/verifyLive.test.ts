// amu kvms verify --live: reads the target back through the fake Apigee API (all pages) and compares it with the dump.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { FakeApigeeApi } from '../support/fakeApigeeApi.js';
import { buildEdgeColumns, formatCliDump, seededRandomBytes, type EdgeKvmSpec } from '../support/edgeDump.js';
import type { verifyJson as reportJson } from '../../src/verify/report.js';

type VerifyJson = ReturnType<typeof reportJson>;
const kek = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const TOKEN = 'ya29.live-verify-token-42';
const SECRET = 'Live-Secret-Value-31337';

const kvms: EdgeKvmSpec[] = [
  { scope: { kind: 'org' }, name: 'orgKvm', encrypted: true, entries: [{ name: 'password', value: SECRET }, { name: 'a/b', value: 'slash' }, { name: 'ü 東京', value: '{"j": [1, 2]}' }] },
  { scope: { kind: 'env', env: 'test' }, name: 'big', encrypted: true, entries: Array.from({ length: 230 }, (_v, i) => ({ name: `k${String(i).padStart(3, '0')}`, value: `v${i}` })) },
  { scope: { kind: 'revision', proxy: 'p1', revision: '4' }, name: 'p1kvm', encrypted: true, entries: [{ name: 'k', value: 'rev4' }] },
];

describe('amu kvms verify --live', () => {
  let work: string;
  let dumpDir: string;
  let fake: FakeApigeeApi;
  let counter = 0;
  const base = () => ({ SRC: 'opdk', ORG: 'acme', KEK: kek.toString('hex'), EMIGRATE_DIR: dumpDir, API_URL: fake.url, APIGEE_TOKEN: TOKEN });

  async function imported(envMap?: string): Promise<string> {
    const tgt = `live-${++counter}`;
    fake.addOrg(tgt, ['test', 'dev'], ['p1']);
    const r = await runAmu(['kvms', 'import', '--tgt-org', tgt, ...(envMap ? ['--env-map', envMap] : [])], base());
    expect(r.code).toBe(0);
    return tgt;
  }

  async function verify(tgt: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string; json?: VerifyJson }> {
    const r = await runAmu(['kvms', 'verify', '--live', '--tgt-org', tgt, ...args], base());
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
    return { ...r, ...(args.includes('--json') ? { json: JSON.parse(r.stdout) as VerifyJson } : {}) };
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-live-'));
    dumpDir = path.join(work, 'emigrate');
    await mkdir(dumpDir);
    await writeFile(path.join(dumpDir, 'acme-kvms.out'), formatCliDump('acme', buildEdgeColumns(kek, kvms, seededRandomBytes('live'))));
    fake = new FakeApigeeApi({ tokens: [TOKEN] });
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
    await rm(work, { recursive: true, force: true });
  });

  test('after an import every KVM is OK (entries read over several pages), exit 0, the same table as offline verify', async () => {
    const tgt = await imported();
    const before = fake.stats.byMethod.GET ?? 0;
    const r = await verify(tgt);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Verify of organization live-\d+ at http:\/\/127\.0\.0\.1:\d+ \(Apigee API\) against .*acme-kvms\.out: OK$/m);
    expect(r.stdout).toMatch(/^scope\s+KVM\s+dump\s+export\s+status$/m);
    expect(r.stdout).toMatch(/^env test\s+big\s+230\s+230\s+OK$/m);
    expect(r.stdout).toMatch(/^proxy p1\s+p1kvm\s+1\s+1\s+OK$/m);
    expect(r.stdout).toMatch(/^total: 3 KVM\(s\): 3 OK, 0 missing, 0 different, 0 extra, 0 undecryptable, 0 conflict; entries: dump 234, export 234$/m);
    // 3 pages of "big" at 100 a page, one each for the others, the KVM lists of org, env test and proxy p1.
    expect((fake.stats.byMethod.GET ?? 0) - before).toBe(3 + 1 + 1 + 3);
  });

  test('a changed value, a missing entry and an extra KVM are differences: exit 7, with statuses in --json', async () => {
    const tgt = await imported();
    fake.scopeKvms(tgt, 'env:test').get('big')!.entries.set('k007', 'tampered');
    fake.scopeKvms(tgt, 'org').get('orgKvm')!.entries.delete('a/b');
    fake.scopeKvms(tgt, 'api:p1').set('stray', { encrypted: true, entries: new Map() });
    const r = await verify(tgt, ['--json']);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/error: 3 KVM\(s\) of the dump are not in organization live-\d+ at .* as the dump has them/);
    const status = Object.fromEntries(r.json!.kvms.map((row) => [`${row.scope}/${row.kvm}`, row.status]));
    expect(status).toEqual({ 'org/orgKvm': 'different', 'env test/big': 'different', 'proxy p1/p1kvm': 'OK', 'proxy p1/stray': 'extra' });
  });

  test('a KVM not imported is missing; --env-map is applied as import applies it', async () => {
    const tgt = await imported('test=dev');
    const mapped = await verify(tgt, ['--env-map', 'test=dev']);
    expect(mapped.code).toBe(0);
    const unmapped = await verify(tgt, ['--json']);
    expect(unmapped.code).toBe(7);
    expect(unmapped.json!.kvms.find((row) => row.kvm === 'big')).toMatchObject({ scope: 'env test', status: 'missing' });
  });
});
