// amu kvms export --src hybrid on cqlsh dumps: per-scope keys, current versions, --dek, both targets.
import { createCipheriv } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { formatCqlshTable } from '../support/cqlshTableFormat.js';

const orgKey = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const prodKey = Buffer.from('ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100', 'hex');
const testKey = Buffer.from('iloveapis1234567');

function encrypt(key: Buffer, text: string): string {
  const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null);
  return Buffer.concat([c.update(text, 'utf8'), c.final()]).toString('base64');
}

const ENTRY_COLUMNS = ['tid', 'a_scp', 'map', 'ver', 'key', 'c_at', 'c_by', 'u_at', 'u_by', 'val'];
const DESCRIPTOR_COLUMNS = ['tid', 'a_scp', 'map', 'attr', 'c_at', 'c_by', 'u_at', 'u_by', 'ver'];
const entry = (aScp: string, map: string, ver: string, key: string, val: string) => ['acme', aScp, map, ver, key, '2024-01-01 00:00:00.000000+0000', 'amu', null, null, val];
const descriptor = (aScp: string, map: string, ver: string) => ['acme', aScp, map, null, '2024-01-01 00:00:00.000000+0000', 'amu', null, null, ver];

describe('amu kvms export --src hybrid (cqlsh dumps)', () => {
  let work: string;
  let emigrateDir: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-hybrid-'));
    emigrateDir = path.join(work, 'emigrate');
    await mkdir(emigrateDir);
    const rows = [
      entry('environments###prod', 'creds', '2', 'password', encrypt(prodKey, 'prod | pa55 "w0rd"')),
      entry('', 'orgmap', '1', 'region', encrypt(orgKey, 'eu-west-1')),
      entry('environments###test', 'creds', '1', 'password', encrypt(testKey, 'test-pass\nline2')),
      entry('environments###prod', 'creds', '1', 'password', encrypt(prodKey, 'stale old value')),
      entry('environments###prod', 'creds', '2', 'user', encrypt(prodKey, 'svc-prod')),
      entry('', 'orgmap', '1', 'zone', encrypt(orgKey, '東京')),
    ];
    await writeFile(path.join(emigrateDir, 'acme-kvms.out'), formatCqlshTable(ENTRY_COLUMNS, rows, { pagingOff: true }));
    await writeFile(
      path.join(emigrateDir, 'acme-kvm-descriptors.out'),
      formatCqlshTable(DESCRIPTOR_COLUMNS, [descriptor('environments###prod', 'creds', '2'), descriptor('', 'orgmap', '1'), descriptor('environments###test', 'creds', '1'), descriptor('environments###test', 'emptymap', '4')], { pagingOff: true }),
    );
    await writeFile(path.join(work, 'keys.json'), JSON.stringify({ org: orgKey.toString('hex'), envs: { prod: prodKey.toString('hex'), test: testKey.toString('hex') } }));
  });

  const env = () => ({ SRC: 'hybrid', ORG: 'acme', EMIGRATE_DIR: emigrateDir, KEYS_FILE: path.join(work, 'keys.json') });
  const read = async (f: string) => JSON.parse(await readFile(f, 'utf8'));

  test('distinct org and environment keys, current versions only, empty maps kept (apigeecli)', async () => {
    const out = path.join(work, 'cli');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await read(path.join(out, 'env__prod__creds__kvmfile__0.json'))).keyValueEntries).toEqual([
      { name: 'password', value: 'prod | pa55 "w0rd"' },
      { name: 'user', value: 'svc-prod' },
    ]);
    expect((await read(path.join(out, 'env__test__creds__kvmfile__0.json'))).keyValueEntries).toEqual([{ name: 'password', value: 'test-pass\nline2' }]);
    expect((await read(path.join(out, 'org__orgmap__kvmfile__0.json'))).keyValueEntries).toEqual([
      { name: 'region', value: 'eu-west-1' },
      { name: 'zone', value: '東京' },
    ]);
    expect((await read(path.join(out, 'env__test__emptymap__kvmfile__0.json'))).keyValueEntries).toEqual([]);
    expect(r.stdout).toMatch(/Left out by the reader: 1 /);
    expect(r.stdout).not.toContain('stale old value');
  });

  test('verify with only --export-dir: the report supplies source, org, dumps, target and the keys file', async () => {
    const out = path.join(work, 'cli');
    const report = await read(path.join(out, 'amu-export-report.json'));
    expect(report.settings).toMatchObject({
      src: 'hybrid',
      keysFile: path.join(work, 'keys.json'),
      dumpFiles: [path.join(emigrateDir, 'acme-kvms.out'), path.join(emigrateDir, 'acme-kvm-descriptors.out')],
    });
    const r = await runAmu(['kvms', 'verify', '--export-dir', out], {});
    expect(r.stderr).toContain(`--keys-file ${path.join(work, 'keys.json')}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^total: 4 KVM\(s\): 4 OK/m);
  });

  test('maven target from the same dump', async () => {
    const out = path.join(work, 'maven');
    expect((await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', out], env())).code).toBe(0);
    expect((await read(path.join(out, 'env/prod/kvms.json')))[0].entry).toHaveLength(2);
  });

  test('one key for everything (--dek, as the bash amu): scopes with other keys are named as not decrypted, exit 6', async () => {
    const out = path.join(work, 'dek');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], { ...env(), KEYS_FILE: '', DEK: orgKey.toString('hex') });
    expect(r.code).toBe(6);
    expect(r.stdout).toMatch(/\[decrypt-failed\] env prod \/ creds/);
    expect(r.stdout).toMatch(/\[decrypt-failed\] env test \/ creds/);
    expect(r.stdout + r.stderr).not.toContain(orgKey.toString('hex'));
    expect((await readdir(out)).filter((f) => f.includes('kvmfile')).sort()).toEqual(['env__test__emptymap__kvmfile__0.json', 'org__orgmap__kvmfile__0.json']);
  });

  test('a wrong key for every scope is a key error (exit 4) and writes nothing', async () => {
    const out = path.join(work, 'wrong');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], { ...env(), KEYS_FILE: '', DEK: 'abababababababababababababababab' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/wrong key: .* decrypted none of the values/);
    expect(r.stderr).toContain('amu stopped before writing anything');
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  test('verify with a wrong key: the same key error (exit 4), in words that fit a check', async () => {
    const r = await runAmu(['kvms', 'verify', '--tgt', 'apigeecli', '--export-dir', path.join(work, 'cli')], { ...env(), KEYS_FILE: '', DEK: 'abababababababababababababababab' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/wrong key: .* decrypted none of the values/);
    expect(r.stderr).not.toContain('exported');
  });

  test('neither --dek nor --keys-file: both named as alternatives', async () => {
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', path.join(work, 'none')], { ...env(), KEYS_FILE: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--dek  (or DEK), or --keys-file  (or KEYS_FILE)');
  });

  test('a keys file without a needed environment key: that KVM is named, the rest exported, exit 6', async () => {
    await writeFile(path.join(work, 'partial-keys.json'), JSON.stringify({ org: orgKey.toString('hex'), envs: { prod: prodKey.toString('hex') } }));
    const out = path.join(work, 'partial');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', out], { ...env(), KEYS_FILE: path.join(work, 'partial-keys.json') });
    expect(r.code).toBe(6);
    expect(r.stdout).toMatch(/\[decrypt-failed\] env test \/ creds: .*test/);
    expect(await readdir(out)).toContain('env__prod__creds__kvmfile__0.json');
  });

  test('kvms import --src hybrid: the current versions go to the target through the Apigee API, empty maps too; verify --live OK', async () => {
    const { FakeApigeeApi } = await import('../support/fakeApigeeApi.js');
    const fake = new FakeApigeeApi({ tokens: ['ya29.hybrid-import'] });
    await fake.start();
    try {
      fake.addOrg('x', ['prod', 'test'], []);
      const apigee = { API_URL: fake.url, APIGEE_TOKEN: 'ya29.hybrid-import', TGT_ORG: 'x' };
      const r = await runAmu(['kvms', 'import'], { ...env(), ...apigee });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(fake.entriesOf('x', 'env:prod', 'creds')).toEqual({ password: 'prod | pa55 "w0rd"', user: 'svc-prod' });
      expect(fake.entriesOf('x', 'env:test', 'creds')).toEqual({ password: 'test-pass\nline2' });
      expect(fake.entriesOf('x', 'env:test', 'emptymap')).toEqual({});
      expect(fake.entriesOf('x', 'org', 'orgmap')).toEqual({ region: 'eu-west-1', zone: '東京' });
      const live = await runAmu(['kvms', 'verify', '--live'], { ...env(), ...apigee });
      expect(live.code).toBe(0);
      // One key for every scope: the KVMs it does not decrypt are named as failed, the rest imported, exit 6.
      fake.addOrg('y', ['prod', 'test'], []);
      const partial = await runAmu(['kvms', 'import', '--tgt-org', 'y'], { ...env(), ...apigee, KEYS_FILE: '', DEK: orgKey.toString('hex') });
      expect(partial.code).toBe(6);
      expect(partial.stdout).toMatch(/^env prod\s+creds\s+failed/m);
      expect(partial.stdout).toMatch(/env prod \/ creds: its values do not decrypt/);
      expect(fake.entriesOf('y', 'org', 'orgmap')).toEqual({ region: 'eu-west-1', zone: '東京' });
    } finally {
      await fake.stop();
    }
  });
});
