// An in-process CQL native protocol v4 server on 127.0.0.1 that the real cassandra-driver talks to, with fault injection.
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { BodyReader, BodyWriter, encodeCell, ProtocolViolation, type CqlColumnDef } from './cqlFrameCodec.js';
import {
  bindValues,
  CqlInvalidQuery,
  CqlStore,
  CqlSyntaxError,
  parseStatement,
  resolveSelect,
  selectPage,
  type CqlServerTable,
  type ResolvedSelect,
} from './cqlStatement.js';
import { SYSTEM_KEYSPACES, systemTables } from './cqlSystemTables.js';

export type { CqlServerTable } from './cqlStatement.js';
export type { CqlColumnDef, CqlColumnType } from './cqlFrameCodec.js';

const PROTOCOL_VERSION = 4;
const RESPONSE_BIT = 0x80;
const HEADER_LENGTH = 9;
const MAX_BODY_LENGTH = 256 * 1024 * 1024;

const OPCODE = {
  error: 0x00,
  startup: 0x01,
  ready: 0x02,
  authenticate: 0x03,
  options: 0x05,
  supported: 0x06,
  query: 0x07,
  result: 0x08,
  prepare: 0x09,
  execute: 0x0a,
  register: 0x0b,
  batch: 0x0d,
  authResponse: 0x0f,
  authSuccess: 0x10,
} as const;

const ERROR_CODE = {
  server: 0x0000,
  protocol: 0x000a,
  authentication: 0x0100,
  unavailable: 0x1000,
  overloaded: 0x1001,
  readTimeout: 0x1200,
  syntax: 0x2000,
  invalid: 0x2200,
  unprepared: 0x2500,
} as const;

const FRAME_FLAG = { compression: 0x01, customPayload: 0x04 } as const;
const QUERY_FLAG = {
  values: 0x01,
  skipMetadata: 0x02,
  pageSize: 0x04,
  pagingState: 0x08,
  serialConsistency: 0x10,
  defaultTimestamp: 0x20,
  namesForValues: 0x40,
} as const;
const RESULT_KIND = { void: 0x0001, rows: 0x0002, setKeyspace: 0x0003, prepared: 0x0004 } as const;
const ROWS_FLAG = { globalTablesSpec: 0x0001, hasMorePages: 0x0002, noMetadata: 0x0004 } as const;

/** [consistency] values (spec section 3). */
const CONSISTENCY_NAMES: Readonly<Record<number, string>> = {
  0x0000: 'ANY',
  0x0001: 'ONE',
  0x0002: 'TWO',
  0x0003: 'THREE',
  0x0004: 'QUORUM',
  0x0005: 'ALL',
  0x0006: 'LOCAL_QUORUM',
  0x0007: 'EACH_QUORUM',
  0x0008: 'SERIAL',
  0x0009: 'LOCAL_SERIAL',
  0x000a: 'LOCAL_ONE',
};

const AUTHENTICATOR = 'org.apache.cassandra.auth.PasswordAuthenticator';

/** Errors a faulted page request answers with. */
export type PageFault = 'read_timeout' | 'unavailable' | 'overloaded';

export interface CqlServerOptions {
  /** When set, STARTUP is answered with AUTHENTICATE (PasswordAuthenticator) and SASL PLAIN is checked. */
  auth?: { username: string; password: string };
  tables?: CqlServerTable[];
  dataCenter?: string;
  rack?: string;
  clusterName?: string;
  releaseVersion?: string;
  /** Rows of system.peers: other nodes, as a multi-data-center cluster would list them. */
  peers?: { address: string; dataCenter: string }[];
  /** Serve CQL over TLS with this key and certificate (PEM), as a Cassandra with client_encryption_options does. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

/** Counters of what the server received; a "page request" is a QUERY or EXECUTE on a non-system table. */
export interface CqlServerStats {
  connections: number;
  rejectedVersions: number;
  startups: number;
  authFailures: number;
  queries: number;
  prepares: number;
  pageRequests: number;
  failedPages: number;
  droppedConnections: number;
  rowsSent: number;
}

interface Frame {
  flags: number;
  stream: number;
  opcode: number;
  body: Buffer;
}

interface QueryParameters {
  consistency: number;
  flags: number;
  values: { name: string | undefined; value: Buffer | null | 'unset' }[];
  pageSize: number;
  pagingState: Buffer | null;
}

interface ArmedFault {
  from: number;
  remaining: number;
  action: PageFault | 'drop';
}

/** An ERROR response: code, message, and the code-specific rest of the body. */
class CqlErrorResponse extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly writeExtra: (w: BodyWriter) => void = () => {},
  ) {
    super(message);
  }
}

