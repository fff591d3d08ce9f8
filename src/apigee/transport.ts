// HTTP(S) requests to the Apigee API, with keep-alive, a timeout, and a tunnel through the proxy when one applies.
import http from 'node:http';
import https from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { maskProxyUrl, proxyFor } from './proxy.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** A request that got no HTTP answer (refused, reset, timed out); `proxy` tells whether a proxy was in the way. */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly proxy: string | undefined,
    /** The proxy's own answer when it refused to open the tunnel (401/407: its credentials; 403: not allowed; 5xx). */
    readonly proxyStatus?: number,
  ) {
    super(message);
  }
}

export interface TransportOptions {
  env: NodeJS.ProcessEnv;
  /** `--proxy`: wins over the variables, applies to every host. */
  proxy?: string;
  timeoutMs?: number;
  /** Sockets kept per host (at least the request concurrency). */
  maxSockets?: number;
}

export class Transport {
  private readonly agents = new Map<string, http.Agent>();
  private readonly timeoutMs: number;

  constructor(private readonly options: TransportOptions) {
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** The proxy a URL goes through, masked, for messages. */
  proxyShown(url: URL): string | undefined {
    const proxy = proxyFor(url, this.options.env, this.options.proxy);
    return proxy ? maskProxyUrl(proxy) : undefined;
  }

  private agentFor(url: URL): http.Agent {
    const proxy = proxyFor(url, this.options.env, this.options.proxy);
    const key = `${url.protocol}|${proxy?.href ?? ''}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const common = { keepAlive: true, maxSockets: this.options.maxSockets ?? 64 };
      if (proxy) agent = new HttpsProxyAgent(proxy, common);
      else agent = url.protocol === 'https:' ? new https.Agent(common) : new http.Agent(common);
      this.agents.set(key, agent);
    }
    return agent;
  }

  send(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse> {
    const lib = req.url.protocol === 'https:' ? https : http;
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const headers = { ...req.headers, ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}) };
    return new Promise<HttpResponse>((resolve, reject) => {
      let refusal: { statusCode: number; statusText?: string } | undefined;
      const request = lib.request(req.url, { method: req.method, headers, agent: this.agentFor(req.url), signal, timeout: this.timeoutMs }, (res) => {
        if (refusal) {
          res.resume();
          const text = `the proxy refused the tunnel to ${req.url.host}: ${refusal.statusCode} ${refusal.statusText ?? ''}`.trim();
          reject(new NetworkError(text, 'EPROXY', this.proxyShown(req.url), refusal.statusCode));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(this.networkError(err, req.url)));
      });
      // https-proxy-agent replays a refused CONNECT's answer as if the server had sent it: tell the two apart.
      request.on('proxyConnect', (connect: { statusCode: number; statusText?: string }) => {
        if (connect.statusCode !== 200) refusal = connect;
      });
      request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${this.timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      request.on('error', (err) => reject(this.networkError(err, req.url)));
      request.end(body);
    });
  }

  private networkError(err: Error, url: URL): Error {
    if (err.name === 'AbortError') return err;
    const code = (err as NodeJS.ErrnoException).code;
    return new NetworkError(err.message, code, this.proxyShown(url));
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
