// In-cluster Kubernetes credentials: the pod's service account (token, CA, namespace) and the KUBERNETES_SERVICE_HOST/PORT variables.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { KubeConfig, type User } from '@kubernetes/client-node';

type Authenticator = Parameters<KubeConfig['addAuthenticator']>[0];
type RequestOptions = Parameters<Authenticator['applyAuthentication']>[1];

/** Where Kubernetes mounts a pod's service account. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** For tests and unusual pods (documented as advanced): the folder holding token, ca.crt and namespace instead. */
export const SERVICE_ACCOUNT_DIR_VARIABLE = 'AMU_SERVICEACCOUNT_DIR';

/** Seconds a token read from the file is used before it is read again (the kubelet rotates it; client-go also uses 60). */
const TOKEN_REREAD_SECONDS = 60;
const AUTH_PROVIDER = 'amu-service-account-token';

/**
 * Bearer token from the mounted file, whitespace trimmed as client-go does (client-node's own tokenFile provider
 * sends a trailing newline as part of the header, which Node refuses), re-read every minute.
 */
class ServiceAccountToken implements Authenticator {
  private token = '';
  private readAt = 0;

  constructor(private readonly file: string) {}

  isAuthProvider(user: User): boolean {
    return user.authProvider?.name === AUTH_PROVIDER;
  }

  async applyAuthentication(_user: User, opts: RequestOptions): Promise<void> {
    if (!this.token || Date.now() - this.readAt > TOKEN_REREAD_SECONDS * 1000) {
      this.token = (await fs.promises.readFile(this.file, 'utf8')).trim();
      this.readAt = Date.now();
    }
    const headers = (opts.headers ?? {}) as Record<string, string>;
    headers.Authorization = `Bearer ${this.token}`;
    opts.headers = headers;
  }
}

/** The folder of the service account's token, CA and namespace. */
export function serviceAccountDir(env: NodeJS.ProcessEnv): string {
  return env[SERVICE_ACCOUNT_DIR_VARIABLE] || SERVICE_ACCOUNT_DIR;
}

export interface InClusterConfig {
  kc: KubeConfig;
  /** For the user: which credentials are used, and where the API is. */
  description: string;
}

/**
 * The in-cluster configuration when amu runs in a pod: KUBERNETES_SERVICE_HOST and _PORT set and a service account
 * token mounted; undefined otherwise.
 */
export function inClusterConfig(env: NodeJS.ProcessEnv): InClusterConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const dir = serviceAccountDir(env);
  const tokenFile = path.join(dir, 'token');
  if (!host || !port || !fs.existsSync(tokenFile)) return undefined;
  const server = `https://${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
  const caFile = path.join(dir, 'ca.crt');
  const namespaceFile = path.join(dir, 'namespace');
  const namespace = fs.existsSync(namespaceFile) ? fs.readFileSync(namespaceFile, 'utf8').trim() : undefined;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'in-cluster', server, skipTLSVerify: false, ...(fs.existsSync(caFile) ? { caFile } : {}) }],
    users: [{ name: 'in-cluster', authProvider: { name: AUTH_PROVIDER, config: {} } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', ...(namespace ? { namespace } : {}) }],
    currentContext: 'in-cluster',
  });
  kc.addAuthenticator(new ServiceAccountToken(tokenFile));
  const where = namespace ? ` of namespace ${namespace}` : '';
  return { kc, description: `in-cluster service account${where} (token and CA in ${dir}), API server ${server}` };
}
