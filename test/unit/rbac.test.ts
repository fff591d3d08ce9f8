// `amu kek rbac`'s YAML: the template's ServiceAccount, Role and RoleBinding, in the namespace given, the Role naming every key secret name amu tries.
import { loadAllYaml } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderRbac } from '../../src/cluster/rbac.js';
import { envSecretCandidates, orgSecretCandidates } from '../../src/cluster/secretNames.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TEMPLATE = readFileSync(fileURLToPath(new URL('../../templates/amu-rbac.yaml', import.meta.url)), 'utf8');

/** The rule of a Role that grants the key secrets (the one whose names end in -encryption-keys). */
const keyRule = (role: Json) => (role.rules as Json[]).find((r) => (r.resourceNames as string[] | undefined)?.some((n) => n.endsWith('-encryption-keys')))!;

describe('renderRbac', () => {
  test('the template filled for an org with a long name and two environments, in another namespace', () => {
    const org = 'a-very-long-organization-name';
    const docs = loadAllYaml(renderRbac({ org, envs: ['prod', 'test'], namespace: 'hybrid-ns' })) as Json[];
    const template = loadAllYaml(TEMPLATE.replaceAll('__ORG__', org).replace(/namespace: apigee$/gm, 'namespace: hybrid-ns')) as Json[];
    expect(docs.map((d) => d.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding']);
    const role = docs[1]!;
    // The key secrets: the org's and each environment's under every name amu tries (apigeectl's encoded ones first).
    const names = keyRule(role).resourceNames as string[];
    expect(names).toEqual([...orgSecretCandidates(org), ...envSecretCandidates(org, 'prod'), ...envSecretCandidates(org, 'test')]);
    expect(names).toContain(`${org}-prod-encryption-keys`);
    expect(names.some((n) => /^a-very-long-org-prod-[0-9a-f]{7}-encryption-keys$/.test(n))).toBe(true);
    // Everything else is the template's, namespaces included.
    keyRule(template[1]!).resourceNames = names;
    expect(docs).toEqual(template);
    expect(docs.map((d) => d.metadata.namespace)).toEqual(['hybrid-ns', 'hybrid-ns', 'hybrid-ns']);
    expect(docs[2]!.subjects[0].namespace).toBe('hybrid-ns');
  });

  test('without environments the Role names the org secret only; names that are not Kubernetes names are refused', () => {
    const role = (loadAllYaml(renderRbac({ org: 'acme', envs: [], namespace: 'apigee' })) as Json[])[1]!;
    expect(keyRule(role).resourceNames).toEqual(orgSecretCandidates('acme'));
    expect(() => renderRbac({ org: 'ac me', envs: [], namespace: 'apigee' })).toThrow(/not a valid Apigee organization name/);
    expect(() => renderRbac({ org: 'acme', envs: ['Prod"'], namespace: 'apigee' })).toThrow(/environment name "Prod"" is not/);
    expect(() => renderRbac({ org: 'acme', envs: [], namespace: 'a:b' })).toThrow(/namespace "a:b" is not a Kubernetes namespace name/);
  });
});
