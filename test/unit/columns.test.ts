// decodeColumnName / encodeColumnName: the four Edge scopes, KVM names with `:` and `@`, and refused names.

import { decodeColumnName, encodeColumnName } from '../../src/kvm/edgeColumnNames.js';
import { InputError } from '../../src/errors.js';
import type { Scope } from '../../src/kvm/model.js';

describe('decodeColumnName', () => {
  it.each<[string, Scope, string]>([
    ['s@kvmaps:s@orgkvm1', { kind: 'org' }, 'orgkvm1'],
    ['s@env:s@qa:s@kvmaps:s@test1', { kind: 'env', env: 'qa' }, 'test1'],
    ['s@apis:s@test-policy:s@kvmaps:s@apikvm1', { kind: 'proxy', proxy: 'test-policy' }, 'apikvm1'],
    ['s@apis:s@ouath-proxy:s@revision:s@4:s@kvmaps:s@oauthkvm1', { kind: 'revision', proxy: 'ouath-proxy', revision: '4' }, 'oauthkvm1'],
    ['s@env:s@test:s@kvmaps:s@__ apigee__kvm__.keystore', { kind: 'env', env: 'test' }, '__ apigee__kvm__.keystore'],
  ])('%s', (column, scope, kvmKey) => {
    expect(decodeColumnName(column)).toEqual({ scope, kvmKey });
  });

  it('takes everything after the first marker as the KVM name, colons, @ and a second marker included', () => {
    expect(decodeColumnName('s@env:s@prod:s@kvmaps:s@a:b@c:s@kvmaps:s@d')).toEqual({
      scope: { kind: 'env', env: 'prod' },
      kvmKey: 'a:b@c:s@kvmaps:s@d',
    });
    expect(decodeColumnName('s@kvmaps:s@customreportsvalidate#28f97657-0a1a')).toEqual({
      scope: { kind: 'org' },
      kvmKey: 'customreportsvalidate#28f97657-0a1a',
    });
    expect(decodeColumnName('s@apis:s@p 1$%.x:s@kvmaps:s@ü, value=)')).toEqual({
      scope: { kind: 'proxy', proxy: 'p 1$%.x' },
      kvmKey: 'ü, value=)',
    });
  });

  it.each([
    ['no marker', 's@env:s@qa:s@maps:s@x', 'no "s@kvmaps:s@" part'],
    ['empty KVM name', 's@env:s@qa:s@kvmaps:s@', 'the KVM name after it is empty'],
    ['unknown scope kind', 's@apiproducts:s@p:s@kvmaps:s@x', 'unknown scope "s@apiproducts:s@p:"'],
    ['empty environment', 's@env:s@:s@kvmaps:s@x', 'unknown scope "s@env:s@:"'],
    ['scope without trailing colon', 's@env:s@qas@kvmaps:s@x', 'unknown scope "s@env:s@qa"'],
    ['revision without number', 's@apis:s@p:s@revision:s@:s@kvmaps:s@x', 'unknown scope'],
    ['extra scope level', 's@apis:s@p:s@revision:s@1:s@x:s@kvmaps:s@k', 'unknown scope'],
  ])('refuses %s', (_what, column, why) => {
    expect(() => decodeColumnName(column, 'dump.out:7')).toThrow(InputError);
    expect(() => decodeColumnName(column, 'dump.out:7')).toThrow(`dump.out:7: column name ${JSON.stringify(column)} is not a KVM column`);
    expect(() => decodeColumnName(column)).toThrow(why);
  });
});

describe('encodeColumnName', () => {
  it.each<Scope>([
    { kind: 'org' },
    { kind: 'env', env: 'prod' },
    { kind: 'proxy', proxy: 'p-1' },
    { kind: 'revision', proxy: 'p-1', revision: '12' },
  ])('lowercases the name and round-trips through decodeColumnName for %o', (scope) => {
    const column = encodeColumnName(scope, 'My:KVM@Ü');
    expect(column.endsWith('s@kvmaps:s@my:kvm@ü')).toBe(true);
    expect(decodeColumnName(column)).toEqual({ scope, kvmKey: 'my:kvm@ü' });
  });
});
