// The Kubernetes REST API as amu uses it (secrets, pods) over @kubernetes/client-node, errors explained; exec and port-forward open channels.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoreV1Api,
  KubeConfig,
  Observable,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  type V1Pod,
} from '@kubernetes/client-node';
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { ExternalError, ForbiddenError, InterruptedError } from '../../errors.js';
import type { ContainerState, ExecStreams, KubeAdapter, PodInfo, PortForwardHandle, PortForwardOptions } from './index.js';
import { ExecSession, execPath, exitCodeOf, forwardResizes, inertStreams, PortTunnel, pumpStdin, socketFactory, UpgradeRejected } from './channels.js';

const DEFAULT_DELETE_WAIT_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Errors

interface HttpFailure {
  code: number;
  body: unknown;
}


function asHttpFailure(err: unknown): HttpFailure | undefined {
  if (err instanceof UpgradeRejected) return err;
  const e = err as { code?: unknown; body?: unknown } | null;
  return e && typeof e.code === 'number' && 'body' in e ? { code: e.code, body: e.body } : undefined;
}

/** The `message` and `reason` of a Kubernetes Status body (string or object). */
function statusOf(body: unknown): { message?: string | undefined; reason?: string | undefined } {
  let obj = body;
  if (typeof body === 'string') {
    try {
      obj = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {};
    }
  }
  const s = obj as { message?: unknown; reason?: unknown } | undefined;
  return {
    message: typeof s?.message === 'string' ? s.message : undefined,
    reason: typeof s?.reason === 'string' ? s.reason : undefined,
  };
}

const HTTP_HINTS: Record<number, string> = {
  401: 'the credentials in the kubeconfig were rejected (expired token? refresh them, e.g. with your cloud CLI get-credentials)',
  403: 'the Kubernetes user lacks RBAC permission for this (see the message above)',
};

function httpError(f: HttpFailure, action: string): ExternalError {
  const status = statusOf(f.body);
  const reason = status.reason ?? (f.code === 401 ? 'Unauthorized' : '');
  const text = [`HTTP ${f.code}`, reason, status.message && status.message !== reason ? status.message : ''].filter(Boolean).join(' ');
  const hint = HTTP_HINTS[f.code];
  const ErrorClass = f.code === 403 ? ForbiddenError : ExternalError;
  return new ErrorClass(`Kubernetes API: cannot ${action}: ${text}`, hint ? [hint] : []);
}

/** Network-level failures: ECONNREFUSED, DNS, TLS, timeouts. Messages carry URLs, never headers. */
function transportError(err: unknown, action: string, server: string, timeoutMs: number, proxyUrl?: string): ExternalError {
  const inner = (err as { error?: unknown })?.error ?? err; // ws ErrorEvent wraps the Error
  const e = inner as { name?: string; code?: string; type?: string; message?: string };
  const refused = proxyUrl ? /Bad response: (\d+)/.exec(e?.message ?? '') : null; // hpagent's words for a refused CONNECT
  if (proxyUrl && refused) {
    const shown = proxyUrl.replace(/\/\/[^/@]*@/, '//***@');
    const why = ['401', '407'].includes(refused[1]!) ? 'refused the credentials in it' : `answered ${refused[1]} instead of opening the tunnel`;
    return new ExternalError(`cannot ${action}: the proxy ${shown} (the kubeconfig cluster's proxy-url) ${why} (HTTP ${refused[1]})`, [
      'Check the user and password of proxy-url in the kubeconfig.',
    ]);
  }
  if (e?.name === 'AbortError' || e?.type === 'aborted' || /timed out|timeout/i.test(e?.message ?? '')) {
    return new ExternalError(`Kubernetes API at ${server}: cannot ${action}: no answer within ${timeoutMs} ms`);
  }
  const code = e?.code ?? (e as { errno?: string })?.errno;
  const detail = code ? `${code} (${e?.message ?? ''})` : (e?.message ?? String(inner));
  return new ExternalError(`cannot reach the Kubernetes API at ${server} to ${action}: ${detail}`, [], { cause: inner });
}
// ---------------------------------------------------------------------------------------------
// Pod status mapping

