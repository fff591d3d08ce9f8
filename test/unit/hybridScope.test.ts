// Tests of decoding hybrid's a_scp column into scopes, and of collecting unknown scope kinds.
import { InputError } from '../../src/errors.js';
import {
  classifyHybridScope,
  collectUnknownScopeKinds,
  decodeHybridScope,
  ScopeDecoder,
} from '../../src/kvm/hybridScope.js';

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('expected an InputError');
}

describe('decodeHybridScope', () => {
  test('"" is the organization', () => {
    expect(decodeHybridScope('', 'f:1')).toEqual({ kind: 'org' });
  });

  test('environments###<env> is an environment; the name is everything after the first ###', () => {
    expect(decodeHybridScope('environments###test', 'f:1')).toEqual({ kind: 'env', env: 'test' });
    expect(decodeHybridScope('environments###a###b', 'f:1')).toEqual({ kind: 'env', env: 'a###b' });
  });

  test('proxy kinds are unknown unless the caller names them', () => {
    for (const kind of ['apis', 'apiproxies', 'proxies']) {
      expect(classifyHybridScope(`${kind}###p1`)).toEqual({ unknownKind: kind });
    }
    expect(decodeHybridScope('apis###p1', 'f:1', { apis: 'proxy' })).toEqual({ kind: 'proxy', proxy: 'p1' });
  });

  test('an unknown kind is an InputError naming the kind and where it was seen', () => {
    const err = thrown(() => decodeHybridScope('apiproxies###p1', 'dump.out:7'));
    expect(err.message).toBe('unknown a_scp scope kind(s): apiproxies');
    expect(err.details[0]).toBe('"apiproxies###…": 1 row(s), first at dump.out:7');
  });

  test('values of no known form are InputErrors naming the line', () => {
    expect(thrown(() => decodeHybridScope('environments', 'f:3')).message).toBe(
      'f:3: a_scp "environments" is neither empty nor <kind>###<name>',
    );
    expect(thrown(() => decodeHybridScope('environments###', 'f:4')).message).toMatch(/^f:4: .*empty kind or name/);
    expect(thrown(() => decodeHybridScope('###test', 'f:5')).message).toMatch(/^f:5: .*empty kind or name/);
  });

  test('inherited object keys are not kinds', () => {
    expect(classifyHybridScope('constructor###x')).toEqual({ unknownKind: 'constructor' });
    expect(classifyHybridScope('__proto__###x')).toEqual({ unknownKind: '__proto__' });
  });
});

describe('collecting unknown kinds', () => {
  test('ScopeDecoder lists every unknown kind with counts and first lines in one error', () => {
    const decoder = new ScopeDecoder();
    const input = ['', 'apis###p1', 'environments###prod', 'revisions###p1:3', 'apis###p2', ''];
    const scopes = input.map((aScp, i) => decoder.decode(aScp, `dump.out:${i + 1}`));
    expect(scopes).toEqual([{ kind: 'org' }, null, { kind: 'env', env: 'prod' }, null, null, { kind: 'org' }]);
    expect(decoder.unknownKinds()).toEqual([
      { kind: 'apis', firstSeen: 'dump.out:2', count: 2 },
      { kind: 'revisions', firstSeen: 'dump.out:4', count: 1 },
    ]);
    const err = thrown(() => decoder.throwIfUnknown());
    expect(err.message).toBe('unknown a_scp scope kind(s): apis, revisions');
    expect(err.details).toEqual([
      '"apis###…": 2 row(s), first at dump.out:2',
      '"revisions###…": 1 row(s), first at dump.out:4',
      'only "" (organization) and "environments###<env>" are known; amu stopped before writing anything',
    ]);
  });

  test('ScopeDecoder with no unknown kinds does not throw', () => {
    const decoder = new ScopeDecoder({ apis: 'proxy' });
    expect(decoder.decode('apis###p', 'x')).toEqual({ kind: 'proxy', proxy: 'p' });
    expect(() => decoder.throwIfUnknown()).not.toThrow();
  });

  test('ScopeDecoder throws at once on malformed values', () => {
    expect(thrown(() => new ScopeDecoder().decode('garbage', 'f:9')).message).toMatch(/^f:9: a_scp "garbage"/);
  });

  test('collectUnknownScopeKinds returns distinct kinds in order of first appearance', () => {
    expect(collectUnknownScopeKinds(['x###1', '', 'environments###e', 'y###2', 'x###3', 'bad'])).toEqual(['x', 'y']);
    expect(collectUnknownScopeKinds(['x###1'], { x: 'env' })).toEqual([]);
  });
});
