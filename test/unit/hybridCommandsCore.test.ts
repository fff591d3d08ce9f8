// Pure parts of the hybrid commands: reading env names from secret names, choosing tables to back up, reading cqlsh's messages.
import { envsFromSecretNames, parseEnvList, readSecretName } from '../../src/keys/hybridKeySecrets.js';
import { isOrgKeyspace, parseCopyCount, selectTables } from '../../src/cluster/backup.js';
import { cqlshErrorLines, cqlshOtherLines } from '../../src/cluster/cqlshExec.js';
import { cqlIdentifier, hybridKeyspace } from '../../src/cluster/keyspaces.js';
import { envEncodedName, orgEncodedName } from '../../src/cluster/secretNames.js';
import { UsageError } from '../../src/errors.js';

describe('environments from secret names', () => {
  const org = 'my-org';

  test('plain and encoded names give the env; org secrets and other orgs do not', () => {
    expect(readSecretName('my-org-prod-encryption-keys', org)).toEqual({ kind: 'env', env: 'prod' });
    expect(readSecretName(`${envEncodedName(org, 'test')}-encryption-keys`, org)).toEqual({ kind: 'env', env: 'test' });
    expect(readSecretName(`apigee-${envEncodedName(org, 'qa')}-encryption-keys`, org)).toEqual({ kind: 'env', env: 'qa' });
    expect(readSecretName(`${orgEncodedName(org)}-encryption-keys`, org)).toEqual({ kind: 'org' });
    expect(readSecretName('my-org-encryption-keys', org)).toEqual({ kind: 'org' });
    expect(readSecretName('other-prod-encryption-keys', org)).toEqual({ kind: 'other' });
    expect(readSecretName('my-org-prod-tls', org)).toEqual({ kind: 'other' });
  });

  test('an encoded name with a shortened env cannot be read back', () => {
    const name = `${envEncodedName(org, 'an-environment-name-too-long')}-encryption-keys`;
    expect(readSecretName(name, org)).toEqual({ kind: 'unresolved' });
  });

  test('an org that starts with apigee- keeps its plain names', () => {
    expect(readSecretName('apigee-hybrid-org-prod-encryption-keys', 'apigee-hybrid-org')).toEqual({ kind: 'env', env: 'prod' });
  });

  test('distinct sorted envs and the unresolved names', () => {
    const long = `${envEncodedName(org, 'an-environment-name-too-long')}-encryption-keys`;
    const names = ['my-org-prod-encryption-keys', `${envEncodedName(org, 'prod')}-encryption-keys`, 'my-org-dev-encryption-keys', long, 'x'];
    expect(envsFromSecretNames(names, org)).toEqual({ envs: ['dev', 'prod'], unresolved: [long] });
  });

  test('--envs lists', () => {
    expect(parseEnvList(' prod, dev,,prod ')).toEqual(['prod', 'dev']);
    expect(() => parseEnvList(' , ')).toThrow(UsageError);
  });
});

describe('backup selection', () => {
  test("an org's keyspaces have a one-word kind before _<org>_hybrid", () => {
    expect(isOrgKeyspace('kvm_my_org_hybrid', 'my-org')).toBe(true);
    expect(isOrgKeyspace('kvm_my_org_hybrid', 'org')).toBe(false);
    expect(isOrgKeyspace('kvm_org_hybrid', 'org')).toBe(true);
    expect(isOrgKeyspace('my_org_hybrid', 'my-org')).toBe(false);
  });

  test('system keyspaces are never selected; others are sorted and reported', () => {
    const all = [
      { keyspace: 'rtc_a_hybrid', table: 't2' },
      { keyspace: 'system_auth', table: 'roles' },
      { keyspace: 'kvm_a_hybrid', table: 't1' },
      { keyspace: 'kvm_b_hybrid', table: 't1' },
    ];
    expect(selectTables(all, 'a')).toEqual({
      tables: [{ keyspace: 'kvm_a_hybrid', table: 't1' }, { keyspace: 'rtc_a_hybrid', table: 't2' }],
      otherKeyspaces: ['kvm_b_hybrid'],
    });
    expect(selectTables(all).tables).toHaveLength(3);
  });

  test("COPY's count line", () => {
    expect(parseCopyCount('Processed: 5 rows; Rate: 1 rows/s\n\n5 rows exported to 1 files in 0.1 seconds.\n')).toEqual({ rows: 5, files: 1 });
    expect(parseCopyCount('Starting copy of a.b with columns [x].\n')).toBeUndefined();
  });
});

describe('cqlsh messages and names', () => {
  test('errors and warnings on stderr', () => {
    const stderr = 'Warning: Using a password on the command line interface can be insecure.\n<stdin>:2:InvalidRequest: no such table\nExported 3 ranges out of 4 total ranges, some records might be missing\n';
    expect(cqlshErrorLines(stderr)).toEqual(['<stdin>:2:InvalidRequest: no such table', 'Exported 3 ranges out of 4 total ranges, some records might be missing']);
    expect(cqlshOtherLines(stderr)).toEqual(['Warning: Using a password on the command line interface can be insecure.']);
  });

  test('keyspaces and identifiers', () => {
    expect(hybridKeyspace('kvm', 'my-org')).toBe('kvm_my_org_hybrid');
    expect(() => hybridKeyspace('kvm', "x'; DROP")).toThrow(UsageError);
    expect(cqlIdentifier('kvm_map_entry')).toBe('kvm_map_entry');
    expect(cqlIdentifier('MyTable')).toBe('"MyTable"');
  });
});
