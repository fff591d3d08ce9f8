// The cqlsh client pod amu manages in a hybrid cluster: manifest, reuse-or-replace decision, creation, wait until Ready, cqlsh argv.
import { setTimeout as sleep } from 'node:timers/promises';
import { loadYaml } from '@kubernetes/client-node';
import type { ContainerState, KubeAdapter, PodInfo } from '../adapters/kube/index.js';
import { ExternalError, UsageError } from '../errors.js';
import { CASSANDRA_TLS_SECRET, cassandraServiceName, DML_CREDS_KEYS, DML_CREDS_SECRET } from './secretNames.js';
import { readAsset } from '../assets.js';

export const DEFAULT_CLIENT_REGISTRY = 'gcr.io/apigee-release/hybrid';
export const CLIENT_IMAGE_NAME = 'apigee-hybrid-cassandra-client';
export const DEFAULT_CLIENT_POD_NAME = 'amu-cqlsh';
export const CLIENT_CONTAINER = 'cqlsh';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'amu';
export const TTL_ANNOTATION = 'amu/pod-ttl-seconds';

const TEMPLATE = 'templates/cqlsh-pod.yaml';
const IMAGE_PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);

/** Everything the manifest is rendered from. */
export interface ClientPodSpec {
  namespace: string;
  name: string;
  image: string;
  podTtlSeconds: number;
  cassandraHost: string;
  imagePullSecrets: string[];
}

export interface EnsureClientPodOptions {
  namespace: string;
  name?: string;
  /** Hybrid version: the image tag. Needed unless `image` is given. */
  hybridVersion?: string;
  /** Registry replacing gcr.io/apigee-release/hybrid (private mirrors). */
  registry?: string | undefined;
  /** Full image reference; overrides registry and version. */
  image?: string;
  /** The pod's `sleep`: it ends by itself after this long (--pod-ttl). */
  podTtlSeconds: number;
  /** Default apigee-cassandra-default.<namespace>.svc.cluster.local. */
  cassandraHost?: string;
  imagePullSecrets?: string[];
  /** An existing pod with less life left than this is replaced (default 60). */
  minRemainingSeconds?: number;
  readyTimeoutMs?: number | undefined;
  pollIntervalMs?: number | undefined;
  deleteWaitMs?: number;
  onStatus?: (message: string) => void;
}

export interface ClientPod {
  namespace: string;
  name: string;
  container: string;
  image: string;
  /** False when an existing pod was reused. */
  created: boolean;
}

export type ClientPodPlan = { action: 'create' } | { action: 'reuse' } | { action: 'await-ready' } | { action: 'replace'; reason: string };

export interface NotReadyExplanation {
  reason: string;
  hints: string[];
}

/** `<registry>/apigee-hybrid-cassandra-client:<hybrid version>`. */
export function clientImage(hybridVersion: string, registry = DEFAULT_CLIENT_REGISTRY): string {
  return `${registry.replace(/\/+$/, '')}/${CLIENT_IMAGE_NAME}:${hybridVersion}`;
}

/** Replaces every `${var}` by the JSON-quoted value (a valid YAML scalar, so values cannot inject YAML). */
export function renderTemplate(text: string, vars: Record<string, string | number>): string {
  return text.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`template variable \${${name}} has no value`);
    return JSON.stringify(String(vars[name]));
  });
}

/** The pod manifest from templates/cqlsh-pod.yaml. */
export function buildClientPodManifest(spec: ClientPodSpec): Record<string, unknown> {
  const text = renderTemplate(readAsset(TEMPLATE), {
    name: spec.name,
    namespace: spec.namespace,
    image: spec.image,
    podTtlSeconds: spec.podTtlSeconds,
    cassandraHost: spec.cassandraHost,
  });
  const manifest = loadYaml<Record<string, unknown> & { spec: Record<string, unknown> }>(text);
  if (spec.imagePullSecrets.length > 0) manifest.spec.imagePullSecrets = spec.imagePullSecrets.map((name) => ({ name }));
  return manifest;
}

