// Export of the real Edge 4.51 capture (../shared/fixtures) to apigeecli and maven, exact against a reference decoding; skipped when absent.
import { mkdtemp, readFile, readdir, copyFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { CAPTURE_KEK, CAPTURE_PATH, describeCapture, referenceDecode, type ReferenceKvm } from '../support/capture.js';

/** The scope part of a capture column mapped to where the target puts it (revision → proxy). */
function placeOf(kvm: ReferenceKvm): { kind: 'org' | 'env' | 'proxy'; name?: string } {
  const parts = kvm.scope.split(':').filter(Boolean).map((p) => p.replace(/^s@/, ''));
  if (parts.length === 0) return { kind: 'org' };
  if (parts[0] === 'env') return { kind: 'env', name: parts[1]! };
  return { kind: 'proxy', name: parts[1]! };
}

describeCapture('export of the real Edge 4.51 capture (org validate)', () => {
  let emigrateDir: string;
  let work: string;
  let reference: ReferenceKvm[];

  beforeAll(async () => {
    reference = referenceDecode();
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-capture-'));
    emigrateDir = path.join(work, 'emigrate');
    await mkdir(emigrateDir);
    await copyFile(CAPTURE_PATH, path.join(emigrateDir, 'validate-kvms.out'));
  });

  const env = () => ({ SRC: 'opdk', ORG: 'validate', KEK: CAPTURE_KEK, EMIGRATE_DIR: emigrateDir, INCLUDE_CUSTOM_REPORTS: 'true' });

  test('the reference decoding sees 50 KVMs and 3,571 entries', () => {
    expect(reference).toHaveLength(50);
    expect(reference.reduce((n, k) => n + k.entries.length, 0)).toBe(3571);
  });

  test('apigeecli: all 50 KVMs of all four scopes come out exact', async () => {
    const exportDir = path.join(work, 'apigeecli');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', exportDir], env());
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = (await readdir(exportDir)).filter((f) => f.endsWith('.json') && f.includes('kvmfile'));
    expect(files).toHaveLength(50);
    for (const kvm of reference) {
      const place = placeOf(kvm);
      const file = place.kind === 'org' ? `org__${kvm.name}__kvmfile__0.json` : `${place.kind}__${place.name}__${kvm.name}__kvmfile__0.json`;
      const body = JSON.parse(await readFile(path.join(exportDir, file), 'utf8'));
      expect(body).toEqual({ keyValueEntries: kvm.entries, nextPageToken: '' });
    }
    const qa = JSON.parse(await readFile(path.join(exportDir, 'env__qa__Test1__kvmfile__0.json'), 'utf8'));
    expect(qa.keyValueEntries).toEqual([
      { name: 'Test1', value: 'Test1' },
      { name: 'tesT1', value: 'tesT1' },
      { name: 'test1', value: 'test1' },
    ]);
    const orgKvm = JSON.parse(await readFile(path.join(exportDir, 'org__orgkvm1__kvmfile__0.json'), 'utf8'));
    expect(orgKvm.keyValueEntries).toContainEqual({ name: 'keyasdasdd2', value: 'sdasddazxa' });
    expect(r.stdout).toMatch(/^total\s+50\s+11\s+39\s+50\s+3571$/m);
  });

  test('maven: all 50 KVMs come out exact, grouped per scope file', async () => {
    const exportDir = path.join(work, 'maven');
    const r = await runAmu(['kvms', 'export', '--tgt', 'maven', '--export-dir', exportDir], env());
    expect(r.code).toBe(0);
    const byFile = new Map<string, ReferenceKvm[]>();
    for (const kvm of reference) {
      const place = placeOf(kvm);
      const file = place.kind === 'org' ? 'org/kvms.json' : place.kind === 'env' ? `env/${place.name}/kvms.json` : `api/${place.name}/kvms.json`;
      byFile.set(file, [...(byFile.get(file) ?? []), kvm]);
    }
    let seen = 0;
    for (const [file, kvms] of byFile) {
      const body = JSON.parse(await readFile(path.join(exportDir, file), 'utf8')) as { name: string; entry: unknown[] }[];
      expect(body.map((k) => k.name).sort()).toEqual(kvms.map((k) => k.name).sort());
      for (const kvm of kvms) expect(body.find((k) => k.name === kvm.name)!.entry).toEqual(kvm.entries);
      seen += body.length;
    }
    expect(seen).toBe(50);
  });

  test('by default the custom report KVM is left out and said so', async () => {
    const exportDir = path.join(work, 'default');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', exportDir], { ...env(), INCLUDE_CUSTOM_REPORTS: '' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[custom-report\] org \/ CustomReportsvalidate#28f97657/);
    expect((await readdir(exportDir)).filter((f) => f.includes('kvmfile'))).toHaveLength(49);
  });

  test('a wrong KEK fails before anything is written (exit 4)', async () => {
    const exportDir = path.join(work, 'wrong-kek');
    const r = await runAmu(['kvms', 'export', '--tgt', 'apigeecli', '--export-dir', exportDir], { ...env(), KEK: '00112233445566778899aabbccddeeff' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/wrong KEK/);
    expect(r.stderr).not.toContain('00112233445566778899aabbccddeeff');
    await expect(readdir(exportDir)).rejects.toThrow(/ENOENT/);
    expect((await readdir(work)).filter((f) => f.includes('amu-tmp'))).toEqual([]);
  });
});