function containerState(s: { reason?: string; message?: string; exitCode?: number } | undefined): ContainerState | undefined {
  if (!s) return undefined;
  const out: ContainerState = {};
  if (s.reason !== undefined) out.reason = s.reason;
  if (s.message !== undefined) out.message = s.message;
  if (s.exitCode !== undefined) out.exitCode = s.exitCode;
  return out;
}

function toPodInfo(ns: string, pod: V1Pod): PodInfo {
  const conditions = (pod.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }));
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? ns,
    phase: pod.status?.phase ?? 'Unknown',
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    labels: { ...(pod.metadata?.labels ?? {}) },
    annotations: { ...(pod.metadata?.annotations ?? {}) },
    creationTimestamp: pod.metadata?.creationTimestamp,
    deletionTimestamp: pod.metadata?.deletionTimestamp,
    images: (pod.spec?.containers ?? []).map((c) => c.image ?? ''),
    containers: (pod.status?.containerStatuses ?? []).map((c) => ({
      name: c.name,
      image: c.image,
      ready: c.ready,
      restartCount: c.restartCount,
      waiting: containerState(c.state?.waiting),
      terminated: containerState(c.state?.terminated),
      lastTerminated: containerState(c.lastState?.terminated),
    })),
    conditions,
  };
}
// ---------------------------------------------------------------------------------------------
// The adapter

