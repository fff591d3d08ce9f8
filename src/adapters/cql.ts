// The cassandra-driver adapter: connect (auth, TLS, local data center) and scan a query page by page, retrying failed pages.
import { lookup } from 'node:dns/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import cassandra from 'cassandra-driver';
import { ExternalError, UsageError } from '../errors.js';

const { errors, policies, types } = cassandra;

export type CqlConsistency = 'ONE' | 'LOCAL_ONE' | 'QUORUM' | 'LOCAL_QUORUM' | 'ALL';

export interface CqlOpenOptions {
  contactPoints: string[];
  port?: number;
  /** When absent, taken from the cluster: the one data center, or that of the contact points (system.local `data_center`). */
  localDataCenter?: string | undefined;
  username?: string;
  password?: string;
  tls?: { ca?: Buffer | undefined; rejectUnauthorized?: boolean; servername?: string | undefined } | undefined;
  connectTimeoutMs?: number;
  /** Client-side timeout of one page request; default 30 000 ms. */
  readTimeoutMs?: number;
  /** How many times a failed page is asked again (same paging state) before the scan fails; default 5. */
  pageRetries?: number;
  /** Delay before the first retry, doubled for each next one (at most 30 s); default 1000 ms. */
  retryDelayMs?: number | undefined;
  /** Default LOCAL_QUORUM: an export must not read a stale replica. */
  consistency?: CqlConsistency;
  /**
   * Talk to the contact points only, never to the peers they announce: for a tunnel (a Kubernetes
   * port-forward) where the peers' own addresses cannot be reached.
   */
  onlyContactPoints?: boolean;
}

/** A bound parameter. */
export type CqlParam = string | number | bigint | boolean | Buffer | Date | null;

/** A cell as cassandra-driver returns it (bigint columns as JS bigint, timestamp as Date, blob as Buffer). */
export type CqlValue = unknown;

/** A result column: its name and CQL type name (`varchar`, `int`, `bigint`, `timestamp`, `blob`, ...). */
export interface CqlColumnInfo {
  name: string;
  type: string;
}

/** One page of a scan: the columns (same on every page) and the rows, cells in column order. */
export interface CqlPage {
  columns: CqlColumnInfo[];
  rows: CqlValue[][];
}

export interface CqlScanOptions {
  pageSize: number;
  onPage?(rowsSoFar: number): void;
}

export interface CqlSession {
  /** The data center queries are routed to. */
  readonly localDataCenter: string;
  /** Runs one SELECT (prepared) and yields its pages as they arrive; never holds more than one page. */
  scan(query: string, params: readonly CqlParam[], opts: CqlScanOptions): AsyncIterable<CqlPage>;
  close(): Promise<void>;
}

/** Where a scan is, for error messages. */
interface ScanPosition {
  query: string;
  page: number;
  rowsSoFar: number;
}

interface RetrySettings {
  retries: number;
  delayMs: number;
}

const MAX_RETRY_DELAY_MS = 30_000;

const CONSISTENCY: Record<CqlConsistency, number> = {
  ONE: types.consistencies.one,
  LOCAL_ONE: types.consistencies.localOne,
  QUORUM: types.consistencies.quorum,
  LOCAL_QUORUM: types.consistencies.localQuorum,
  ALL: types.consistencies.all,
};

/** CQL type names by native protocol option id (spec 4.2.5.2). */
const TYPE_NAMES: Readonly<Record<number, string>> = {
  0x01: 'ascii',
  0x02: 'bigint',
  0x03: 'blob',
  0x04: 'boolean',
  0x05: 'counter',
  0x06: 'decimal',
  0x07: 'double',
  0x08: 'float',
  0x09: 'int',
  0x0a: 'text',
  0x0b: 'timestamp',
  0x0c: 'uuid',
  0x0d: 'varchar',
  0x0e: 'varint',
  0x0f: 'timeuuid',
  0x10: 'inet',
  0x11: 'date',
  0x12: 'time',
  0x13: 'smallint',
  0x14: 'tinyint',
  0x15: 'duration',
  0x20: 'list',
  0x21: 'map',
  0x22: 'set',
  0x30: 'udt',
  0x31: 'tuple',
};

/** Error codes worth asking the same page again for: the replica or coordinator was busy, not the query wrong. */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  types.responseErrorCodes.serverError,
  types.responseErrorCodes.unavailableException,
  types.responseErrorCodes.overloaded,
  types.responseErrorCodes.isBootstrapping,
  types.responseErrorCodes.readTimeout,
  types.responseErrorCodes.readFailure,
]);

