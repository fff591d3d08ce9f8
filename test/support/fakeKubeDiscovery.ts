// Discovery documents of the fake Kubernetes API (/version, /api, /apis, /api/v1, namespaces), so that the real kubectl can talk to it.

/** What GET /version answers. */
export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '30',
    gitVersion: 'v1.30.0-amu-fake',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-04-17T00:00:00Z',
    goVersion: 'go1.22.2',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** GET /api: the legacy core group, v1 only. */
export function coreApiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** GET /apis: no named groups (the fake serves core/v1 only). */
export function apiGroupList(): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [] };
}

/** GET /api/v1: the resources the fake serves, with the verbs it answers (kubectl maps `secret`, `po` with this). */
export function coreV1Resources(): Record<string, unknown> {
  const resource = (name: string, singularName: string, kind: string, verbs: string[], shortNames?: string[]) => ({
    name,
    singularName,
    namespaced: true,
    kind,
    verbs,
    ...(shortNames ? { shortNames } : {}),
  });
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get'], shortNames: ['ns'] },
      resource('pods', 'pod', 'Pod', ['create', 'delete', 'get', 'list'], ['po']),
      resource('pods/exec', '', 'PodExecOptions', ['create', 'get']),
      resource('pods/portforward', '', 'PodPortForwardOptions', ['create', 'get']),
      resource('secrets', 'secret', 'Secret', ['get', 'list']),
    ],
  };
}

/** GET /api/v1/namespaces/<name>: every namespace exists in the fake (kubectl asks after a NotFound). */
export function namespaceObject(pathname: string): Record<string, unknown> | undefined {
  const m = /^\/api\/v1\/namespaces\/([^/]+)\/?$/.exec(pathname);
  if (!m) return undefined;
  return { kind: 'Namespace', apiVersion: 'v1', metadata: { name: decodeURIComponent(m[1]!) }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

/** The discovery document at `pathname`, or undefined when it is not a discovery path. */
export function discoveryDocument(pathname: string, serverAddress: string): unknown {
  switch (pathname.replace(/\/+$/, '')) {
    case '/version':
      return versionInfo();
    case '/api':
      return coreApiVersions(serverAddress);
    case '/apis':
      return apiGroupList();
    case '/api/v1':
      return coreV1Resources();
    default:
      return namespaceObject(pathname);
  }
}
