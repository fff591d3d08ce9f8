// The real Edge 4.51 capture imported into the fake Apigee API: every entry checked against an independent decoding; verify --live OK.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runAmu } from '../support/runAmu.js';
import { FakeApigeeApi } from '../support/fakeApigeeApi.js';
import { CAPTURE_KEK, CAPTURE_PATH, describeCapture, referenceDecode, type ReferenceKvm } from '../support/capture.js';
import type { ImportSummary } from '../../src/import/summary.js';

const TOKEN = 'ya29.capture-token';

/** Where the target keeps a capture KVM: the fake's scope key (revision scope becomes the proxy). */
function scopeKeyOf(kvm: ReferenceKvm): string {
  const parts = kvm.scope.split(':').filter(Boolean).map((p) => p.replace(/^s@/, ''));
  if (parts.length === 0) return 'org';
  return parts[0] === 'env' ? `env:${parts[1]}` : `api:${parts[1]}`;
}

describeCapture('import of the real Edge 4.51 capture (org validate)', () => {
  let work: string;
  let emigrateDir: string;
  let fake: FakeApigeeApi;
  const reference = referenceDecode();

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-import-capture-'));
    emigrateDir = path.join(work, 'emigrate');
    await mkdir(emigrateDir);
    await copyFile(CAPTURE_PATH, path.join(emigrateDir, 'validate-kvms.out'));
    fake = new FakeApigeeApi({ tokens: [TOKEN], quota: { calls: 2000, windowMs: 1000 } });
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
    await rm(work, { recursive: true, force: true });
  });

  const env = () => ({ SRC: 'opdk', ORG: 'validate', KEK: CAPTURE_KEK, EMIGRATE_DIR: emigrateDir, INCLUDE_CUSTOM_REPORTS: 'true', API_URL: fake.url, APIGEE_TOKEN: TOKEN, TGT_ORG: 'x-validate' });

  test('every KVM the export would write arrives with every entry exact; a rerun is a no-op; verify --live is OK', async () => {
    const environments = new Set<string>();
    const proxies = new Set<string>();
    for (const k of reference) {
      const key = scopeKeyOf(k);
      if (key.startsWith('env:')) environments.add(key.slice(4));
      if (key.startsWith('api:')) proxies.add(key.slice(4));
    }
    fake.addOrg('x-validate', [...environments], [...proxies]);
    const first = await runAmu(['kvms', 'import', '--json'], env());
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout) as ImportSummary;
    const superseded = summary.notImported.filter((n) => n.reason === 'superseded-revision').length;
    expect(summary.notImported.every((n) => n.reason === 'superseded-revision')).toBe(true);
    expect(summary.kvms.total).toBe(reference.length - superseded);
    // Every imported KVM holds exactly the reference decoding of the KVM that export would pick for that place.
    for (const row of summary.rows) {
      const key = row.scope === 'org' ? 'org' : row.scope.startsWith('env ') ? `env:${row.scope.slice(4)}` : `api:${row.scope.slice(6)}`;
      const candidates = reference.filter((k) => k.name === row.kvm && scopeKeyOf(k) === key);
      const got = fake.entriesOf('x-validate', key, row.kvm)!;
      const canonical = (entries: [string, string][]) => JSON.stringify(entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
      const wanted = candidates.map((k) => canonical(k.entries.map((e) => [e.name, e.value])));
      expect(wanted).toContain(canonical(Object.entries(got)));
    }
    const again = await runAmu(['kvms', 'import', '--json'], env());
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as ImportSummary;
    expect(second.entries.created + second.entries.updated + second.entries.pruned).toBe(0);
    const live = await runAmu(['kvms', 'verify', '--live'], env());
    expect(live.stdout).toMatch(/: OK$/m);
    expect(live.code).toBe(0);
  });
});
