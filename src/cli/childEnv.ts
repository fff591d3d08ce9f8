// The environment every child process amu starts gets: amu's own, minus every variable that can hold one of amu's secrets.
import { OPTION } from './optionCatalog.js';
import { variableOf, type OptionSpec } from './options.js';

/** Secret variables amu reads that are not (or not only) options of the catalog. */
const OTHER_SECRET_VARIABLES = ['KEK', 'DEK', 'STOREPASS', 'KEYPASS', 'CASS_PASSWORD', 'APIGEE_TOKEN', 'APIGEECLI_AUTH', 'TOKEN'] as const;

/** Every secret variable: the variables of the catalog's `secret: true` options, and the others above. */
export const SECRET_VARIABLES: readonly string[] = Object.freeze([
  ...new Set([
    ...Object.entries(OPTION as Record<string, OptionSpec>)
      .filter(([, spec]) => spec.secret === true)
      .map(([flag, spec]) => variableOf(flag, spec)),
    ...OTHER_SECRET_VARIABLES,
  ]),
]);

const SECRET_SET = new Set(SECRET_VARIABLES);

/** A copy of `env` without amu's secret variables: the only environment a child of amu may get. */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (!SECRET_SET.has(name.toUpperCase())) clean[name] = value;
  }
  return clean;
}

/**
 * Removes amu's secret variables from this process's own environment, once amu has read its options from a copy:
 * children that libraries start on their own (a kubeconfig's exec credential plugin) then inherit none of them.
 */
export function scrubProcessEnv(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of Object.keys(env)) if (SECRET_SET.has(name.toUpperCase())) delete env[name];
}
