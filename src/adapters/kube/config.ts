// Kubernetes configuration: the kubeconfig (a file, KUBECONFIG, ~/.kube/config, in-cluster) and the context to use.
import fs from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { InputError, UsageError } from '../../errors.js';

/** Loads the kubeconfig and selects the context; refuses one that names no cluster. */
export function loadKubeConfig(file: string | undefined, context: string | undefined): KubeConfig {
  const kc = readKubeConfig(file);
  if (context) selectContext(kc, context, file);
  if (!kc.getCurrentCluster()) {
    throw new UsageError('no Kubernetes cluster configured: the kubeconfig has no current context', [
      'pass --kubeconfig FILE and/or --context NAME',
    ]);
  }
  return kc;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function readKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file !== undefined && !fs.existsSync(file)) throw new UsageError(`kubeconfig ${file} not found`);
  try {
    if (file !== undefined) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (err) {
    throw new InputError(`cannot read kubeconfig ${file ?? '(default)'}: ${errorText(err)}`);
  }
  if (file === undefined && isBuiltInFallback(kc)) {
    throw new UsageError('no Kubernetes configuration found: no KUBECONFIG, no ~/.kube/config, not running in a cluster', [
      'pass --kubeconfig FILE, set KUBECONFIG, or fetch cluster credentials (e.g. gcloud container clusters get-credentials)',
    ]);
  }
  return kc;
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
