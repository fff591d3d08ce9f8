// `--env-map old=new,...`: environment names of the source mapped to those of the target.
import { UsageError } from '../errors.js';
import type { Scope } from '../kvm/model.js';

export type EnvMap = ReadonlyMap<string, string>;

export function parseEnvMap(text: string | undefined): EnvMap {
  const map = new Map<string, string>();
  if (!text) return map;
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([^=]+)=([^=]+)$/.exec(pair);
    if (!m) throw new UsageError(`--env-map (ENV_MAP): "${pair}" is not old=new`, ['Example: --env-map test=dev,prod=prod-eu']);
    const [from, to] = [m[1]!.trim(), m[2]!.trim()];
    if (map.has(from)) throw new UsageError(`--env-map (ENV_MAP) maps the environment "${from}" twice`);
    map.set(from, to);
  }
  return map;
}

export function mapScope(scope: Scope, map: EnvMap): Scope {
  return scope.kind === 'env' && map.has(scope.env) ? { kind: 'env', env: map.get(scope.env)! } : scope;
}

/** Refuses a map that would merge two source environments into one target environment (their KVMs would collide). */
export function checkEnvMap(map: EnvMap, sourceEnvs: Iterable<string>): void {
  const byTarget = new Map<string, string[]>();
  for (const env of new Set(sourceEnvs)) {
    const to = map.get(env) ?? env;
    byTarget.set(to, [...(byTarget.get(to) ?? []), env]);
  }
  const merged = [...byTarget].filter(([, from]) => from.length > 1);
  if (merged.length > 0) {
    throw new UsageError('--env-map (ENV_MAP) would put several source environments into one', merged.map(([to, from]) => `  ${from.join(', ')} -> ${to}`));
  }
}
