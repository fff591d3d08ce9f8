// Tests of the candidate names of hybrid's key secrets (hashes checked against `sha256sum`).
import {
  envEncodedName,
  envSecretCandidates,
  orgEncodedName,
  orgSecretCandidates,
  shortName,
  shortSha,
} from '../../src/cluster/secretNames.js';

// printf '%s' validate | sha256sum                      -> 133c8eb86cf8...
// printf '%s' validate:test | sha256sum                 -> d2c93c05ab03...
// printf '%s' my-org-name-that-is-long | sha256sum      -> 3426c071f0f0...
// printf '%s' my-org-name-that-is-long:production-environment | sha256sum -> 27149a0e30fb...

describe('encoded names', () => {
  test('shortName keeps up to 15 characters, shortSha 7 hex digits of SHA-256', () => {
    expect(shortName('validate')).toBe('validate');
    expect(shortName('my-org-name-that-is-long')).toBe('my-org-name-tha');
    expect(shortName('exactly15-chars')).toBe('exactly15-chars');
    expect(shortSha('validate')).toBe('133c8eb');
  });

  test('org: <org[:15]>-<sha256(org)[:7]>', () => {
    expect(orgEncodedName('validate')).toBe('validate-133c8eb');
    expect(orgEncodedName('my-org-name-that-is-long')).toBe('my-org-name-tha-3426c07');
  });

  test('env: <org[:15]>-<env[:15]>-<sha256("org:env")[:7]>', () => {
    expect(envEncodedName('validate', 'test')).toBe('validate-test-d2c93c0');
    expect(envEncodedName('my-org-name-that-is-long', 'production-environment')).toBe(
      'my-org-name-tha-production-envi-27149a0',
    );
  });
});

describe('candidates', () => {
  test('org secret: encoded, plain, then apigee- prefixed forms', () => {
    expect(orgSecretCandidates('validate')).toEqual([
      'validate-133c8eb-encryption-keys',
      'validate-encryption-keys',
      'apigee-validate-133c8eb-encryption-keys',
      'apigee-validate-encryption-keys',
    ]);
  });

  test('env secret: encoded, plain, then apigee- prefixed forms', () => {
    expect(envSecretCandidates('validate', 'test')).toEqual([
      'validate-test-d2c93c0-encryption-keys',
      'validate-test-encryption-keys',
      'apigee-validate-test-d2c93c0-encryption-keys',
      'apigee-validate-test-encryption-keys',
    ]);
  });

  test('every candidate fits a Kubernetes name for long org and env names', () => {
    const names = envSecretCandidates('my-org-name-that-is-long', 'production-environment');
    expect(names[0]).toBe('my-org-name-tha-production-envi-27149a0-encryption-keys');
    for (const name of [...names, ...orgSecretCandidates('my-org-name-that-is-long')]) {
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(name.length).toBeLessThanOrEqual(253);
    }
  });
});
