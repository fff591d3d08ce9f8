// A fake Apigee API (v1 key value maps, environments, apis; OAuth token endpoint) on loopback, for tests and the bench only.
import { createHash, createPublicKey, createVerify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One KVM as the fake keeps it. */
export interface FakeKvm {
  encrypted: boolean;
  entries: Map<string, string>;
}

export interface FakeOrg {
  environments: Set<string>;
  apis: Set<string>;
  /** Key: `org`, `env:<env>`, `api:<proxy>`; then KVM name. */
  kvms: Map<string, Map<string, FakeKvm>>;
}

export interface QuotaOptions {
  /** Calls allowed per window (Apigee: per minute per project). */
  calls: number;
  windowMs: number;
  /** Send Retry-After with each 429 (seconds until the window ends, rounded up). */
  retryAfter?: boolean;
}

export interface FakeApigeeOptions {
  /** Bearer tokens accepted; the token endpoint adds those it issues. Empty: any token is refused. */
  tokens?: string[];
  quota?: QuotaOptions;
  /** Public keys (PEM) of service accounts whose JWT assertions the token endpoint accepts, by client_email. */
  serviceAccounts?: Record<string, string>;
  /** Largest page of entries (the API's: 100). */
  maxPageSize?: number;
  /** Delay of every API answer in ms (to make timing visible). */
  latencyMs?: number;
}

export interface FakeStats {
  requests: number;
  byMethod: Record<string, number>;
  /** Writes the fake applied (POST/PUT/DELETE that succeeded). */
  writes: number;
  quotaRejections: number;
  /** A request rejected for quota whose identical previous attempt had been rejected for quota too. */
  repeatedQuotaRejections: number;
  injectedFailures: number;
  /** Requests applied whose answer was cut off. */
  lostAnswers: number;
  tokenRequests: number;
  unauthenticated: number;
}

interface ApiError {
  code: number;
  status: string;
  message: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  503: 'UNAVAILABLE',
};

function apiError(code: number, message: string): ApiError {
  return { code, status: STATUS_TEXT[code] ?? 'UNKNOWN', message };
}

class HttpFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

const fail = (code: number, message: string): never => {
  throw new HttpFailure(apiError(code, message));
};

export class FakeApigeeApi {
  readonly orgs = new Map<string, FakeOrg>();
  readonly tokens: Set<string>;
  readonly stats: FakeStats = {
    requests: 0,
    byMethod: {},
    writes: 0,
    quotaRejections: 0,
    repeatedQuotaRejections: 0,
    injectedFailures: 0,
    lostAnswers: 0,
    tokenRequests: 0,
    unauthenticated: 0,
  };
  /** Called before each API request (after auth): return an error code (e.g. 503) to fail it, optionally with Retry-After seconds. */
  inject: ((method: string, path: string) => { code: number; retryAfter?: number } | undefined) | undefined;
  /** Called after a request was applied: return true to lose the answer (the connection is cut), as when a call times out after it landed. */
  loseAnswer: ((method: string, path: string) => boolean) | undefined;
  quota: QuotaOptions | undefined;
  private server?: http.Server;
  private windowStart = Date.now();
  private windowCalls = 0;
  private readonly lastQuotaRejected = new Set<string>();
  private readonly maxPageSize: number;
  private readonly latencyMs: number;
  private readonly serviceAccounts: Record<string, string>;
  private issued = 0;

  constructor(options: FakeApigeeOptions = {}) {
    this.tokens = new Set(options.tokens ?? []);
    this.quota = options.quota;
    this.maxPageSize = options.maxPageSize ?? 100;
    this.latencyMs = options.latencyMs ?? 0;
    this.serviceAccounts = options.serviceAccounts ?? {};
  }

  /** Adds an organization with its environments and proxies. */
  addOrg(name: string, environments: string[] = [], apis: string[] = []): FakeOrg {
    const org: FakeOrg = { environments: new Set(environments), apis: new Set(apis), kvms: new Map() };
    this.orgs.set(name, org);
    return org;
  }

  /** The KVMs of a scope (`org`, `env:<env>`, `api:<proxy>`), created empty on first use. */
  scopeKvms(org: string, scope: string): Map<string, FakeKvm> {
    const o = this.orgs.get(org);
    if (!o) throw new Error(`no org ${org}`);
    let kvms = o.kvms.get(scope);
    if (!kvms) o.kvms.set(scope, (kvms = new Map()));
    return kvms;
  }

  /** Entries of a KVM as a plain object, or undefined when the KVM does not exist. */
  entriesOf(org: string, scope: string, kvm: string): Record<string, string> | undefined {
    const found = this.orgs.get(org)?.kvms.get(scope)?.get(kvm);
    return found ? Object.fromEntries(found.entries) : undefined;
  }

  /** Total entries in an org. */
  entryCount(org: string): number {
    let n = 0;
    for (const kvms of this.orgs.get(org)?.kvms.values() ?? []) for (const k of kvms.values()) n += k.entries.size;
    return n;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    try {
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'POST' && url.pathname === '/token') return this.token(body, res);
      this.count(req.method ?? 'GET');
      this.authenticate(req);
      this.checkQuota(req.method ?? 'GET', req.url ?? '', body, res);
      const injected = this.inject?.(req.method ?? 'GET', url.pathname);
      if (injected) {
        this.stats.injectedFailures += 1;
        if (injected.retryAfter !== undefined) res.setHeader('Retry-After', String(injected.retryAfter));
        fail(injected.code, 'The service is currently unavailable.');
      }
      const result = this.route(req.method ?? 'GET', url, body);
      if (this.loseAnswer?.(req.method ?? 'GET', url.pathname)) {
        this.stats.lostAnswers += 1;
        req.socket.destroy();
        return;
      }
      send(res, 200, result);
    } catch (err) {
      if (err instanceof HttpFailure) send(res, err.error.code, { error: err.error });
      else send(res, 500, { error: { code: 500, status: 'INTERNAL', message: String(err) } });
    }
  }

  private count(method: string): void {
    this.stats.requests += 1;
    this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
  }

  private authenticate(req: http.IncomingMessage): void {
    const auth = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(auth)?.[1];
    if (!token || !this.tokens.has(token)) {
      this.stats.unauthenticated += 1;
      fail(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    }
  }

  /** A fixed window: `calls` per `windowMs`; rejected calls do not count against it. */
  private checkQuota(method: string, rawUrl: string, body: string, res: http.ServerResponse): void {
    if (!this.quota) return;
    const now = Date.now();
    if (now - this.windowStart >= this.quota.windowMs) {
      this.windowStart = now - ((now - this.windowStart) % this.quota.windowMs);
      this.windowCalls = 0;
    }
    const identity = createHash('sha1').update(`${method} ${rawUrl}\n${body}`).digest('hex');
    if (this.windowCalls >= this.quota.calls) {
      this.stats.quotaRejections += 1;
      if (this.lastQuotaRejected.has(identity)) this.stats.repeatedQuotaRejections += 1;
      this.lastQuotaRejected.add(identity);
      if (this.quota.retryAfter !== false) {
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil((this.windowStart + this.quota.windowMs - now) / 1000))));
      }
      fail(429, "Quota exceeded for quota metric 'Default requests' and limit 'Default requests per minute' of service 'apigee.googleapis.com'.");
    }
    this.lastQuotaRejected.delete(identity);
    this.windowCalls += 1;
  }

  /** OAuth 2 JWT bearer grant: checks the assertion's signature with the registered key of its issuer. */
  private token(body: string, res: http.ServerResponse): void {
    this.stats.tokenRequests += 1;
    const form = new URLSearchParams(body);
    const assertion = form.get('assertion') ?? '';
    const [head, payload, signature] = assertion.split('.');
    let claims: { iss?: string; scope?: string } = {};
    try {
      claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as typeof claims;
    } catch {
      /* refused below */
    }
    const pem = claims.iss ? this.serviceAccounts[claims.iss] : undefined;
    const verifier = createVerify('RSA-SHA256').update(`${head}.${payload}`);
    const valid = form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && pem && verifier.verify(createPublicKey(pem), Buffer.from(signature ?? '', 'base64url'));
    if (!valid) {
      send(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      return;
    }
    const token = `ya29.fake-${++this.issued}-${createHash('sha1').update(assertion).digest('hex').slice(0, 16)}`;
    this.tokens.add(token);
    send(res, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  }

  private route(method: string, url: URL, body: string): unknown {
    if (/%2f/i.test(url.pathname)) fail(400, 'Invalid resource name: an encoded "/" is not allowed in a path segment.');
    const parts = url.pathname.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
    if (parts[0] !== 'v1' || parts[1] !== 'organizations' || parts[2] === undefined) return fail(404, `Requested entity was not found.`);
    const orgName = parts[2];
    const org = this.orgs.get(orgName) ?? fail(404, `organization ${orgName} not found`);
    const rest = parts.slice(3);
    if (rest.length === 0 && method === 'GET') return { name: orgName };
    if (rest[0] === 'environments' && rest.length === 1 && method === 'GET') return [...org.environments].sort();
    if (rest[0] === 'apis' && rest.length === 1 && method === 'GET') return { proxies: [...org.apis].sort().map((name) => ({ name })) };
    let scope = 'org';
    let kvmPath = rest;
    if (rest[0] === 'environments') {
      if (!org.environments.has(rest[1] ?? '')) fail(404, `environment ${rest[1]} not found`);
      scope = `env:${rest[1]}`;
      kvmPath = rest.slice(2);
    } else if (rest[0] === 'apis') {
      if (!org.apis.has(rest[1] ?? '')) fail(404, `proxy ${rest[1]} not found`);
      scope = `api:${rest[1]}`;
      kvmPath = rest.slice(2);
    }
    if (kvmPath[0] !== 'keyvaluemaps') return fail(404, 'Requested entity was not found.');
    return this.kvmRoute(method, url, body, this.scopeKvms(orgName, scope), kvmPath.slice(1));
  }

  private kvmRoute(method: string, url: URL, body: string, kvms: Map<string, FakeKvm>, path: string[]): unknown {
    if (path.length === 0) {
      if (method === 'GET') return [...kvms.keys()].sort();
      if (method === 'POST') {
        const req = parseBody(body) as { name?: unknown; encrypted?: unknown };
        if (typeof req.name !== 'string' || req.name === '') fail(400, 'key value map name is required');
        if (kvms.has(req.name as string)) fail(409, `keyvaluemap ${String(req.name)} already exists`);
        kvms.set(req.name as string, { encrypted: true, entries: new Map() });
        this.stats.writes += 1;
        return { name: req.name, encrypted: true };
      }
    }
    const kvmName = path[0]!;
    const kvm = kvms.get(kvmName) ?? fail(404, `keyvaluemap ${kvmName} not found`);
    if (path.length === 1) {
      if (method === 'GET') return { name: kvmName, encrypted: kvm.encrypted };
      if (method === 'DELETE') {
        kvms.delete(kvmName);
        this.stats.writes += 1;
        return { name: kvmName, encrypted: kvm.encrypted };
      }
    }
    if (path[1] !== 'entries') return fail(404, 'Requested entity was not found.');
    if (path.length === 2) {
      if (method === 'GET') return this.listEntries(kvm, url);
      if (method === 'POST') {
        const entry = entryBody(body);
        if (kvm.entries.has(entry.name)) fail(409, `entry ${entry.name} already exists`);
        kvm.entries.set(entry.name, entry.value);
        this.stats.writes += 1;
        return entry;
      }
    }
    if (path.length !== 3) return fail(404, 'Requested entity was not found.');
    const entryName = path[2]!;
    const value = kvm.entries.get(entryName);
    if (value === undefined) fail(404, `entry ${entryName} not found`);
    if (method === 'GET') return { name: entryName, value };
    if (method === 'DELETE') {
      kvm.entries.delete(entryName);
      this.stats.writes += 1;
      return { name: entryName, value };
    }
    if (method === 'PUT') {
      const entry = entryBody(body);
      if (entry.name !== entryName) fail(400, 'the entry name in the body must match the one in the path');
      kvm.entries.set(entryName, entry.value);
      this.stats.writes += 1;
      return entry;
    }
    return fail(404, 'Requested entity was not found.');
  }

  /** Entries in name order; the page token is the last name returned, base64url. */
  private listEntries(kvm: FakeKvm, url: URL): unknown {
    const pageSize = Math.min(Number(url.searchParams.get('pageSize') ?? this.maxPageSize) || this.maxPageSize, this.maxPageSize);
    const token = url.searchParams.get('pageToken');
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : undefined;
    const names = [...kvm.entries.keys()].sort();
    const start = after === undefined ? 0 : names.findIndex((n) => n > after);
    const page = start < 0 ? [] : names.slice(start, start + pageSize);
    const more = start >= 0 && start + pageSize < names.length;
    return {
      keyValueEntries: page.map((name) => ({ name, value: kvm.entries.get(name)! })),
      ...(more ? { nextPageToken: Buffer.from(page[page.length - 1]!, 'utf8').toString('base64url') } : {}),
    };
  }
}

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return fail(400, 'Invalid JSON payload received.');
  }
}

function entryBody(body: string): { name: string; value: string } {
  const e = parseBody(body) as { name?: unknown; value?: unknown };
  if (typeof e.name !== 'string' || e.name === '') fail(400, 'entry name is required');
  if (typeof e.value !== 'string') fail(400, 'entry value is required');
  return { name: e.name as string, value: e.value as string };
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
