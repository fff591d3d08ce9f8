// Kubernetes access for amu's hybrid path (secrets, pods, exec, port-forward): the adapter interface, and loading it.
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { ExternalError } from '../../errors.js';
import { loadKubeConfig } from './config.js';
import { ClientNodeKube } from './rest.js';

// ---------------------------------------------------------------------------------------------
// Public API

export interface KubeOptions {
  /** Path of a kubeconfig file; default: KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeconfig?: string | undefined;
  /** Context to use instead of the kubeconfig's current context. */
  context?: string | undefined;
  /** Timeout of each REST request and WebSocket handshake (default 30 s). */
  requestTimeoutMs?: number | undefined;
  /** Poll interval while waiting for a pod to be gone (default 500 ms). */
  pollIntervalMs?: number | undefined;
  /** The environment the in-cluster variables and HOME are read from (default process.env). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Told which configuration was loaded (kubeconfig file or in-cluster service account) and the API server. */
  onConfig?: ((text: string) => void) | undefined;
}

export interface ContainerState {
  reason?: string | undefined;
  message?: string | undefined;
  exitCode?: number | undefined;
}

export interface ContainerInfo {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  waiting?: ContainerState | undefined;
  terminated?: ContainerState | undefined;
  lastTerminated?: ContainerState | undefined;
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string | undefined;
  message?: string | undefined;
}

export interface PodInfo {
  name: string;
  namespace: string;
  /** Pending, Running, Succeeded, Failed or Unknown. */
  phase: string;
  /** The Ready condition is True. */
  ready: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  creationTimestamp?: Date | undefined;
  /** Set while the pod is terminating. */
  deletionTimestamp?: Date | undefined;
  /** Images of the spec's containers, in order. */
  images: string[];
  /** Container statuses (empty before the pod is scheduled). */
  containers: ContainerInfo[];
  conditions: PodCondition[];
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface ExecStreams {
  stdin?: Readable | Buffer | string;
  stdout: Writable;
  stderr: Writable;
  tty?: boolean;
  /** Terminal size changes: an EventEmitter emitting 'resize' with a TerminalSize, or an async iterable of them. */
  resize?: EventEmitter | AsyncIterable<TerminalSize> | undefined;
  /** Aborting closes the connection (the command in the pod is left to end) and fails with InterruptedError. */
  signal?: AbortSignal;
}

export interface PortForwardOptions {
  /** Told about failures of single forwarded connections (the listener keeps running). */
  onError?: (err: ExternalError) => void;
}

export interface PortForwardHandle {
  localPort: number;
  close(): Promise<void>;
}

export interface KubeAdapter {
  /** The secret's data, decoded; undefined when the secret does not exist. */
  readSecret(ns: string, name: string): Promise<Record<string, Buffer> | undefined>;
  listSecretNames(ns: string): Promise<string[]>;
  /** undefined when the pod does not exist. */
  readPod(ns: string, name: string): Promise<PodInfo | undefined>;
  createPod(ns: string, manifest: object): Promise<void>;
  /** Deletes the pod and waits until it is gone (default wait 60 s); a missing pod is fine. */
  deletePod(ns: string, name: string, opts?: { waitMs?: number | undefined }): Promise<void>;
  /**
   * Runs `command` in the pod. stdout/stderr are streamed (never buffered whole) and are not ended.
   * stdin end is sent as a v5 close-stream frame; a server that only speaks v4.channel.k8s.io has no
   * way to signal end of input, so commands reading stdin there must stop on their own (see cqlshCommand).
   */
  exec(ns: string, pod: string, container: string | undefined, command: string[], io: ExecStreams): Promise<{ exitCode: number }>;
  /** Forwards a local TCP listener on 127.0.0.1 (random port) to the pod's port. */
  portForward(ns: string, pod: string, port: number, opts?: PortForwardOptions): Promise<PortForwardHandle>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_POLL_INTERVAL_MS = 500;

/** Loads the kubeconfig (explicit file, KUBECONFIG, ~/.kube/config, in-cluster) and selects the context. */
export function loadKube(opts: KubeOptions = {}): KubeAdapter {
  const { kc, description } = loadKubeConfig(opts.kubeconfig, opts.context, opts.env ?? process.env);
  opts.onConfig?.(description);
  return new ClientNodeKube(kc, opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
}
