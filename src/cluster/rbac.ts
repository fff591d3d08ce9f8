// The Kubernetes RBAC amu needs in a hybrid cluster (templates/amu-rbac.yaml) for one org: in its namespace, with every name its key secrets may have.
import { readAsset } from '../assets.js';
import { UsageError } from '../errors.js';
import { checkHybridOrgName } from './keyspaces.js';
import { envSecretCandidates, orgSecretCandidates } from './secretNames.js';

export const RBAC_TEMPLATE = 'templates/amu-rbac.yaml';

/** The template's rule for the key secrets (kpt's org secret name only), replaced by every candidate name. */
const KEY_SECRET_NAMES = '["__ORG__-encryption-keys"]';
/** Kubernetes names of namespaces and Apigee environments: lowercase letters, digits and `-`. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface RbacOptions {
  org: string;
  /** Environments whose key secrets amu may read (`kek export --env`, `--keys-file --envs`). */
  envs: string[];
  namespace: string;
}

/**
 * The ServiceAccount, Role and RoleBinding of templates/amu-rbac.yaml for `options.org`: in `options.namespace`,
 * the Role's key-secret rule naming the org's secret and each environment's under every name amu tries
 * (kpt's `<org>-…`, apigeectl's encoded `<org[:15]>-…-<sha7>-…`, each with and without `apigee-`).
 */
export function renderRbac(options: RbacOptions): string {
  checkHybridOrgName(options.org);
  if (!DNS_LABEL.test(options.namespace)) throw new UsageError(`namespace "${options.namespace}" is not a Kubernetes namespace name (lowercase letters, digits and -)`);
  for (const env of options.envs) {
    if (!DNS_LABEL.test(env)) throw new UsageError(`environment name "${env}" is not an Apigee environment name (lowercase letters, digits and -)`);
  }
  const template = readAsset(RBAC_TEMPLATE);
  if (!template.includes(KEY_SECRET_NAMES)) throw new Error(`internal: ${RBAC_TEMPLATE} has no key secret rule ${KEY_SECRET_NAMES}`);
  const names = [...new Set([...orgSecretCandidates(options.org), ...options.envs.flatMap((env) => envSecretCandidates(options.org, env))])];
  // The template's own header tells how to fill it by hand: this output is filled.
  const body = template.slice(template.indexOf('apiVersion:'));
  const filled = body
    .replace(KEY_SECRET_NAMES, `[${names.map((n) => JSON.stringify(n)).join(', ')}]`)
    .replaceAll('__ORG__', options.org)
    .replace(/^(\s*namespace: )apigee$/gm, `$1${options.namespace}`);
  const envs = options.envs.length > 0 ? ` --envs ${options.envs.join(',')}` : '';
  return [
    `# amu in an Apigee hybrid cluster, made by: amu kek rbac --org ${options.org}${envs} --namespace ${options.namespace}`,
    '# Apply with: kubectl apply -f - (it grants only the calls amu makes; no list, no other secret).',
    filled,
  ].join('\n');
}