function resolveSpec(opts: EnsureClientPodOptions): ClientPodSpec {
  const podTtlSeconds = opts.podTtlSeconds;
  if (!Number.isInteger(podTtlSeconds) || podTtlSeconds <= 0) throw new UsageError(`pod TTL must be a positive number of seconds, got ${podTtlSeconds}`);
  if (!opts.image && !opts.hybridVersion) {
    throw new UsageError('the Apigee hybrid version is needed to pick the cqlsh client image', [
      `the image is ${clientImage('<hybrid version>', opts.registry)}; give the version or the full image`,
    ]);
  }
  return {
    namespace: opts.namespace,
    name: opts.name ?? DEFAULT_CLIENT_POD_NAME,
    image: opts.image ?? clientImage(opts.hybridVersion!, opts.registry),
    podTtlSeconds,
    cassandraHost: opts.cassandraHost ?? cassandraServiceName(opts.namespace),
    imagePullSecrets: opts.imagePullSecrets ?? [],
  };
}

function podTtlOf(pod: PodInfo, fallback: number): number {
  const ttl = Number(pod.annotations[TTL_ANNOTATION]);
  return Number.isFinite(ttl) && ttl > 0 ? ttl : fallback;
}

/** What to do with the pod found under our name. Throws for a pod amu does not manage. */
export function planClientPod(existing: PodInfo | undefined, spec: ClientPodSpec, nowMs: number, minRemainingSeconds = 60): ClientPodPlan {
  if (!existing) return { action: 'create' };
  if (existing.labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    throw new ExternalError(`pod ${spec.namespace}/${spec.name} exists but is not managed by amu; amu leaves it alone`, [
      `amu's pods carry the label ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
      'choose another client pod name, or delete that pod yourself if it is a leftover',
    ]);
  }
  if (existing.deletionTimestamp) return { action: 'replace', reason: 'it is terminating' };
  if (existing.phase === 'Succeeded' || existing.phase === 'Failed') return { action: 'replace', reason: `it has finished (${existing.phase})` };
  const image = existing.images[0];
  if (image !== spec.image) return { action: 'replace', reason: `it runs image ${image ?? '(none)'}, not ${spec.image}` };
  const ageSeconds = existing.creationTimestamp ? (nowMs - existing.creationTimestamp.getTime()) / 1000 : 0;
  const ttl = podTtlOf(existing, spec.podTtlSeconds);
  if (ageSeconds >= ttl - minRemainingSeconds) return { action: 'replace', reason: `its ${ttl} s lifetime is (nearly) over (age ${Math.round(ageSeconds)} s)` };
  return existing.phase === 'Running' && existing.ready ? { action: 'reuse' } : { action: 'await-ready' };
}

function waitingOf(pod: PodInfo): ContainerState | undefined {
  return pod.containers.find((c) => c.waiting)?.waiting;
}

/** Why the pod is not Ready, from its status (and the secrets found missing, if any). */
export function explainNotReady(pod: PodInfo, missingSecrets: string[] = []): NotReadyExplanation {
  const unscheduled = pod.conditions.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) {
    return {
      reason: `it cannot be scheduled (${unscheduled.reason ?? 'Unschedulable'}): ${unscheduled.message ?? 'no message from the scheduler'}`,
      hints: ['free capacity on the nodes, or check node selectors, taints and quotas of the namespace'],
    };
  }
  const waiting = waitingOf(pod);
  const detail = waiting?.message ? `: ${waiting.message}` : '';
  if (waiting?.reason && IMAGE_PULL_REASONS.has(waiting.reason)) {
    return {
      reason: `its image ${pod.images[0] ?? '(none)'} cannot be pulled (${waiting.reason})${detail}`,
      hints: ['check the hybrid version and the image registry; a private registry may need an image pull secret'],
    };
  }
  if (waiting?.reason === 'CreateContainerConfigError') {
    return {
      reason: `its container cannot be configured (CreateContainerConfigError)${detail}`,
      hints: [`the pod needs secret ${DML_CREDS_SECRET} (keys ${DML_CREDS_KEYS.join(', ')}) and secret ${CASSANDRA_TLS_SECRET} in namespace ${pod.namespace}`],
    };
  }
  if (waiting?.reason === 'CrashLoopBackOff') {
    const last = pod.containers.find((c) => c.lastTerminated)?.lastTerminated;
    return { reason: `its container keeps crashing (CrashLoopBackOff, last exit code ${last?.exitCode ?? '?'})${detail}`, hints: [] };
  }
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') {
    const t = pod.containers.find((c) => c.terminated)?.terminated;
    const exit = t ? `, container exit code ${t.exitCode ?? '?'}${t.reason ? ` (${t.reason})` : ''}` : '';
    return { reason: `it has stopped (phase ${pod.phase}${exit})`, hints: [] };
  }
  if (missingSecrets.length > 0) {
    return { reason: `it is waiting for ${missingSecrets.join(' and ')}, which do not exist`, hints: ['Apigee hybrid creates these secrets; is this the right namespace?'] };
  }
  if (waiting?.reason) return { reason: `its container is waiting (${waiting.reason})${detail}`, hints: [] };
  if (pod.phase === 'Running') return { reason: 'its container runs but is not Ready', hints: [] };
  return { reason: `it is still ${pod.phase}`, hints: [] };
}

/** Secrets (or keys) the pod mounts or reads that are missing; [] when they cannot be checked. */
async function findMissingSecrets(kube: KubeAdapter, namespace: string): Promise<string[]> {
  try {
    const missing: string[] = [];
    const creds = await kube.readSecret(namespace, DML_CREDS_SECRET);
    if (!creds) missing.push(`secret ${DML_CREDS_SECRET}`);
    else for (const k of DML_CREDS_KEYS) if (!creds[k]) missing.push(`key ${k} of secret ${DML_CREDS_SECRET}`);
    if (!(await kube.readSecret(namespace, CASSANDRA_TLS_SECRET))) missing.push(`secret ${CASSANDRA_TLS_SECRET}`);
    return missing;
  } catch {
    return [];
  }
}

function statusLine(pod: PodInfo): string {
  const waiting = waitingOf(pod);
  if (waiting?.reason) return `${pod.phase} (${waiting.reason})`;
  return pod.phase === 'Running' && !pod.ready ? 'Running, not Ready' : pod.phase;
}

function needsSecretCheck(pod: PodInfo): boolean {
  const reason = waitingOf(pod)?.reason;
  return pod.phase === 'Pending' && (reason === undefined || reason === 'ContainerCreating');
}

interface WaitOptions {
  readyTimeoutMs: number;
  pollIntervalMs: number;
  onStatus: (message: string) => void;
}

/** Polls the pod until Ready; fails at once when it stops, and at the timeout with the reason. */
async function waitUntilReady(kube: KubeAdapter, spec: ClientPodSpec, opts: WaitOptions): Promise<void> {
  const where = `${spec.namespace}/${spec.name}`;
  const deadline = Date.now() + opts.readyTimeoutMs;
  let last = '';
  for (;;) {
    const pod = await kube.readPod(spec.namespace, spec.name);
    if (!pod) throw new ExternalError(`cqlsh client pod ${where} disappeared while amu waited for it to become Ready`);
    if (pod.ready) return;
    const line = statusLine(pod);
    if (line !== last) opts.onStatus(`pod ${where}: ${line}`);
    last = line;
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') {
      const why = explainNotReady(pod);
      throw new ExternalError(`cqlsh client pod ${where} did not start: ${why.reason}`, why.hints);
    }
    if (Date.now() >= deadline) {
      const why = explainNotReady(pod, needsSecretCheck(pod) ? await findMissingSecrets(kube, spec.namespace) : []);
      throw new ExternalError(`cqlsh client pod ${where} is not Ready after ${formatMs(opts.readyTimeoutMs)}: ${why.reason}`, why.hints);
    }
    await sleep(Math.min(opts.pollIntervalMs, Math.max(0, deadline - Date.now())));
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

/** Makes sure amu's cqlsh client pod runs and is Ready: reuse, replace or create it. */
export async function ensureClientPod(kube: KubeAdapter, opts: EnsureClientPodOptions): Promise<ClientPod> {
  const spec = resolveSpec(opts);
  const where = `${spec.namespace}/${spec.name}`;
  const onStatus = opts.onStatus ?? (() => undefined);
  const wait: WaitOptions = { readyTimeoutMs: opts.readyTimeoutMs ?? 180_000, pollIntervalMs: opts.pollIntervalMs ?? 1000, onStatus };
  const result = (created: boolean): ClientPod => ({ namespace: spec.namespace, name: spec.name, container: CLIENT_CONTAINER, image: spec.image, created });

  const plan = planClientPod(await kube.readPod(spec.namespace, spec.name), spec, Date.now(), opts.minRemainingSeconds);
  if (plan.action === 'reuse') {
    onStatus(`reusing cqlsh client pod ${where}`);
    return result(false);
  }
  if (plan.action === 'await-ready') {
    onStatus(`cqlsh client pod ${where} is starting; waiting until it is Ready`);
    await waitUntilReady(kube, spec, wait);
    return result(false);
  }
  if (plan.action === 'replace') {
    onStatus(`deleting cqlsh client pod ${where}: ${plan.reason}`);
    await kube.deletePod(spec.namespace, spec.name, { waitMs: opts.deleteWaitMs });
  }
  onStatus(`creating cqlsh client pod ${where} (image ${spec.image})`);
  await kube.createPod(spec.namespace, buildClientPodManifest(spec));
  await waitUntilReady(kube, spec, wait);
  onStatus(`cqlsh client pod ${where} is Ready`);
  return result(true);
}

export interface CqlshTarget {
  /** Cassandra host; default the pod's $CASSANDRA_HOST. */
  host?: string;
  port?: number;
  /** More cqlsh options (never credentials). */
  extraArgs?: string[];
  /**
   * Size of the CQL sent on stdin. When given, the pod reads exactly that many bytes (`head -c`),
   * so cqlsh ends without an end-of-input signal, which v4.channel.k8s.io servers cannot send.
   */
  stdinBytes?: number;
}

/**
 * Writes the pod's DML credentials into a cqlshrc in a private temporary folder (umask 077: the file is 0600, made by
 * bash builtins, so the password is in no process's argv) and removes the folder when the script ends. The image's
 * own ~/.cassandra/cqlshrc (its [ssl] settings, say) is copied first, without its [authentication] section.
 * cqlsh reads `[authentication] password` raw (no `%` interpolation); a password with a line break cannot be written.
 */
export const CQLSHRC_SETUP = [
  'umask 077',
  'case "$APIGEE_DML_PASSWORD$APIGEE_DML_USER" in *$\'\\n\'*|*$\'\\r\'*) echo "amu: the DML credentials hold a line break; cqlsh cannot read them from a cqlshrc" >&2; exit 2;; esac',
  'amu_rc_dir=$(mktemp -d) || exit 2',
  'trap \'rm -rf "$amu_rc_dir"\' EXIT',
  ': > "$amu_rc_dir/cqlshrc" || exit 2',
  'if [ -r "$HOME/.cassandra/cqlshrc" ]; then amu_skip=0; while IFS= read -r amu_line || [ -n "$amu_line" ]; do case "$amu_line" in \\[authentication\\]*) amu_skip=1;; \\[*) amu_skip=0;; esac; [ "$amu_skip" = 1 ] || printf \'%s\\n\' "$amu_line"; done < "$HOME/.cassandra/cqlshrc" >> "$amu_rc_dir/cqlshrc"; fi',
  'printf \'[authentication]\\nusername = %s\\npassword = %s\\n\' "$APIGEE_DML_USER" "$APIGEE_DML_PASSWORD" >> "$amu_rc_dir/cqlshrc" || exit 2',
].join('; ');

/**
 * The exec argv running cqlsh in the client pod. Credentials stay in the pod: the argv holds only variable names, and
 * cqlsh gets them from a 0600 cqlshrc (--cqlshrc), never from `-u/-p` (which `ps` shows in the pod and on the node).
 */
export function cqlshCommand(target: CqlshTarget = {}): string[] {
  const { stdinBytes } = target;
  if (stdinBytes !== undefined && (!Number.isInteger(stdinBytes) || stdinBytes < 0)) throw new Error(`stdinBytes must be a byte count, got ${stdinBytes}`);
  const feed = stdinBytes === undefined ? '' : `head -c ${stdinBytes} | `;
  const script = `${CQLSHRC_SETUP}; ${feed}cqlsh "\${1:-$CASSANDRA_HOST}" \${2:+"$2"} --ssl --cqlshrc "$amu_rc_dir/cqlshrc" "\${@:3}"`;
  return ['bash', '-c', script, 'cqlsh', target.host ?? '', target.port === undefined ? '' : String(target.port), ...(target.extraArgs ?? [])];
}