/** The server: store, prepared statements, counters, faults. Connections do the protocol work. */
export class CqlProtocolServer {
  readonly host = '127.0.0.1';
  readonly stats: CqlServerStats = {
    connections: 0,
    rejectedVersions: 0,
    startups: 0,
    authFailures: 0,
    queries: 0,
    prepares: 0,
    pageRequests: 0,
    failedPages: 0,
    droppedConnections: 0,
    rowsSent: 0,
  };
  /** One line per request received (never an auth token): what the driver sends. */
  readonly requests: string[] = [];
  readonly store = new CqlStore();
  readonly prepared = new Map<string, { query: string; keyspace: string | undefined }>();
  private readonly sockets = new Set<Socket>();
  private faults: ArmedFault[] = [];

  private constructor(
    private readonly server: Server,
    readonly options: CqlServerOptions,
  ) {}

  static async start(options: CqlServerOptions = {}): Promise<CqlProtocolServer> {
    const server = options.tls ? createTlsServer({ key: options.tls.key, cert: options.tls.cert }) : createServer();
    const cql = new CqlProtocolServer(server, options);
    for (const t of systemTables({
      clusterName: options.clusterName ?? 'amu test cluster',
      dataCenter: options.dataCenter ?? 'dc1',
      rack: options.rack ?? 'rack1',
      releaseVersion: options.releaseVersion ?? '3.11.16',
      address: '127.0.0.1',
      peers: options.peers ?? [],
    })) {
      cql.store.add(t);
    }
    for (const t of options.tables ?? []) cql.store.add(t);
    server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => cql.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return cql;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  addTable(table: CqlServerTable): void {
    this.store.add(table);
  }

  /** The next `n` page requests succeed, then `times` consecutive page requests get an ERROR of `kind`. */
  failAfterPages(n: number, times = 1, kind: PageFault = 'read_timeout'): void {
    this.faults.push({ from: this.stats.pageRequests + n + 1, remaining: times, action: kind });
  }

  /** The next `n` page requests succeed, then `times` page requests have their connection destroyed unanswered. */
  dropConnectionAfterPages(n: number, times = 1): void {
    this.faults.push({ from: this.stats.pageRequests + n + 1, remaining: times, action: 'drop' });
  }

  /** Counts a page request and says which armed fault (if any) applies to it. */
  takePageFault(): ArmedFault['action'] | undefined {
    const n = ++this.stats.pageRequests;
    const fault = this.faults.find((f) => n >= f.from && f.remaining > 0);
    if (!fault) return undefined;
    fault.remaining--;
    if (fault.action === 'drop') this.stats.droppedConnections++;
    else this.stats.failedPages++;
    return fault.action;
  }

  record(line: string): void {
    if (this.requests.length < 10_000) this.requests.push(line);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private accept(socket: Socket): void {
    this.stats.connections++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const connection = new CqlConnection(this, socket);
    socket.on('data', (chunk: Buffer) => connection.onData(chunk));
  }
}

/** One client connection: frame parsing, the STARTUP/auth state machine, request dispatch. */
class CqlConnection {
  private pending: Buffer = Buffer.alloc(0);
  private state: 'new' | 'authenticating' | 'ready' = 'new';
  private keyspace: string | undefined;
  private closed = false;

  constructor(
    private readonly server: CqlProtocolServer,
    private readonly socket: Socket,
  ) {}

  onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (!this.closed && this.pending.length > 0) {
      const version = this.pending[0]!;
      if ((version & ~RESPONSE_BIT) !== PROTOCOL_VERSION) {
        this.rejectVersion(version);
        return;
      }
      if (this.pending.length < HEADER_LENGTH) return;
      if (version & RESPONSE_BIT) {
        this.fatal(this.pending.readInt16BE(2), 'Wrong message direction: a client must send request frames (0x04)');
        return;
      }
      const length = this.pending.readUInt32BE(5);
      if (length > MAX_BODY_LENGTH) {
        this.fatal(this.pending.readInt16BE(2), `Request is too big: length ${length} exceeds maximum allowed length ${MAX_BODY_LENGTH}.`);
        return;
      }
      if (this.pending.length < HEADER_LENGTH + length) return;
      const frame: Frame = {
        flags: this.pending[1]!,
        stream: this.pending.readInt16BE(2),
        opcode: this.pending[4]!,
        body: this.pending.subarray(HEADER_LENGTH, HEADER_LENGTH + length),
      };
      this.pending = this.pending.subarray(HEADER_LENGTH + length);
      this.handleFrame(frame);
    }
  }

  /** Cassandra 3.11's answer to a version it does not speak: a v4 PROTOCOL_ERROR on the same stream, then close. */
  private rejectVersion(versionByte: number): void {
    const version = versionByte & ~RESPONSE_BIT;
    // v1/v2 headers carry a one-byte stream id; v3+ a two-byte one.
    const headerNeeded = version < 3 ? 3 : 4;
    if (this.pending.length < headerNeeded) return;
    const stream = version < 3 ? this.pending.readInt8(2) : this.pending.readInt16BE(2);
    this.server.stats.rejectedVersions++;
    this.server.record(`version 0x${version.toString(16)} rejected`);
    this.fatal(stream, `Invalid or unsupported protocol version (${version}); supported versions are (4/v4)`);
  }

  private fatal(stream: number, message: string): void {
    this.sendError(stream, new CqlErrorResponse(ERROR_CODE.protocol, message));
    this.closed = true;
    this.socket.end();
  }

  private handleFrame(frame: Frame): void {
    try {
      if (frame.flags & FRAME_FLAG.compression) {
        throw new CqlErrorResponse(ERROR_CODE.protocol, 'Compression was not negotiated in STARTUP');
      }
      const body = new BodyReader(frame.body);
      if (frame.flags & FRAME_FLAG.customPayload) body.bytesMap();
      this.dispatch(frame, body);
    } catch (err) {
      this.sendError(frame.stream, asErrorResponse(err));
    }
  }

  private dispatch(frame: Frame, body: BodyReader): void {
    const { opcode } = frame;
    if (opcode === OPCODE.options) return this.onOptions(frame);
    if (this.state === 'new') {
      if (opcode !== OPCODE.startup) throw unexpected(opcode, 'STARTUP');
      return this.onStartup(frame, body);
    }
    if (this.state === 'authenticating') {
      if (opcode !== OPCODE.authResponse) throw unexpected(opcode, 'AUTH_RESPONSE');
      return this.onAuthResponse(frame, body);
    }
    switch (opcode) {
      case OPCODE.register:
        this.server.record(`REGISTER ${body.stringList().join(',')}`);
        return this.send(frame.stream, OPCODE.ready, Buffer.alloc(0));
      case OPCODE.query:
        return this.onQuery(frame, body);
      case OPCODE.prepare:
        return this.onPrepare(frame, body);
      case OPCODE.execute:
        return this.onExecute(frame, body);
      case OPCODE.batch:
        throw new CqlErrorResponse(ERROR_CODE.invalid, 'BATCH is not supported by this server');
      default:
        throw new CqlErrorResponse(ERROR_CODE.protocol, `Unknown opcode ${opcode}`);
    }
  }

  private onOptions(frame: Frame): void {
    this.server.record('OPTIONS');
    const w = new BodyWriter().stringMultimap({
      CQL_VERSION: ['3.4.4'],
      COMPRESSION: [],
      PROTOCOL_VERSIONS: ['4/v4'],
    });
    this.send(frame.stream, OPCODE.supported, w.toBuffer());
  }

  private onStartup(frame: Frame, body: BodyReader): void {
    const options = body.stringMap();
    this.server.record(`STARTUP ${JSON.stringify(options)}`);
    this.server.stats.startups++;
    if (!options['CQL_VERSION']) throw new CqlErrorResponse(ERROR_CODE.protocol, 'CQL_VERSION is mandatory');
    if (!options['CQL_VERSION'].startsWith('3.')) {
      throw new CqlErrorResponse(ERROR_CODE.protocol, `Unsupported CQL version ${options['CQL_VERSION']}`);
    }
    if (options['COMPRESSION']) {
      throw new CqlErrorResponse(ERROR_CODE.protocol, `Unknown compression algorithm: ${options['COMPRESSION']}`);
    }
    if (this.server.options.auth) {
      this.state = 'authenticating';
      return this.send(frame.stream, OPCODE.authenticate, new BodyWriter().string(AUTHENTICATOR).toBuffer());
    }
    this.state = 'ready';
    this.send(frame.stream, OPCODE.ready, Buffer.alloc(0));
  }

  /** SASL PLAIN: `[authzid] \0 username \0 password`. */
  private onAuthResponse(frame: Frame, body: BodyReader): void {
    this.server.record('AUTH_RESPONSE');
    const token = body.bytes() ?? Buffer.alloc(0);
    const parts = token.toString('utf8').split('\0');
    const password = parts.pop() ?? '';
    const username = parts.pop() ?? '';
    const expected = this.server.options.auth!;
    if (parts.length > 1 || username !== expected.username || password !== expected.password) {
      this.server.stats.authFailures++;
      throw new CqlErrorResponse(ERROR_CODE.authentication, `Provided username ${username} and/or password are incorrect`);
    }
    this.state = 'ready';
    this.send(frame.stream, OPCODE.authSuccess, new BodyWriter().bytes(null).toBuffer());
  }

  private onQuery(frame: Frame, body: BodyReader): void {
    const query = body.longString();
    const params = readQueryParameters(body);
    this.server.stats.queries++;
    this.server.record(`QUERY ${query}${describeParameters(params)}`);
    this.execute(frame, query, this.keyspace, params);
  }

  private onPrepare(frame: Frame, body: BodyReader): void {
    const query = body.longString();
    this.server.stats.prepares++;
    this.server.record(`PREPARE ${query}`);
    const stmt = parseStatement(query);
    if (stmt.kind !== 'select') throw new CqlErrorResponse(ERROR_CODE.invalid, 'Only SELECT can be prepared here');
    const sel = resolveSelect(this.server.store, stmt, this.keyspace);
    const id = createHash('md5').update(`${this.keyspace ?? ''}\0${query}`).digest();
    this.server.prepared.set(id.toString('hex'), { query, keyspace: this.keyspace });
    this.send(frame.stream, OPCODE.result, preparedResult(id, sel));
  }

  private onExecute(frame: Frame, body: BodyReader): void {
    const id = body.shortBytes();
    const params = readQueryParameters(body);
    this.server.stats.queries++;
    const prepared = this.server.prepared.get(id.toString('hex'));
    if (!prepared) {
      throw new CqlErrorResponse(
        ERROR_CODE.unprepared,
        `Prepared query with ID ${id.toString('hex')} not found (either the query was not prepared on this host ` +
          '(maybe the host has been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)',
        (w) => w.shortBytes(id),
      );
    }
    this.server.record(`EXECUTE ${prepared.query}${describeParameters(params)}`);
    this.execute(frame, prepared.query, prepared.keyspace, params);
  }

  private execute(frame: Frame, query: string, keyspace: string | undefined, params: QueryParameters): void {
    const stmt = parseStatement(query);
    if (stmt.kind === 'use') return this.useKeyspace(frame, stmt.keyspace);
    const sel = resolveSelect(this.server.store, stmt, keyspace);
    const bound = bindValues(sel, orderValues(sel, params));
    if (!SYSTEM_KEYSPACES.has(sel.table.keyspace)) {
      const fault = this.server.takePageFault();
      if (fault === 'drop') return this.drop();
      if (fault) throw faultError(fault, params.consistency);
    }
    const fingerprint = queryFingerprint(query, params);
    const position = readPagingState(params.pagingState, fingerprint);
    const pageSize = params.pageSize > 0 ? params.pageSize : Number.MAX_SAFE_INTEGER;
    const page = selectPage(sel, bound, position.next, pageSize, position.returned);
    const nextState = page.next === null ? null : pagingState(fingerprint, page.next, position.returned + page.rows.length);
    this.server.stats.rowsSent += page.rows.length;
    const skipMetadata = (params.flags & QUERY_FLAG.skipMetadata) !== 0;
    this.send(frame.stream, OPCODE.result, rowsResult(sel, page.rows, nextState, skipMetadata));
  }

  private useKeyspace(frame: Frame, keyspace: string): void {
    if (!this.server.store.hasKeyspace(keyspace)) throw new CqlInvalidQuery(`Keyspace '${keyspace}' does not exist`);
    this.keyspace = keyspace;
    this.send(frame.stream, OPCODE.result, new BodyWriter().int(RESULT_KIND.setKeyspace).string(keyspace).toBuffer());
  }

  private drop(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private sendError(stream: number, err: CqlErrorResponse): void {
    const w = new BodyWriter().int(err.code).string(err.message);
    err.writeExtra(w);
    this.send(stream, OPCODE.error, w.toBuffer());
  }

  private send(stream: number, opcode: number, body: Buffer): void {
    if (this.socket.destroyed) return;
    const header = Buffer.allocUnsafe(HEADER_LENGTH);
    header.writeUInt8(RESPONSE_BIT | PROTOCOL_VERSION, 0);
    header.writeUInt8(0, 1);
    header.writeInt16BE(stream, 2);
    header.writeUInt8(opcode, 4);
    header.writeUInt32BE(body.length, 5);
    this.socket.write(Buffer.concat([header, body]));
  }
}

/** <consistency><flags>[<n>[name]<value>...][<page_size>][<paging_state>][<serial_consistency>][<timestamp>] */
function readQueryParameters(body: BodyReader): QueryParameters {
  const consistency = body.short();
  const flags = body.byte();
  const values: QueryParameters['values'] = [];
  if (flags & QUERY_FLAG.values) {
    const n = body.short();
    for (let i = 0; i < n; i++) {
      const name = flags & QUERY_FLAG.namesForValues ? body.string() : undefined;
      values.push({ name, value: body.value() });
    }
  }
  const pageSize = flags & QUERY_FLAG.pageSize ? body.int() : -1;
  const pagingState = flags & QUERY_FLAG.pagingState ? body.bytes() : null;
  if (flags & QUERY_FLAG.serialConsistency) body.short();
  if (flags & QUERY_FLAG.defaultTimestamp) body.long();
  return { consistency, flags, values, pageSize, pagingState };
}

function describeParameters(p: QueryParameters): string {
  const parts = [`values=${p.values.length}`];
  if (p.pageSize > 0) parts.push(`page_size=${p.pageSize}`);
  if (p.pagingState) parts.push('with_paging_state');
  return ` [${parts.join(' ')}]`;
}

/** Bound values in marker order: positional, or matched by name when the client named them. */
function orderValues(sel: ResolvedSelect, params: QueryParameters): (Buffer | null)[] {
  const named = params.values.length > 0 && params.values.every((v) => v.name !== undefined);
  const ordered = named
    ? sel.markers.map((m) => params.values.find((v) => v.name === m.name)?.value ?? null)
    : params.values.map((v) => v.value);
  return ordered.map((v, i) => {
    if (v === 'unset') throw new CqlInvalidQuery(`Invalid unset value for column ${sel.markers[i]?.name ?? i}`);
    return v;
  });
}

function faultError(fault: PageFault, consistency: number): CqlErrorResponse {
  switch (fault) {
    case 'read_timeout':
      return new CqlErrorResponse(
        ERROR_CODE.readTimeout,
        'Operation timed out - received only 0 responses.',
        (w) => w.short(consistency).int(0).int(1).byte(0),
      );
    case 'unavailable':
      return new CqlErrorResponse(
        ERROR_CODE.unavailable,
        `Cannot achieve consistency level ${CONSISTENCY_NAMES[consistency] ?? consistency}`,
        (w) => w.short(consistency).int(1).int(0),
      );
    case 'overloaded':
      return new CqlErrorResponse(ERROR_CODE.overloaded, 'Server is in overloaded state. Cannot accept more requests at this point');
  }
}

/** The paging state: 8 bytes of the query's fingerprint, the next table row, the rows returned so far. */
function pagingState(fingerprint: Buffer, next: number, returned: number): Buffer {
  const b = Buffer.alloc(16);
  fingerprint.copy(b, 0, 0, 8);
  b.writeUInt32BE(next, 8);
  b.writeUInt32BE(returned, 12);
  return b;
}

function readPagingState(state: Buffer | null, fingerprint: Buffer): { next: number; returned: number } {
  if (state === null) return { next: 0, returned: 0 };
  if (state.length !== 16 || !state.subarray(0, 8).equals(fingerprint.subarray(0, 8))) {
    throw new CqlErrorResponse(ERROR_CODE.protocol, 'Invalid value for the paging state');
  }
  return { next: state.readUInt32BE(8), returned: state.readUInt32BE(12) };
}

function queryFingerprint(query: string, params: QueryParameters): Buffer {
  const h = createHash('sha1').update(query);
  for (const v of params.values) h.update(v.value instanceof Buffer ? v.value : Buffer.from([0xff]));
  return h.digest();
}

function writeColumnSpecs(w: BodyWriter, keyspace: string, table: string, columns: CqlColumnDef[]): void {
  w.string(keyspace).string(table);
  for (const c of columns) w.string(c.name).typeOption(c.type);
}

/** RESULT Rows: <metadata><rows_count><rows_content> (spec 4.2.5.2). */
function rowsResult(sel: ResolvedSelect, rows: unknown[][], paging: Buffer | null, skipMetadata: boolean): Buffer {
  const columns = sel.output;
  const w = new BodyWriter().int(RESULT_KIND.rows);
  let flags = skipMetadata ? ROWS_FLAG.noMetadata : ROWS_FLAG.globalTablesSpec;
  if (paging) flags |= ROWS_FLAG.hasMorePages;
  w.int(flags).int(columns.length);
  if (paging) w.bytes(paging);
  if (!skipMetadata) writeColumnSpecs(w, sel.table.keyspace, sel.table.table, columns);
  w.int(rows.length);
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) w.bytes(encodeCell(columns[i]!.type, row[i]));
  }
  return w.toBuffer();
}

