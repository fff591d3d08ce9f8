// The Apigee API client amu needs: environments, proxies, key value maps and their entries, with retries that respect the quota.
import { ExternalError } from '../errors.js';
import type { TokenSource } from './auth.js';
import { apiUrl, entriesPath, entryPath, kvmPath, kvmsPath, scopePath, type TargetScope } from './paths.js';
import { sleep, Throttle } from './throttle.js';
import { NetworkError, type Transport } from './transport.js';

/** An answer of the API that is not a success and not worth retrying (404, 409, 400...). */
export class ApiError extends ExternalError {
  constructor(
    readonly status: number,
    /** Google's status word: NOT_FOUND, ALREADY_EXISTS, ... */
    readonly googleStatus: string,
    message: string,
    /** The request had been sent before (a retry): a 409 may be the echo of an earlier attempt that landed. */
    readonly retried: boolean,
  ) {
    super(message);
  }
}

export interface ApigeeClientOptions {
  apiUrl: string;
  transport: Transport;
  tokens: TokenSource;
  throttle: Throttle;
  debug?: (text: string) => void;
  signal?: AbortSignal;
}

export interface Entry {
  name: string;
  value: string;
}

/** Attempts of one call on 5xx and lost connections before giving up; quota rejections wait for the quota instead. */
const MAX_ATTEMPTS = 8;
const MAX_QUOTA_WAITS = 200;
const RETRYABLE = new Set([500, 502, 503, 504]);
export const ENTRY_PAGE_SIZE = 100;

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function backoffMs(attempt: number): number {
  const base = Math.min(200 * 2 ** attempt, 10_000);
  return base / 2 + Math.random() * (base / 2);
}

function googleError(text: string): { status: string; message: string } | undefined {
  try {
    const body = JSON.parse(text) as { error?: { status?: string; message?: string } };
    if (body.error && typeof body.error === 'object') return { status: body.error.status ?? '', message: body.error.message ?? '' };
  } catch {
    /* not JSON */
  }
  return undefined;
}

export class ApigeeClient {
  readonly calls = { sent: 0, retried: 0 };

  constructor(private readonly options: ApigeeClientOptions) {}

  get throttle(): Throttle {
    return this.options.throttle;
  }

  /** Sends one call, retrying 429 (after the quota pause), 5xx and lost connections; returns the parsed body. */
  async request(method: string, path: string, body?: unknown, query?: Record<string, string>): Promise<unknown> {
    const url = apiUrl(this.options.apiUrl, path);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    const text = body === undefined ? undefined : JSON.stringify(body);
    let attempts = 0;
    let quotaWaits = 0;
    let retry = false;
    for (;;) {
      if (this.options.signal?.aborted) throw this.options.signal.reason as Error;
      const release = await this.options.throttle.acquire(retry, this.options.signal);
      let status: number;
      let answer: { headers: Record<string, string | string[] | undefined>; text: string };
      try {
        const token = await this.options.tokens.token();
        this.calls.sent += 1;
        if (retry) this.calls.retried += 1;
        const headers = { authorization: `Bearer ${token}`, accept: 'application/json', 'x-goog-api-client': 'amu' };
        const res = await this.options.transport.send({ method, url, headers, ...(text !== undefined ? { body: text } : {}) }, this.options.signal);
        status = res.status;
        answer = res;
      } catch (err) {
        release();
        if (!(err instanceof NetworkError)) throw err;
        if (err.proxyStatus !== undefined && [401, 403, 407].includes(err.proxyStatus)) throw this.proxyRefused(err);
        attempts += 1;
        this.options.debug?.(`API ${method} ${url.pathname}: ${err.message}`);
        if (attempts >= MAX_ATTEMPTS) throw this.unreachable(url, err);
        this.options.throttle.onUnavailable();
        await sleep(backoffMs(attempts), this.options.signal);
        retry = true;
        continue;
      }
      release();
      this.options.debug?.(`API ${method} ${url.pathname}${url.search} -> ${status}`);
      if (status >= 200 && status < 300) {
        this.options.throttle.onSuccess();
        return answer.text ? (JSON.parse(answer.text) as unknown) : undefined;
      }
      if (status === 429 && ++quotaWaits < MAX_QUOTA_WAITS) {
        this.options.throttle.onQuota(retryAfterMs(answer.headers['retry-after']));
        retry = true;
        continue;
      }
      if (RETRYABLE.has(status) && ++attempts < MAX_ATTEMPTS) {
        this.options.throttle.onUnavailable();
        await sleep(retryAfterMs(answer.headers['retry-after']) ?? backoffMs(attempts), this.options.signal);
        retry = true;
        continue;
      }
      throw this.failure(method, url, status, answer.text, retry);
    }
  }

