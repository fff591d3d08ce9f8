// Kubernetes configuration: the kubeconfig (a file, KUBECONFIG, ~/.kube/config, in-cluster) and the context to use.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { InputError, UsageError } from '../../errors.js';
import { inClusterConfig, serviceAccountDir } from './inCluster.js';

/**
 * Loads the kubeconfig and selects the context; refuses one that names no cluster. `description` says, for the
 * user, which configuration it is (kubeconfig file and context, or the in-cluster service account) and the server.
 */
export function loadKubeConfig(file: string | undefined, context: string | undefined, env: NodeJS.ProcessEnv = process.env): { kc: KubeConfig; description: string } {
  const { kc, source, path: configPath } = readKubeConfig(file, env);
  if (context) selectContext(kc, context, file);
  if (!kc.getCurrentCluster()) {
    throw new UsageError('no Kubernetes cluster configured: the kubeconfig has no current context', [
      'pass --kubeconfig FILE and/or --context NAME',
    ]);
  }
  return { kc, description: source ?? `kubeconfig ${configPath}, context ${kc.getCurrentContext()}, API server ${kc.getCurrentCluster()?.server}` };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The kubeconfig as kubectl finds it: --kubeconfig, KUBECONFIG, ~/.kube/config, else the in-cluster service account.
 * `source` describes the in-cluster configuration; `path` names the kubeconfig file(s) otherwise.
 */
function readKubeConfig(file: string | undefined, env: NodeJS.ProcessEnv): { kc: KubeConfig; source?: string; path?: string } {
  const kc = new KubeConfig();
  if (file !== undefined && !fs.existsSync(file)) throw new UsageError(`kubeconfig ${file} not found`);
  const homeConfig = path.join(env.HOME || os.homedir(), '.kube', 'config');
  if (file === undefined && !env.KUBECONFIG && !fs.existsSync(homeConfig)) {
    const inCluster = inClusterConfig(env);
    if (inCluster) return { kc: inCluster.kc, source: inCluster.description };
    throw noConfiguration(env);
  }
  try {
    if (file !== undefined) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (err) {
    throw new InputError(`cannot read kubeconfig ${file ?? '(default)'}: ${errorText(err)}`);
  }
  if (file === undefined && isBuiltInFallback(kc)) throw noConfiguration(env);
  return { kc, path: file ?? env.KUBECONFIG ?? homeConfig };
}

function noConfiguration(env: NodeJS.ProcessEnv): UsageError {
  const inPod = env.KUBERNETES_SERVICE_HOST ? `KUBERNETES_SERVICE_HOST is set but ${serviceAccountDir(env)}/token is missing` : 'not running in a cluster';
  return new UsageError(`no Kubernetes configuration found: no KUBECONFIG, no ~/.kube/config, ${inPod}`, [
    'pass --kubeconfig FILE, set KUBECONFIG, or fetch cluster credentials (e.g. gcloud container clusters get-credentials)',
  ]);
}

/** loadFromDefault() falls back to an unauthenticated http://localhost:8080 when it finds nothing at all. */
function isBuiltInFallback(kc: KubeConfig): boolean {
  return kc.getCurrentContext() === 'loaded-context' && kc.getCurrentCluster()?.server === 'http://localhost:8080';
}

function selectContext(kc: KubeConfig, context: string, file: string | undefined): void {
  if (kc.getContextObject(context)) {
    kc.setCurrentContext(context);
    return;
  }
  const names = kc.getContexts().map((c) => c.name);
  throw new UsageError(`unknown Kubernetes context "${context}"`, [
    names.length ? `contexts in ${file ?? 'the kubeconfig'}: ${names.join(', ')}` : `${file ?? 'the kubeconfig'} defines no contexts`,
  ]);
}