/** RESULT Prepared: <id><metadata><result_metadata> (spec 4.2.5.4). */
function preparedResult(id: Buffer, sel: ResolvedSelect): Buffer {
  const { keyspace, table } = sel.table;
  const w = new BodyWriter().int(RESULT_KIND.prepared).shortBytes(id);
  w.int(ROWS_FLAG.globalTablesSpec).int(sel.markers.length).int(sel.pkMarkerIndexes.length);
  for (const i of sel.pkMarkerIndexes) w.short(i);
  writeColumnSpecs(w, keyspace, table, sel.markers);
  w.int(ROWS_FLAG.globalTablesSpec).int(sel.output.length);
  writeColumnSpecs(w, keyspace, table, sel.output);
  return w.toBuffer();
}

function unexpected(opcode: number, expected: string): CqlErrorResponse {
  return new CqlErrorResponse(ERROR_CODE.protocol, `Unexpected message ${opcode}, expecting ${expected}`);
}

function asErrorResponse(err: unknown): CqlErrorResponse {
  if (err instanceof CqlErrorResponse) return err;
  if (err instanceof CqlSyntaxError) return new CqlErrorResponse(ERROR_CODE.syntax, err.message);
  if (err instanceof CqlInvalidQuery) return new CqlErrorResponse(ERROR_CODE.invalid, err.message);
  if (err instanceof ProtocolViolation) return new CqlErrorResponse(ERROR_CODE.protocol, err.message);
  return new CqlErrorResponse(ERROR_CODE.server, `java.lang.RuntimeException: ${(err as Error).message}`);
}
