// Decorators of the adapters: --debug logging of every command run, query sent and pod change (never a secret), and Ctrl-C for exec.
import type { KubeAdapter } from '../adapters/kube/index.js';
import type { CqlSession } from '../adapters/cql.js';

type Log = (text: string) => void;

/** Quotes an argv word for display when it holds blanks or quotes. */
function shown(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The same adapter, logging pod changes, exec argv (which holds no secret: credentials stay in the pod) and port-forwards. */
export function loggingKube(kube: KubeAdapter, log: Log): KubeAdapter {
  return {
    readSecret: (ns, name) => {
      log(`kubernetes: read secret ${ns}/${name}`);
      return kube.readSecret(ns, name);
    },
    listSecretNames: (ns) => kube.listSecretNames(ns),
    readPod: (ns, name) => kube.readPod(ns, name),
    createPod: (ns, manifest) => {
      log(`kubernetes: create pod ${ns}/${(manifest as { metadata?: { name?: string } }).metadata?.name ?? '?'}`);
      return kube.createPod(ns, manifest);
    },
    deletePod: (ns, name, opts) => {
      log(`kubernetes: delete pod ${ns}/${name}`);
      return kube.deletePod(ns, name, opts);
    },
    exec: (ns, pod, container, command, io) => {
      log(`kubernetes: exec in ${ns}/${pod}${container ? ` (${container})` : ''}: ${command.map(shown).join(' ')}`);
      return kube.exec(ns, pod, container, command, io);
    },
    portForward: (ns, pod, port, opts) => {
      log(`kubernetes: port-forward to ${ns}/${pod}:${port}`);
      return kube.portForward(ns, pod, port, opts);
    },
  };
}

/** The same adapter, with every exec tied to `signal` (Ctrl-C), so no call site has to pass it on. */
export function interruptibleKube(kube: KubeAdapter, signal: AbortSignal): KubeAdapter {
  return { ...bind(kube), exec: (ns, pod, container, command, io) => kube.exec(ns, pod, container, command, { signal, ...io }) };
}

function bind(kube: KubeAdapter): KubeAdapter {
  return {
    readSecret: (ns, name) => kube.readSecret(ns, name),
    listSecretNames: (ns) => kube.listSecretNames(ns),
    readPod: (ns, name) => kube.readPod(ns, name),
    createPod: (ns, manifest) => kube.createPod(ns, manifest),
    deletePod: (ns, name, opts) => kube.deletePod(ns, name, opts),
    exec: (ns, pod, container, command, io) => kube.exec(ns, pod, container, command, io),
    portForward: (ns, pod, port, opts) => kube.portForward(ns, pod, port, opts),
  };
}

/** The same session, logging each query with its bound values (organization names, never credentials). */
export function loggingCqlSession(session: CqlSession, log: Log): CqlSession {
  return {
    get localDataCenter() {
      return session.localDataCenter;
    },
    scan: (query, params, opts) => {
      log(`cql (data center ${session.localDataCenter}, page size ${opts.pageSize}): ${query} [${params.map(String).join(', ')}]`);
      return session.scan(query, params, opts);
    },
    close: () => session.close(),
  };
}
