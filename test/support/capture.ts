// The real cassandra-cli capture in ../shared (never copied into the repo), and an independent reference decoding of it.
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sharedFixture } from './sharedFixture.js';

const capture = sharedFixture('fixtures/opdk-4.51-validate/validate-kvms.out');
export const CAPTURE_PATH = capture.path;
export const CAPTURE_KEK = '14dadc9f2e3e0d3cc774f07f5a0357f1';
export const captureAvailable = capture.available;

/** Use as `describeCapture('...', () => {...})`: where ../shared is absent, one skipped test says why and the body never runs. */
export const describeCapture = (name: string, body: () => void): void => capture.describe(name, body);

export interface ReferenceKvm {
  scope: string;
  name: string;
  entries: { name: string; value: string }[];
}

function aes(key: Buffer, b64: string): Buffer {
  const d = createDecipheriv(`aes-${key.length * 8}-ecb`, key, null);
  return Buffer.concat([d.update(Buffer.from(b64, 'base64')), d.final()]);
}

/** Decodes the capture with a few lines of straightforward code, to check amu's export against. */
export function referenceDecode(): ReferenceKvm[] {
  const kek = Buffer.from(CAPTURE_KEK, 'hex');
  const rows = readFileSync(CAPTURE_PATH, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('=> (name='))
    .map((l) => {
      const m = /^=> \(name=(.*?), value=(.*), timestamp=\d+\)$/.exec(l)!;
      return { column: m[1]!, value: JSON.parse(m[2]!) as Record<string, string> };
    });
  const scopeOf = (column: string) => column.slice(0, column.indexOf('s@kvmaps:s@'));
  const deks = new Map<string, Buffer>();
  for (const r of rows) {
    const key = r.value['__ apigee__kvm__.keystore'];
    if (key) deks.set(scopeOf(r.column), Buffer.from(aes(kek, JSON.parse(key)[0].value).toString('utf8'), 'base64'));
  }
  return rows
    .filter((r) => !r.value['__ apigee__kvm__.keystore'])
    .map((r) => {
      const name = Object.keys(r.value).find((k) => k !== '__apigee__encrypted')!;
      const encrypted = r.value.__apigee__encrypted === 'true';
      const dek = deks.get(scopeOf(r.column));
      const entries = (JSON.parse(r.value[name]!) as { name: string; value: string }[]).map((e) => ({
        name: e.name,
        value: encrypted ? aes(dek!, e.value).toString('utf8') : e.value,
      }));
      return { scope: scopeOf(r.column), name, entries };
    });
}