  private proxyRefused(err: NetworkError): ExternalError {
    if (err.proxyStatus === 403) return new ExternalError(`the proxy ${err.proxy} does not allow a connection to the Apigee API (403)`, ['Ask for the API host and port to be allowed (tinyproxy: ConnectPort).']);
    return new ExternalError(`the proxy ${err.proxy} refused amu's credentials (${err.proxyStatus})`, ['Check the user and password in --proxy or HTTPS_PROXY / HTTP_PROXY.']);
  }

  private unreachable(url: URL, err: NetworkError): ExternalError {
    const via = err.proxy ? ` through the proxy ${err.proxy}` : '';
    return new ExternalError(`cannot reach the Apigee API at ${url.origin}${via}: ${err.message}`, [
      err.proxy ? 'Check --proxy / HTTPS_PROXY / NO_PROXY.' : 'Check --api-url, the network, or set --proxy / HTTPS_PROXY.',
    ]);
  }

  private failure(method: string, url: URL, status: number, text: string, retried: boolean): ExternalError {
    const g = googleError(text);
    const what = `${method} ${decodeURIComponent(url.pathname)}`;
    if (status === 407) {
      return new ExternalError(`the proxy ${this.options.transport.proxyShown(url) ?? ''} refused amu's credentials (407 Proxy Authentication Required)`, [
        'Check the user and password in --proxy or HTTPS_PROXY.',
      ]);
    }
    if (status === 401 || status === 403) {
      return new ExternalError(`the Apigee API refused ${this.options.tokens.description}: ${status} ${g?.status ?? ''} on ${what}`, [
        g?.message ? `It says: ${g.message}` : 'The token may have expired, or lack the Apigee permissions this needs.',
      ]);
    }
    return new ApiError(status, g?.status ?? String(status), `${what}: ${status} ${g?.status ?? ''}${g?.message ? `: ${g.message}` : ''}`, retried);
  }

  async listEnvironments(org: string): Promise<string[]> {
    return (await this.request('GET', `${scopePath(org, { kind: 'org' })}/environments`)) as string[];
  }

  async listProxies(org: string): Promise<string[]> {
    const body = (await this.request('GET', `${scopePath(org, { kind: 'org' })}/apis`)) as { proxies?: { name: string }[] };
    return (body.proxies ?? []).map((p) => p.name);
  }

  async listKvms(org: string, scope: TargetScope): Promise<string[]> {
    return ((await this.request('GET', kvmsPath(org, scope))) as string[] | undefined) ?? [];
  }

  /** Creates an encrypted KVM; false when it already existed. */
  async createKvm(org: string, scope: TargetScope, name: string): Promise<boolean> {
    try {
      await this.request('POST', kvmsPath(org, scope), { name, encrypted: true });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) return false;
      throw err;
    }
  }

  async kvmExists(org: string, scope: TargetScope, name: string): Promise<boolean> {
    try {
      await this.request('GET', kvmPath(org, scope, name));
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return false;
      throw err;
    }
  }

  /** Every entry of a KVM, page by page. */
  async *listEntries(org: string, scope: TargetScope, kvm: string): AsyncGenerator<Entry[]> {
    let pageToken: string | undefined;
    do {
      const query: Record<string, string> = { pageSize: String(ENTRY_PAGE_SIZE), ...(pageToken ? { pageToken } : {}) };
      const page = (await this.request('GET', entriesPath(org, scope, kvm), undefined, query)) as { keyValueEntries?: Entry[]; nextPageToken?: string };
      yield (page.keyValueEntries ?? []).map((e) => ({ name: e.name, value: e.value }));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
  }

  /** POST; an ApiError 409 when the name exists. */
  async createEntry(org: string, scope: TargetScope, kvm: string, entry: Entry): Promise<void> {
    await this.request('POST', entriesPath(org, scope, kvm), { name: entry.name, value: entry.value });
  }

  async getEntry(org: string, scope: TargetScope, kvm: string, name: string): Promise<string | undefined> {
    try {
      return ((await this.request('GET', entryPath(org, scope, kvm, name))) as Entry).value;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async updateEntry(org: string, scope: TargetScope, kvm: string, entry: Entry): Promise<void> {
    await this.request('PUT', entryPath(org, scope, kvm, entry.name), { name: entry.name, value: entry.value });
  }

  /** DELETE; a 404 (already gone, e.g. a retried delete that had landed) counts as done. */
  async deleteEntry(org: string, scope: TargetScope, kvm: string, name: string): Promise<void> {
    try {
      await this.request('DELETE', entryPath(org, scope, kvm, name));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    }
  }
}