/** Connects to the cluster; errors are ExternalError (UsageError for an ambiguous data center) without credentials. */
export async function openCql(opts: CqlOpenOptions): Promise<CqlSession> {
  if (opts.contactPoints.length === 0) throw new UsageError('No Cassandra contact point given');
  const redact = redactor(opts);
  const policy = new LocalDcPolicy(opts.localDataCenter, await resolveContactAddresses(opts));
  const client = new cassandra.Client(clientOptions(opts, policy));
  shutDownReplacedHosts(client);
  try {
    await client.connect();
  } catch (err) {
    await client.shutdown().catch(() => undefined);
    throw connectError(err, opts, redact);
  }
  const retry = { retries: opts.pageRetries ?? 5, delayMs: opts.retryDelayMs ?? 1000 };
  return new DriverSession(client, policy.chosenDc(), retry, redact);
}

function clientOptions(opts: CqlOpenOptions, policy: LocalDcPolicy): cassandra.DseClientOptions {
  const retryDelay = opts.retryDelayMs ?? 1000;
  return {
    contactPoints: opts.contactPoints,
    ...(opts.localDataCenter === undefined ? {} : { localDataCenter: opts.localDataCenter }),
    protocolOptions: { port: opts.port ?? 9042 },
    ...(opts.username === undefined ? {} : { credentials: { username: opts.username, password: opts.password ?? '' } }),
    ...(opts.tls ? { sslOptions: sslOptions(opts.tls) } : {}),
    socketOptions: { connectTimeout: opts.connectTimeoutMs ?? 10_000, readTimeout: opts.readTimeoutMs ?? 30_000 },
    policies: {
      loadBalancing: opts.onlyContactPoints
        ? new policies.loadBalancing.AllowListPolicy(policy, opts.contactPoints.map((cp) => `${cp}:${opts.port ?? 9042}`))
        : policy,
      // amu retries pages itself, from the same paging state, and counts the attempts.
      retry: new policies.retry.FallthroughRetryPolicy(),
      reconnection: new policies.reconnection.ExponentialReconnectionPolicy(retryDelay, MAX_RETRY_DELAY_MS, true),
    },
    queryOptions: { consistency: CONSISTENCY[opts.consistency ?? 'LOCAL_QUORUM'], prepare: true, isIdempotent: true },
    encoding: { useBigIntAsLong: true },
    isMetadataSyncEnabled: false,
    monitorReporting: { enabled: false },
  };
}

/**
 * cassandra-driver 4.10 bug: when the control connection has to start over (every connection lost), it replaces the
 * Host object but never shuts down the old one's pool, which then reconnects forever and keeps the process alive.
 */
function shutDownReplacedHosts(client: cassandra.Client): void {
  client.on('hostRemove', (host: { shutdown?: (waitForPending: boolean) => Promise<void> }) => {
    host.shutdown?.(false).catch(() => undefined);
  });
}

function sslOptions(tls: NonNullable<CqlOpenOptions['tls']>): object {
  // The driver's own default is rejectUnauthorized: false; amu verifies unless told not to.
  return {
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}

/** The IP addresses of the contact points, to tell which data center is "local" in a multi-DC cluster. */
async function resolveContactAddresses(opts: CqlOpenOptions): Promise<Set<string>> {
  const out = new Set<string>();
  if (opts.localDataCenter !== undefined) return out;
  for (const cp of opts.contactPoints) {
    const host = cp.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/^([^:]+):\d+$/, '$1');
    const found = await lookup(host, { all: true }).catch(() => []);
    for (const a of found) out.add(a.address);
  }
  return out;
}

/** The driver's default policy, which finds the local data center itself when none is given. */
class LocalDcPolicy extends policies.loadBalancing.DefaultLoadBalancingPolicy {
  constructor(
    private readonly givenDc: string | undefined,
    private readonly contactAddresses: Set<string>,
  ) {
    super(givenDc === undefined ? {} : { localDc: givenDc });
  }

  chosenDc(): string {
    return (this as unknown as { localDc: string }).localDc;
  }

  override init(client: cassandra.Client, hosts: cassandra.HostMap, callback: cassandra.EmptyCallback): void {
    if (this.givenDc === undefined) {
      const dc = discoverLocalDc(hosts.values(), this.contactAddresses);
      if (dc instanceof Error) return callback(dc);
      (this as unknown as { localDc: string }).localDc = dc;
    }
    super.init(client, hosts, callback);
  }
}

class AmbiguousDataCenter extends Error {}