export class ClientNodeKube implements KubeAdapter {
  private readonly api: CoreV1Api;
  private readonly server: string;
  /** The cluster's proxy-url: client-node sends REST, exec and port-forward through it. */
  private readonly proxyUrl: string | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs: number,
    private readonly pollMs: number,
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
    this.server = kc.getCurrentCluster()?.server ?? '(unknown server)';
    this.proxyUrl = kc.getCurrentCluster()?.proxyUrl;
  }

  /** Per-request options: an abort signal so no request waits forever. */
  private options(): ConfigurationOptions<ObservableMiddleware> {
    const timeoutMs = this.timeoutMs;
    const middleware: ObservableMiddleware = {
      pre: (ctx: RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(timeoutMs));
        return new Observable(Promise.resolve(ctx));
      },
      post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
  }

  private fail(err: unknown, action: string): ExternalError {
    const http = asHttpFailure(err);
    return http ? httpError(http, action) : transportError(err, action, this.server, this.timeoutMs, this.proxyUrl);
  }

  /** Runs an API call; 404 becomes undefined when `missingOk`. */
  private async call<T>(action: string, run: () => Promise<T>, missingOk: true): Promise<T | undefined>;
  private async call<T>(action: string, run: () => Promise<T>, missingOk?: false): Promise<T>;
  private async call<T>(action: string, run: () => Promise<T>, missingOk = false): Promise<T | undefined> {
    try {
      return await run();
    } catch (err) {
      if (missingOk && asHttpFailure(err)?.code === 404) return undefined;
      throw this.fail(err, action);
    }
  }

  async readSecret(ns: string, name: string): Promise<Record<string, Buffer> | undefined> {
    const secret = await this.call(`read secret ${ns}/${name}`, () => this.api.readNamespacedSecret({ name, namespace: ns }, this.options()), true);
    if (!secret) return undefined;
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  }

  async listSecretNames(ns: string): Promise<string[]> {
    const list = await this.call(`list secrets in namespace ${ns}`, () => this.api.listNamespacedSecret({ namespace: ns }, this.options()));
    return list.items.map((s) => s.metadata?.name ?? '').filter(Boolean);
  }

  async readPod(ns: string, name: string): Promise<PodInfo | undefined> {
    const pod = await this.call(`read pod ${ns}/${name}`, () => this.api.readNamespacedPod({ name, namespace: ns }, this.options()), true);
    return pod ? toPodInfo(ns, pod) : undefined;
  }

  async createPod(ns: string, manifest: object): Promise<void> {
    const name = (manifest as V1Pod).metadata?.name ?? '(unnamed)';
    await this.call(`create pod ${ns}/${name}`, () => this.api.createNamespacedPod({ namespace: ns, body: manifest as V1Pod }, this.options()));
  }

  async deletePod(ns: string, name: string, opts: { waitMs?: number | undefined } = {}): Promise<void> {
    const deleted = await this.call(`delete pod ${ns}/${name}`, () => this.api.deleteNamespacedPod({ name, namespace: ns }, this.options()), true);
    if (!deleted) return;
    const waitMs = opts.waitMs ?? DEFAULT_DELETE_WAIT_MS;
    const deadline = Date.now() + waitMs;
    while (await this.readPod(ns, name)) {
      if (Date.now() >= deadline) throw new ExternalError(`pod ${ns}/${name} is still terminating ${Math.round(waitMs / 1000)} s after it was deleted`);
      await sleep(this.pollMs);
    }
  }

  /** Opens a channel WebSocket (exec or port-forward) through client-node's WebSocketHandler. */
  private async openChannel(path: string, action: string, onFrame: (channel: number, data: Buffer) => boolean): Promise<WebSocket> {
    const handler = new WebSocketHandler(this.kc, socketFactory(this.timeoutMs), inertStreams());
    try {
      return (await handler.connect(path, null, onFrame)) as WebSocket;
    } catch (err) {
      const inner = (err as { error?: unknown })?.error ?? err;
      throw this.fail(inner, action);
    }
  }

  async exec(ns: string, pod: string, container: string | undefined, command: string[], io: ExecStreams): Promise<{ exitCode: number }> {
    const target = `${ns}/${pod}${container ? ` (container ${container})` : ''}`;
    const session = new ExecSession(io);
    const ws = await this.openChannel(execPath(ns, pod, container, command, io), `exec in pod ${target}`, session.onFrame);
    session.pressure.attach(ws);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) resolve({ code: 1006, reason: '' });
      else ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    const stopResize = forwardResizes(ws, io.resize);
    let interrupted: InterruptedError | undefined;
    const onAbort = () => {
      interrupted = new InterruptedError(`exec in pod ${target} interrupted`);
      ws.terminate();
    };
    if (io.signal?.aborted) onAbort();
    else io.signal?.addEventListener('abort', onAbort, { once: true });
    if (io.stdin !== undefined) {
      pumpStdin(ws, io.stdin).catch((err: unknown) => {
        session.abortError = err instanceof Error ? err : new Error(String(err));
        ws.terminate();
      });
    }
    const { code, reason } = await closed;
    stopResize();
    io.signal?.removeEventListener('abort', onAbort);
    if (interrupted) throw interrupted;
    if (session.abortError) throw new ExternalError(`exec in pod ${target}: reading stdin failed: ${session.abortError.message}`);
    if (!session.status) {
      throw new ExternalError(`exec in pod ${target}: the connection closed before the command's exit status arrived (WebSocket close ${code}${reason ? ` ${reason}` : ''})`);
    }
    return { exitCode: exitCodeOf(session.status, target) };
  }

  async portForward(ns: string, pod: string, port: number, opts: PortForwardOptions = {}): Promise<PortForwardHandle> {
    const info = await this.readPod(ns, pod);
    if (!info) throw new ExternalError(`cannot port-forward to pod ${ns}/${pod}: it does not exist`);
    if (info.phase !== 'Running') throw new ExternalError(`cannot port-forward to pod ${ns}/${pod}: it is ${info.phase}, not Running`);
    const path = `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`;
    const describe = `pod ${ns}/${pod} port ${port}`;
    const tunnels = new Set<PortTunnel>();
    const connecting = new Set<Promise<void>>();
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      const tunnel = new PortTunnel(socket, describe, opts.onError);
      tunnels.add(tunnel);
      socket.once('close', () => tunnels.delete(tunnel));
      const opening = this.openChannel(path, `port-forward to ${describe}`, tunnel.onFrame).then(
        (ws) => tunnel.start(ws),
        (err: ExternalError) => {
          socket.destroy();
          opts.onError?.(err);
        },
      );
      connecting.add(opening);
      void opening.finally(() => connecting.delete(opening));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return {
      localPort: (server.address() as net.AddressInfo).port,
      close: async () => {
        const closing = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const t of tunnels) t.abort();
        await Promise.allSettled([...connecting]);
        await closing;
      },
    };
  }
}
