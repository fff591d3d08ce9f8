// Kubernetes options of the hybrid commands, and opening the cluster and amu's cqlsh client pod from them.
import path from 'node:path';
import type { KubeAdapter } from '../../adapters/kube/index.js';
import type { RunContext } from '../../cli/context.js';
import { UsageError } from '../../errors.js';
import { pick } from '../../cli/optionCatalog.js';
import type { Progress } from '../../cli/progress.js';
import type { ClientPod } from '../../cluster/clientPod.js';

/** `--kubeconfig` (KUBECONFIG, the standard variable), `--context`, `--namespace`. */
export const KUBE_OPTIONS = pick('kubeconfig', 'context', 'namespace');
/** What the cqlsh client pod is made from. */
export const POD_OPTIONS = pick('hybrid-version', 'registry', 'pod-ttl');

export interface KubeValues {
  [key: string]: unknown;
  kubeconfig?: string;
  context?: string;
  namespace: string;
}

export interface PodValues extends KubeValues {
  'hybrid-version'?: string;
  registry?: string;
  'pod-ttl': number;
}

/**
 * Hidden tuning variables (not in --help): milliseconds for slow clusters, and for tests that must not wait.
 * AMU_KUBE_REQUEST_TIMEOUT_MS: each API request (default 30000); AMU_KUBE_POLL_MS: pod status polls
 * (default 1000); AMU_POD_READY_TIMEOUT_MS: wait for the pod to be Ready (default 180000).
 */
export const TUNING_VARIABLES = {
  requestTimeoutMs: 'AMU_KUBE_REQUEST_TIMEOUT_MS',
  pollIntervalMs: 'AMU_KUBE_POLL_MS',
  readyTimeoutMs: 'AMU_POD_READY_TIMEOUT_MS',
} as const;

type Tuning = Partial<Record<keyof typeof TUNING_VARIABLES, number>>;

/** The tuning values set in the environment. */
function tuningFrom(env: NodeJS.ProcessEnv): Tuning {
  const tuning: Tuning = {};
  for (const [field, variable] of Object.entries(TUNING_VARIABLES) as [keyof Tuning, string][]) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const ms = Number(raw);
    if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`${variable} must be a positive number of milliseconds, not "${raw}"`);
    tuning[field] = ms;
  }
  return tuning;
}

/**
 * The kubeconfig file to load. KUBECONFIG may list several files (kubectl merges them): the list of
 * this process's own KUBECONFIG is left to client-node's default loading, which merges it too.
 */
function kubeconfigFile(value: string | undefined): string | undefined {
  if (value === undefined || !value.includes(path.delimiter)) return value;
  if (value === process.env.KUBECONFIG) return undefined;
  throw new UsageError(`--kubeconfig names one file, not a list: "${value}"`);
}

/** Loads the kubeconfig and context the options name. */
export async function openKube(values: KubeValues, ctx: RunContext): Promise<KubeAdapter> {
  const { loadKube } = await import('../../adapters/kube/index.js');
  const tuning = tuningFrom(ctx.io.env);
  const file = kubeconfigFile(values.kubeconfig);
  const kube = loadKube({
    kubeconfig: file,
    context: values.context,
    requestTimeoutMs: tuning.requestTimeoutMs,
    pollIntervalMs: tuning.pollIntervalMs,
    env: ctx.io.env,
    onConfig: (text) => ctx.out.info(`Kubernetes: ${text}`),
  });
  const { interruptibleKube, loggingKube } = await import('../../cli/commandLog.js');
  const interruptible = interruptibleKube(kube, ctx.signal);
  return ctx.out.debugEnabled ? loggingKube(interruptible, (text) => ctx.out.debug(text)) : interruptible;
}

/** Makes sure amu's cqlsh client pod runs (reused, replaced or created), telling the user what happens. */
export async function openClientPod(kube: KubeAdapter, values: PodValues, ctx: RunContext): Promise<ClientPod> {
  const { ensureClientPod } = await import('../../cluster/clientPod.js');
  const tuning = tuningFrom(ctx.io.env);
  return ensureClientPod(kube, {
    namespace: values.namespace,
    hybridVersion: values['hybrid-version']!,
    registry: values.registry,
    podTtlSeconds: values['pod-ttl'],
    pollIntervalMs: tuning.pollIntervalMs,
    readyTimeoutMs: tuning.readyTimeoutMs,
    onStatus: (message) => ctx.out.info(message),
  });
}

/** The cluster and a Ready client pod. */
export async function openClusterPod(values: PodValues, ctx: RunContext): Promise<{ kube: KubeAdapter; pod: ClientPod }> {
  const kube = await openKube(values, ctx);
  const pod = await openClientPod(kube, values, ctx);
  return { kube, pod };
}

/** One byte-count progress line per table (on a terminal only), the previous one stopped when the next table starts. */
export async function tableProgress(ctx: RunContext): Promise<{ update: (table: string, bytes: number) => void; stop: () => void }> {
  const { startProgress } = await import('../../cli/progress.js');
  let current: { table: string; bar: Progress } | undefined;
  return {
    update: (table, bytes) => {
      if (current?.table !== table) {
        current?.bar.stop();
        current = { table, bar: startProgress(ctx.io, ctx.out, table, undefined, ' bytes') };
      }
      current.bar.update(bytes);
    },
    stop: () => {
      current?.bar.stop();
      current = undefined;
    },
  };
}
