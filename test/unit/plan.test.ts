// The export plan: revision KVMs mapped to proxy scope, which one wins, custom reports left out.
import { isCustomReportKvm, planExport } from '../../src/export/plan.js';
import type { KvmDescriptor } from '../../src/export/source.js';
import type { Scope } from '../../src/kvm/model.js';

const d = (scope: Scope, name: string, origin = 'x'): KvmDescriptor => ({ scope, name, encrypted: true, origin });
const rev = (proxy: string, revision: string): Scope => ({ kind: 'revision', proxy, revision });
const noProblem = () => undefined;

describe('planExport', () => {
  test('a revision KVM becomes proxy-scoped; the highest revision wins, numerically', () => {
    const plans = planExport([d(rev('p', '9'), 'k'), d(rev('p', '10'), 'k'), d(rev('p', '2'), 'k')], { includeCustomReports: false, unrepresentable: noProblem });
    const kept = plans.filter((p) => !p.skip);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.descriptor.scope).toEqual(rev('p', '10'));
    expect(kept[0]!.target).toEqual({ scope: { kind: 'proxy', proxy: 'p' }, name: 'k' });
    expect(plans.filter((p) => p.skip?.reason === 'superseded-revision')).toHaveLength(2);
    expect(plans[0]!.skip!.detail).toContain('revision 10');
  });
  test('a proxy-scoped KVM of the same name (any case) wins over every revision', () => {
    const plans = planExport([d(rev('p', '3'), 'Keys'), d({ kind: 'proxy', proxy: 'p' }, 'keys'), d(rev('p', '1'), 'KEYS')], { includeCustomReports: false, unrepresentable: noProblem });
    expect(plans.map((p) => p.skip?.reason)).toEqual(['superseded-revision', undefined, 'superseded-revision']);
    expect(plans[0]!.skip!.detail).toContain('proxy-scoped');
  });
  test('revisions of different proxies or names do not compete', () => {
    const plans = planExport([d(rev('a', '1'), 'k'), d(rev('b', '1'), 'k'), d(rev('a', '1'), 'j')], { includeCustomReports: false, unrepresentable: noProblem });
    expect(plans.every((p) => !p.skip)).toBe(true);
  });
  test('custom report KVMs are left out unless asked for', () => {
    const cr = d({ kind: 'org' }, 'CustomReportsvalidate#28f97657-0a1a-4df2-a8f2-a4c6f9bddb6f');
    expect(isCustomReportKvm(cr)).toBe(true);
    expect(isCustomReportKvm(d({ kind: 'env', env: 'e' }, cr.name))).toBe(false);
    expect(isCustomReportKvm(d({ kind: 'org' }, 'CustomReportsButMine'))).toBe(false);
    expect(planExport([cr], { includeCustomReports: false, unrepresentable: noProblem })[0]!.skip?.reason).toBe('custom-report');
    expect(planExport([cr], { includeCustomReports: true, unrepresentable: noProblem })[0]!.skip).toBeUndefined();
  });
  test('names the target cannot hold are skipped with the target reason', () => {
    const plans = planExport([d({ kind: 'org' }, 'a__b'), d({ kind: 'org' }, 'ok')], {
      includeCustomReports: false,
      unrepresentable: (k) => (k.name.includes('__') ? 'holds __' : undefined),
    });
    expect(plans[0]!.skip).toEqual({ reason: 'unrepresentable-name', detail: 'holds __' });
    expect(plans[1]!.skip).toBeUndefined();
  });
  test('two KVMs landing in the same place are both refused, naming both origins', () => {
    const plans = planExport([d({ kind: 'env', env: 'e' }, 'k', 'f:1'), d({ kind: 'env', env: 'e' }, 'k', 'f:9')], { includeCustomReports: false, unrepresentable: noProblem });
    expect(plans.map((p) => p.skip?.reason)).toEqual(['duplicate-name', 'duplicate-name']);
    expect(plans[1]!.skip!.detail).toContain('f:1 and f:9');
  });
  test('duplicates are found across other scopes between them; the same name in another scope is no duplicate', () => {
    const env = (e: string): Scope => ({ kind: 'env', env: e });
    const plans = planExport([d(env('e'), 'k', 'f:1'), d(env('f'), 'k', 'f:2'), d({ kind: 'org' }, 'k', 'f:3'), d(env('e'), 'k', 'f:4')], {
      includeCustomReports: false,
      unrepresentable: noProblem,
    });
    expect(plans.map((p) => p.skip?.reason)).toEqual(['duplicate-name', undefined, undefined, 'duplicate-name']);
  });
});
