// The settings of a large export report read from its head, and the whole-file parse (with its errors) for anything else.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readRecordedExport } from '../../src/verify/recordedExport.js';

const settings = {
  src: 'opdk',
  org: 'acme',
  emigrateDir: '/data/dump "ü"',
  dumpFiles: ['/data/dump/acme-kvms.out'],
  tgt: 'maven',
  apigeecliNaming: 'current',
  includeCustomReports: false,
  mavenProject: true,
};

/** A report as export writes it, with per-KVM lists far longer than the head read first. */
function report(extra: Record<string, unknown> = {}): string {
  const files = Array.from({ length: 20_000 }, (_, i) => `env__prod__kvm-${i}__kvmfile__0.json`);
  const body = { amuVersion: '9.9.9', createdAt: '2026-01-01T00:00:00.000Z', settings, org: 'acme', files, kvms: files.map((f) => ({ f, n: 1 })), ...extra };
  return `${JSON.stringify(body, null, 2)}\n`;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'amu-report-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a large report: the settings, version and time as a whole parse gives them', async () => {
  await writeFile(path.join(dir, 'amu-export-report.json'), report());
  expect(await readRecordedExport(dir)).toEqual({ file: path.join(dir, 'amu-export-report.json'), amuVersion: '9.9.9', createdAt: '2026-01-01T00:00:00.000Z', settings });
});

test('a large report cut short is refused as before', async () => {
  const text = report();
  await writeFile(path.join(dir, 'amu-export-report.json'), text.slice(0, text.length - 100));
  await expect(readRecordedExport(dir)).rejects.toThrow('amu-export-report.json is not JSON');
});

test('a large report with settings that are not amu\'s is refused as before', async () => {
  const text = report().replace('"tgt": "maven"', '"tgt": "gradle"');
  await writeFile(path.join(dir, 'amu-export-report.json'), text);
  await expect(readRecordedExport(dir)).rejects.toThrow('is not a report amu can read back');
});

test('a large report laid out otherwise (compact) is parsed whole', async () => {
  await writeFile(path.join(dir, 'amu-export-report.json'), JSON.stringify(JSON.parse(report())));
  expect((await readRecordedExport(dir))?.settings).toEqual(settings);
});

test('no report: undefined', async () => {
  expect(await readRecordedExport(dir)).toBeUndefined();
});
