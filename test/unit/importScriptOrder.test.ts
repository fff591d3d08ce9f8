// import-kvms.sh lists its calls org first, then environments, then proxies, each in String#localeCompare order.
import { buildImportScript, type ScriptKvm } from '../../src/export/targets/apigeecliScript.js';
import type { Scope } from '../../src/kvm/model.js';

/** A small deterministic generator, so a failure can be reproduced. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const pieces = ['a', 'B', 'b', "o'k", 'é', 'e', 'Z', '-', '_', '1', '10', 'ß', 'ss', 'İ'];

function kvmsFor(seed: number, count: number): ScriptKvm[] {
  const next = random(seed);
  const pick = () => pieces[Math.floor(next() * pieces.length)]!;
  const scopes: Scope[] = [{ kind: 'proxy', proxy: 'p' }, { kind: 'env', env: 'Prod' }, { kind: 'org' }, { kind: 'env', env: 'prod' }];
  return Array.from({ length: count }, () => ({
    scope: scopes[Math.floor(next() * scopes.length)]!,
    name: `${pick()}${pick()}${pick()}`,
    entries: Math.floor(next() * 3),
  }));
}

function callLines(script: string): string[] {
  return script.split('\n').filter((line) => line.startsWith('import_kvm '));
}

describe('import-kvms.sh order', () => {
  test.each([1, 2, 3])('seed %i: the calls are sorted by scope kind, then as localeCompare orders the lines', (seed) => {
    const kvms = kvmsFor(seed, 400);
    const lines = callLines(buildImportScript(kvms, 'current'));
    expect(lines).toHaveLength(kvms.length);
    const rank = (line: string) => ['org', 'env', 'proxy'].indexOf(line.split(' ')[1]!);
    const expected = [...lines].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    expect(lines).toEqual(expected);
    // Every KVM is called once, whatever its place.
    for (const kvm of kvms) expect(lines.some((l) => l.includes(` '${kvm.name.replace(/'/g, `'\\''`)}' `))).toBe(true);
  });

  test('a KVM listed twice (same line) keeps both calls', () => {
    const kvm: ScriptKvm = { scope: { kind: 'org' }, name: 'twice', entries: 1 };
    expect(callLines(buildImportScript([kvm, kvm], 'current'))).toHaveLength(2);
  });
});
