// Option names, variables, resolution (flags win over variables) and the missing-options error.
import { camelName, envVarName, requireOptions, resolveOptions, type OptionSpecs } from '../../src/cli/options.js';
import { UsageError } from '../../src/errors.js';

const specs: OptionSpecs = {
  'export-dir': { type: 'string', describe: 'd' },
  overwrite: { type: 'boolean', describe: 'o', default: false },
  'page-size': { type: 'number', describe: 'p' },
  tgt: { type: 'string', describe: 't', choices: ['apigeecli', 'maven'] },
  storepass: { type: 'string', describe: 's', secret: true },
};

describe('option names', () => {
  test('flag to variable and camel case', () => {
    expect(envVarName('export-dir')).toBe('EXPORT_DIR');
    expect(envVarName('include-custom-reports')).toBe('INCLUDE_CUSTOM_REPORTS');
    expect(camelName('export-dir')).toBe('exportDir');
  });
});

describe('resolveOptions', () => {
  test('env variables fill unset flags', () => {
    const v = resolveOptions({}, specs, { EXPORT_DIR: '/x', OVERWRITE: 'true', PAGE_SIZE: '500', TGT: 'maven' });
    expect(v).toEqual({ 'export-dir': '/x', overwrite: true, 'page-size': 500, tgt: 'maven', storepass: undefined });
  });
  test('flags win over variables', () => {
    const v = resolveOptions({ 'export-dir': '/flag', overwrite: false }, specs, { EXPORT_DIR: '/env', OVERWRITE: '1' });
    expect(v['export-dir']).toBe('/flag');
    expect(v.overwrite).toBe(false);
  });
  test('defaults apply last; empty variables count as unset', () => {
    const v = resolveOptions({}, specs, { EXPORT_DIR: '' });
    expect(v['export-dir']).toBeUndefined();
    expect(v.overwrite).toBe(false);
  });
  test('bad boolean, number and choice values from variables are usage errors naming the variable', () => {
    expect(() => resolveOptions({}, specs, { OVERWRITE: 'maybe' })).toThrow(/OVERWRITE must be true or false/);
    expect(() => resolveOptions({}, specs, { PAGE_SIZE: 'lots' })).toThrow(/PAGE_SIZE must be a number/);
    expect(() => resolveOptions({}, specs, { TGT: 'zip' })).toThrow(/--tgt \(TGT\) must be one of apigeecli, maven/);
  });
  test('a bad secret boolean is not echoed', () => {
    const secretBool: OptionSpecs = { flag: { type: 'boolean', describe: 'x', secret: true } };
    expect(() => resolveOptions({}, secretBool, { FLAG: 'hunter2' })).toThrow(/not "\*\*\*"/);
  });
});

describe('requireOptions', () => {
  test('names every missing option as flag and variable', () => {
    try {
      requireOptions({ org: 'o', 'export-dir': undefined, kek: undefined }, ['org', 'export-dir', 'kek']);
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      const e = err as UsageError;
      expect(e.message).toBe('missing required options:');
      expect(e.details).toEqual(['  --export-dir  (or EXPORT_DIR)', '  --kek  (or KEK)']);
    }
  });
  test('passes when all are there', () => {
    expect(() => requireOptions({ org: 'o' }, ['org'])).not.toThrow();
  });
});