function discoverLocalDc(hosts: cassandra.Host[], contactAddresses: Set<string>): string | AmbiguousDataCenter {
  const all = new Set(hosts.map((h) => h.datacenter));
  if (all.size === 1) return [...all][0]!;
  const ip = (h: cassandra.Host): string => h.address.slice(0, h.address.lastIndexOf(':'));
  const ofContacts = new Set(hosts.filter((h) => contactAddresses.has(ip(h))).map((h) => h.datacenter));
  if (ofContacts.size === 1) return [...ofContacts][0]!;
  return new AmbiguousDataCenter(
    `Cassandra has several data centers (${[...all].sort().join(', ')}) and the contact points do not tell which is local: name it`,
  );
}

class DriverSession implements CqlSession {
  constructor(
    private readonly client: cassandra.Client,
    readonly localDataCenter: string,
    private readonly retry: RetrySettings,
    private readonly redact: (s: string) => string,
  ) {}

  async *scan(query: string, params: readonly CqlParam[], opts: CqlScanOptions): AsyncIterable<CqlPage> {
    let pageState: string | undefined;
    let rowsSoFar = 0;
    for (let page = 1; ; page++) {
      const result = await this.fetchPage(query, params, opts.pageSize, pageState, { query, page, rowsSoFar });
      const rows = result.rows.map((r) => r.values());
      rowsSoFar += rows.length;
      opts.onPage?.(rowsSoFar);
      yield { columns: result.columns.map(columnInfo), rows };
      if (!result.pageState) return;
      pageState = result.pageState;
    }
  }

  /** One page; a transient failure is retried from the same paging state with a doubling delay. */
  private async fetchPage(
    query: string,
    params: readonly CqlParam[],
    fetchSize: number,
    pageState: string | undefined,
    at: ScanPosition,
  ): Promise<cassandra.types.ResultSet> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.execute(query, [...params], { prepare: true, fetchSize, ...(pageState ? { pageState } : {}) });
      } catch (err) {
        if (!isTransient(err) || attempt > this.retry.retries) throw this.scanError(err, at, attempt);
        await sleep(Math.min(this.retry.delayMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS));
      }
    }
  }

  private scanError(err: unknown, at: ScanPosition, attempts: number): ExternalError {
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    return new ExternalError(
      `Cassandra read failed on page ${at.page} after ${at.rowsSoFar} rows were read (${tries}): ${this.redact(describe(err))}` +
        ` [query: ${at.query}]`,
    );
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }
}

function columnInfo(c: { name: string; type: { code: number; info: unknown } }): CqlColumnInfo {
  const name = c.type.code === 0 ? `custom:${String(c.type.info)}` : TYPE_NAMES[c.type.code];
  return { name: c.name, type: name ?? `type 0x${c.type.code.toString(16)}` };
}

function isTransient(err: unknown): boolean {
  if (err instanceof errors.ResponseError) return TRANSIENT_CODES.has(err.code);
  if (err instanceof errors.OperationTimedOutError || err instanceof errors.NoHostAvailableError) return true;
  return err instanceof errors.DriverError && (err as { isSocketError?: boolean }).isSocketError === true;
}

function connectError(err: unknown, opts: CqlOpenOptions, redact: (s: string) => string): Error {
  const inner = innerErrors(err);
  const ambiguous = inner.find((e) => e instanceof AmbiguousDataCenter) ?? (err instanceof AmbiguousDataCenter ? err : undefined);
  if (ambiguous) return new UsageError(ambiguous.message);
  const where = `${opts.contactPoints.join(', ')} port ${opts.port ?? 9042}`;
  const auth = inner.some((e) => e instanceof errors.AuthenticationError);
  const what = auth ? 'Cassandra rejected the login' : 'Cannot connect to Cassandra';
  return new ExternalError(`${what} at ${where}: ${redact(describe(err))}`);
}

function innerErrors(err: unknown): unknown[] {
  if (err instanceof errors.NoHostAvailableError && err.innerErrors) return Object.values(err.innerErrors as object);
  return [err];
}

/** A one-line reason: for NoHostAvailableError, each host with its own error. */
function describe(err: unknown): string {
  if (err instanceof errors.NoHostAvailableError && err.innerErrors && Object.keys(err.innerErrors).length > 0) {
    return Object.entries(err.innerErrors as Record<string, unknown>)
      .map(([host, e]) => `${host}: ${describe(e)}`)
      .join('; ');
  }
  if (err instanceof errors.ResponseError) return `${err.message} (error 0x${err.code.toString(16).padStart(4, '0')})`;
  return err instanceof Error ? err.message : String(err);
}

/** Removes the password (and a username of 3+ characters) from a message. */
function redactor(opts: CqlOpenOptions): (s: string) => string {
  const secrets: [string, string][] = [];
  if (opts.password) secrets.push([opts.password, '***']);
  if (opts.username && opts.username.length >= 3) secrets.push([opts.username, '<username>']);
  return (s) => secrets.reduce((acc, [secret, mask]) => acc.split(secret).join(mask), s);
}
