// A hybrid org name that cannot be part of a keyspace name (`My.Org`) is refused on every path, before any connection.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../../src/errors.js';
import { hybridKvmSpecs } from '../../src/emigrate/cql.js';
import { hybridKeyspace } from '../../src/cluster/keyspaces.js';
import { runAmu } from '../support/runAmu.js';

let work: string;
beforeEach(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'amu-orgname-'));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('hybrid org names', () => {
  test('the one keyspace builder checks the name; the CQL reader uses it', () => {
    expect(hybridKeyspace('kvm', 'my-org')).toBe('kvm_my_org_hybrid');
    expect(hybridKvmSpecs('my-org').entries.keyspace).toBe('kvm_my_org_hybrid');
    expect(() => hybridKvmSpecs('My.Org')).toThrow(UsageError);
    expect(() => hybridKvmSpecs("x'; DROP")).toThrow(/not a valid Apigee organization name/);
  });

  // No cluster is reachable (the kubeconfig names nothing): each command must stop at the name, with exit 2.
  const kubeconfig = () => path.join(work, 'no-such-kubeconfig');
  test.each([
    ['kvms emigrate, cqlsh pod', ['kvms', 'emigrate', '--src', 'hybrid', '--hybrid-version', '1.10.3', '--emigrate-dir', 'e']],
    ['kvms emigrate, CQL', ['kvms', 'emigrate', '--src', 'hybrid', '--reader', 'cql', '--emigrate-dir', 'e']],
    ['organizations list', ['organizations', 'list', '--src', 'hybrid', '--hybrid-version', '1.10.3']],
    ['cassandra backup', ['cassandra', 'backup', '--src', 'hybrid', '--hybrid-version', '1.10.3', '--backup-dir', 'b']],
  ])('%s refuses --org My.Org with exit 2', async (_label, args) => {
    const r = await runAmu([...args, '--org', 'My.Org', '--kubeconfig', kubeconfig()], {}, work);
    expect(r.stderr).toMatch(/organization name "My\.Org" is not a valid Apigee organization name/);
    expect(r.code).toBe(2);
    expect(await readdir(work)).toEqual([]);
  });
});
