// The CQL path end to end: the real cassandra-driver against our in-process CQL v4 server, pages into dump files.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openCql, type CqlOpenOptions, type CqlSession } from '../../src/adapters/cql.js';
import { ExternalError } from '../../src/errors.js';
import { readCqlDump, type CqlDumpHeader } from '../../src/dumps/cqlDumpFormat.js';
import { emigrateOverCql, type CqlEmigrateSpec } from '../../src/emigrate/cqlQueryDump.js';
import { listOrganizationsOverCql } from '../../src/cluster/organizations.js';
import {
  hybridKeyspace,
  keyvaluemapsTable,
  kvmMapDescriptorTable,
  kvmMapEntryTable,
  organizationsTable,
  startCqlServer,
  type CqlProtocolServer,
} from '../support/cqlServer.js';

const KVM_QUERY = 'SELECT column1, value FROM keyvaluemap.keyvaluemaps_r21 WHERE key = ?';
const AWKWARD: [string, string | null][] = [
  ['s@kvmaps:s@plain', '{"Plain":"[{\\"name\\":\\"a\\",\\"value\\":\\"b\\"}]"}'],
  ['s@env:s@prod:s@kvmaps:s@quotes', `it's "quoted" \\ back\\slash`],
  ['s@kvmaps:s@newlines', 'line1\nline2\r\nline3\ttab'],
  ['s@kvmaps:s@unicode', 'héllo – 日本語 🚀 \u2028 sep'],
  ['s@kvmaps:s@pipes', 'a | b | c'],
  ['s@kvmaps:s@empty', ''],
  ['s@kvmaps:s@null', null],
  ['s@apis:s@p1:s@revision:s@3:s@kvmaps:s@rev', '[{"name":"x","value":"=> (name=y, value=z, timestamp=1)"}]'],
];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'amu-cql-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Starts a server, runs the body with an open session, always closes both. */
async function withSession(
  server: CqlProtocolServer,
  body: (session: CqlSession) => Promise<void>,
  extra: Partial<CqlOpenOptions> = {},
): Promise<void> {
  try {
    const session = await openCql({ contactPoints: ['127.0.0.1'], port: server.port, retryDelayMs: 5, ...extra });
    try {
      await body(session);
    } finally {
      await session.close();
    }
  } finally {
    await server.close();
  }
}

async function* fileLines(path: string): AsyncIterable<{ text: string; lineNo: number }> {
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const text of rl) yield { text, lineNo: ++lineNo };
}

async function readBack(path: string): Promise<{ header: CqlDumpHeader; rows: Record<string, string | null>[] }> {
  let header: CqlDumpHeader | undefined;
  const rows: Record<string, string | null>[] = [];
  for await (const row of readCqlDump(fileLines(path), path, (h) => (header = h))) rows.push(row.cells);
  return { header: header!, rows };
}

function kvmSpec(org: string): CqlEmigrateSpec {
  return { query: KVM_QUERY, params: [org], keyspace: 'keyvaluemap', table: 'keyvaluemaps_r21', columns: ['column1', 'value'], source: 'edge' };
}

function numberedRows(org: string, n: number): [string, string, string][] {
  return Array.from({ length: n }, (_, i) => [org, `s@kvmaps:s@kvm${String(i).padStart(3, '0')}`, `value ${i}`]);
}

describe('connecting', () => {
  test('negotiates v4, reads the local data center from system.local, and sends only what it needs', async () => {
    const server = await startCqlServer({ dataCenter: 'dc-east' });
    await withSession(server, async (session) => {
      expect(session.localDataCenter).toBe('dc-east');
    });
    expect(server.stats.rejectedVersions).toBe(1);
    expect(server.requests[0]).toBe('version 0x42 rejected');
    expect(server.requests).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^STARTUP \{"CQL_VERSION":"3\.0\.0"/),
        'OPTIONS',
        "QUERY SELECT * FROM system.local WHERE key='local' [values=0]",
        'QUERY SELECT * FROM system.peers [values=0]',
        'REGISTER TOPOLOGY_CHANGE,STATUS_CHANGE,SCHEMA_CHANGE',
      ]),
    );
    expect(server.requests.some((r) => r.includes('system_schema'))).toBe(false);
  });

  test('in a multi-DC cluster, the local data center is that of the contact point', async () => {
    const server = await startCqlServer({ dataCenter: 'dc1', peers: [{ address: '127.0.0.2', dataCenter: 'dc2' }] });
    await withSession(server, async (session) => {
      expect(session.localDataCenter).toBe('dc1');
    });
  });

  test('a given data center that does not exist is a clear error', async () => {
    const server = await startCqlServer({ dataCenter: 'dc1' });
    try {
      await expect(openCql({ contactPoints: ['127.0.0.1'], port: server.port, localDataCenter: 'nope' })).rejects.toThrow(
        /Cannot connect to Cassandra.*nope/,
      );
    } finally {
      await server.close();
    }
  });

  test('plain-text auth: the right password connects', async () => {
    const server = await startCqlServer({ auth: { username: 'ddl_user', password: 's3cret-Pa55' } });
    await withSession(
      server,
      async (session) => {
        expect(session.localDataCenter).toBe('dc1');
      },
      { username: 'ddl_user', password: 's3cret-Pa55' },
    );
    expect(server.requests).toContain('AUTH_RESPONSE');
    expect(server.stats.authFailures).toBe(0);
  });

  test('plain-text auth: a wrong password is an ExternalError that never shows the credentials', async () => {
    const server = await startCqlServer({ auth: { username: 'ddl_user', password: 's3cret-Pa55' } });
    try {
      const err = await openCql({ contactPoints: ['127.0.0.1'], port: server.port, username: 'ddl_user', password: 'wrong-Pa55word' }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ExternalError);
      const text = `${(err as Error).message} ${JSON.stringify(err)}`;
      expect(text).toMatch(/Cassandra rejected the login at 127\.0\.0\.1 port \d+: .*incorrect/);
      expect(text).not.toContain('wrong-Pa55word');
      expect(text).not.toContain('ddl_user');
      expect(server.stats.authFailures).toBeGreaterThanOrEqual(1);
    } finally {
      await server.close();
    }
  });

  test('plain-text auth: no credentials at all is an ExternalError', async () => {
    const server = await startCqlServer({ auth: { username: 'ddl_user', password: 's3cret-Pa55' } });
    try {
      await expect(openCql({ contactPoints: ['127.0.0.1'], port: server.port })).rejects.toThrow(ExternalError);
    } finally {
      await server.close();
    }
  });
});

describe('the server as a protocol peer', () => {
  /** Sends one raw frame and collects what comes back until the server closes or 200 ms pass. */
  async function exchange(port: number, frame: Buffer): Promise<{ reply: Buffer; closed: boolean }> {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.write(frame);
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 200);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    socket.destroy();
    return { reply: Buffer.concat(chunks), closed };
  }

  const frame = (version: number, stream: number, opcode: number): Buffer =>
    Buffer.from([version, 0, stream >> 8, stream & 0xff, opcode, 0, 0, 0, 0]);

  test('a v5 request gets a v4 PROTOCOL_ERROR on the same stream, then the connection closes', async () => {
    const server = await startCqlServer();
    try {
      const { reply, closed } = await exchange(server.port, frame(0x05, 7, 0x05));
      expect([reply[0], reply[1], reply.readInt16BE(2), reply[4]]).toEqual([0x84, 0, 7, 0x00]);
      expect(reply.readUInt32BE(5)).toBe(reply.length - 9);
      expect(reply.readInt32BE(9)).toBe(0x000a);
      expect(reply.subarray(15).toString()).toMatch(/^Invalid or unsupported protocol version \(5\)/);
      expect(closed).toBe(true);
    } finally {
      await server.close();
    }
  });

  test('OPTIONS gets SUPPORTED with the CQL and protocol versions', async () => {
    const server = await startCqlServer();
    try {
      const { reply, closed } = await exchange(server.port, frame(0x04, 3, 0x05));
      expect([reply[0], reply.readInt16BE(2), reply[4]]).toEqual([0x84, 3, 0x06]);
      expect(reply.subarray(9).toString('latin1')).toContain('PROTOCOL_VERSIONS');
      expect(closed).toBe(false);
    } finally {
      await server.close();
    }
  });

  test('system.peers_v2 is an unconfigured table, as on Cassandra 3.11', async () => {
    const server = await startCqlServer();
    await withSession(server, async (session) => {
      const pages = session.scan('SELECT * FROM system.peers_v2', [], { pageSize: 10 });
      await expect((async () => {
        for await (const page of pages) void page;
      })()).rejects.toThrow(/unconfigured table peers_v2 \(error 0x2200\)/);
    });
  });
});

describe('Edge tables', () => {
  test('keyvaluemaps_r21 of one org, with awkward strings, reads back exactly', async () => {
    const rows: [string, string, string | null][] = [
      ...AWKWARD.map(([c, v]): [string, string, string | null] => ['validate', c, v]),
      ['other-org', 's@kvmaps:s@notmine', 'must not be exported'],
    ];
    const server = await startCqlServer({ tables: [keyvaluemapsTable(rows)] });
    const out = join(dir, 'validate.cqldump');
    await withSession(server, async (session) => {
      const result = await emigrateOverCql(session, kvmSpec('validate'), out, { pageSize: 3 });
      expect(result).toMatchObject({ rows: AWKWARD.length, file: out });
      expect(result.sha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
    });
    const back = await readBack(out);
    expect(back.rows).toEqual(AWKWARD.map(([column1, value]) => ({ column1, value })));
    expect(back.header).toMatchObject({
      source: 'edge',
      keyspace: 'keyvaluemap',
      table: 'keyvaluemaps_r21',
      columns: [
        { name: 'column1', type: 'text' },
        { name: 'value', type: 'text' },
      ],
      query: KVM_QUERY,
      params: ['validate'],
    });
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['validate.cqldump']);
  });

  test('kms.organizations lists the orgs', async () => {
    const server = await startCqlServer({ tables: [organizationsTable(['zeta', 'validate', 'alpha-org'])] });
    await withSession(server, async (session) => {
      expect(await listOrganizationsOverCql(session, 2)).toEqual(['alpha-org', 'validate', 'zeta']);
    });
  });

  test('an org with no rows gives an empty but complete dump', async () => {
    const server = await startCqlServer({ tables: [keyvaluemapsTable(numberedRows('someone', 4))] });
    const out = join(dir, 'empty.cqldump');
    await withSession(server, async (session) => {
      expect(await emigrateOverCql(session, kvmSpec('nobody'), out, { pageSize: 3 })).toMatchObject({ rows: 0, file: out });
    });
    expect((await readBack(out)).rows).toEqual([]);
  });
});

describe('hybrid tables', () => {
  const org = 'my-org';
  const ks = hybridKeyspace(org);
  const t0 = new Date('2021-03-04T05:06:07.089Z');
  const entries = [
    [org, '', 'cfg', 1, 'k1', t0, 'ops', t0, 'ops', 'Y2lwaGVy'],
    [org, 'environments###prod', 'cfg', 2, 'k|2', t0, 'ops', new Date(0), null, ''],
    [org, 'environments###prod', 'cfg', 1, 'stale', t0, 'ops', t0, 'ops', 'b2xk'],
    ['other-org', '', 'cfg', 1, 'k1', t0, 'ops', t0, 'ops', 'bm9wZQ=='],
  ];
  const descriptors = [
    [org, '', 'cfg', '{}', t0, 'ops', t0, 'ops', 1],
    [org, 'environments###prod', 'cfg', '{}', t0, 'ops', t0, 'ops', 2],
  ];
  const entryColumns = ['tid', 'a_scp', 'map', 'ver', 'key', 'c_at', 'c_by', 'u_at', 'u_by', 'val'];
  const descriptorColumns = ['tid', 'a_scp', 'map', 'attr', 'c_at', 'c_by', 'u_at', 'u_by', 'ver'];

  function asDumpText(row: unknown[], names: string[]): Record<string, string | null> {
    const text = (v: unknown): string | null => (v === null ? null : v instanceof Date ? v.toISOString() : String(v));
    return Object.fromEntries(names.map((n, i) => [n, text(row[i])]));
  }

  test('kvm_map_entry and kvm_map_descriptor of one tenant read back exactly, typed columns included', async () => {
    const server = await startCqlServer({ tables: [kvmMapEntryTable(org, entries), kvmMapDescriptorTable(org, descriptors)] });
    const entryOut = join(dir, 'entries.cqldump');
    const descriptorOut = join(dir, 'descriptors.cqldump');
    await withSession(server, async (session) => {
      const entrySpec: CqlEmigrateSpec = {
        query: `SELECT * FROM ${ks}.kvm_map_entry WHERE tid = ? ALLOW FILTERING`,
        params: [org],
        keyspace: ks,
        table: 'kvm_map_entry',
        columns: entryColumns,
        source: 'hybrid',
      };
      const descriptorSpec: CqlEmigrateSpec = {
        ...entrySpec,
        query: `SELECT * FROM ${ks}.kvm_map_descriptor WHERE tid = ? ALLOW FILTERING`,
        table: 'kvm_map_descriptor',
        columns: descriptorColumns,
      };
      expect((await emigrateOverCql(session, entrySpec, entryOut, { pageSize: 2 })).rows).toBe(3);
      expect((await emigrateOverCql(session, descriptorSpec, descriptorOut, { pageSize: 2 })).rows).toBe(2);
    });
    const entryBack = await readBack(entryOut);
    expect(entryBack.rows).toEqual(entries.slice(0, 3).map((r) => asDumpText(r, entryColumns)));
    expect(entryBack.header.columns.map((c) => c.type)).toEqual(['text', 'text', 'text', 'int', 'text', 'timestamp', 'text', 'timestamp', 'text', 'text']);
    expect((await readBack(descriptorOut)).rows).toEqual(descriptors.map((r) => asDumpText(r, descriptorColumns)));
  });

  test('filtering on part of the partition key without ALLOW FILTERING is refused by the server, cleanly', async () => {
    const server = await startCqlServer({ tables: [kvmMapEntryTable(org, entries)] });
    const out = join(dir, 'x.cqldump');
    await withSession(server, async (session) => {
      const spec: CqlEmigrateSpec = {
        query: `SELECT * FROM ${ks}.kvm_map_entry WHERE tid = ?`,
        params: [org],
        keyspace: ks,
        table: 'kvm_map_entry',
        columns: entryColumns,
        source: 'hybrid',
      };
      await expect(emigrateOverCql(session, spec, out, { pageSize: 10 })).rejects.toThrow(/ALLOW FILTERING.*1 attempt\b|1 attempt\).*ALLOW FILTERING/);
    });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('paging and faults', () => {
  test('page size 3 over 100 rows: 34 page requests, progress after every page, all rows in order', async () => {
    const rows = numberedRows('big', 100);
    const server = await startCqlServer({ tables: [keyvaluemapsTable(rows)] });
    const out = join(dir, 'big.cqldump');
    const progress: number[] = [];
    await withSession(server, async (session) => {
      await emigrateOverCql(session, kvmSpec('big'), out, { pageSize: 3, onProgress: (n) => progress.push(n) });
    });
    expect(server.stats.pageRequests).toBe(34);
    expect(server.requests.filter((r) => r.startsWith('EXECUTE') && r.includes('with_paging_state'))).toHaveLength(33);
    expect(progress).toHaveLength(34);
    expect(progress.at(-1)).toBe(100);
    expect((await readBack(out)).rows).toEqual(rows.map(([, column1, value]) => ({ column1, value })));
  });

  test('an error in the middle of a scan is retried from the same page and the dump is complete', async () => {
    const rows = numberedRows('big', 100);
    const server = await startCqlServer({ tables: [keyvaluemapsTable(rows)] });
    const out = join(dir, 'retried.cqldump');
    server.failAfterPages(10, 2, 'read_timeout');
    await withSession(
      server,
      async (session) => {
        expect((await emigrateOverCql(session, kvmSpec('big'), out, { pageSize: 3 })).rows).toBe(100);
      },
      { pageRetries: 3 },
    );
    expect(server.stats.failedPages).toBe(2);
    expect(server.stats.pageRequests).toBe(36);
    expect((await readBack(out)).rows).toEqual(rows.map(([, column1, value]) => ({ column1, value })));
  });

  test('a dropped connection in the middle of a scan is retried after the driver reconnects', async () => {
    const rows = numberedRows('big', 30);
    const server = await startCqlServer({ tables: [keyvaluemapsTable(rows)] });
    const out = join(dir, 'dropped.cqldump');
    server.dropConnectionAfterPages(4);
    await withSession(
      server,
      async (session) => {
        expect((await emigrateOverCql(session, kvmSpec('big'), out, { pageSize: 3 })).rows).toBe(30);
      },
      { pageRetries: 8 },
    );
    expect(server.stats.droppedConnections).toBe(1);
    expect((await readBack(out)).rows).toEqual(rows.map(([, column1, value]) => ({ column1, value })));
  });

  test('an error that persists fails cleanly: says how many rows were read, leaves no dump and no temp file', async () => {
    const server = await startCqlServer({ tables: [keyvaluemapsTable(numberedRows('big', 100))] });
    const out = join(dir, 'failed.cqldump');
    server.failAfterPages(5, 100, 'unavailable');
    await withSession(
      server,
      async (session) => {
        const err = await emigrateOverCql(session, kvmSpec('big'), out, { pageSize: 3 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ExternalError);
        expect((err as Error).message).toMatch(/page 6 after 15 rows were read \(3 attempts\): Not enough replicas .* consistency LOCAL_QUORUM .*\(error 0x1000\)/);
      },
      { pageRetries: 2 },
    );
    expect(server.stats.failedPages).toBe(3);
    expect(await readdir(dir)).toEqual([]);
  });

  test('columns other than those expected are refused before anything is written', async () => {
    const server = await startCqlServer({ tables: [keyvaluemapsTable(numberedRows('big', 5))] });
    const out = join(dir, 'cols.cqldump');
    await withSession(server, async (session) => {
      const spec = { ...kvmSpec('big'), columns: ['value', 'column1'] };
      await expect(emigrateOverCql(session, spec, out, { pageSize: 3 })).rejects.toThrow(
        /returned columns \(column1, value\).*expects \(value, column1\)/,
      );
    });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('every dump type through the driver', () => {
  test('int, bigint, timestamp, blob, null and empty survive exactly', async () => {
    const big = 2n ** 63n - 1n;
    const rows = [
      ['a', -2147483648, big, new Date('1969-12-31T23:59:59.999Z'), Buffer.from([0, 1, 254, 255])],
      ['b', 2147483647, -big - 1n, new Date('2262-04-11T23:47:16.854Z'), Buffer.alloc(0)],
      ['', null, null, null, null],
    ];
    const server = await startCqlServer({
      tables: [
        {
          keyspace: 'amu_test',
          table: 'types',
          columns: [
            { name: 'k', type: 'text' },
            { name: 'i', type: 'int' },
            { name: 'b', type: 'bigint' },
            { name: 't', type: 'timestamp' },
            { name: 'x', type: 'blob' },
          ],
          rows,
        },
      ],
    });
    const out = join(dir, 'types.cqldump');
    await withSession(server, async (session) => {
      const spec: CqlEmigrateSpec = { query: 'SELECT * FROM amu_test.types', params: [], keyspace: 'amu_test', table: 'types', columns: ['k', 'i', 'b', 't', 'x'], source: 'hybrid' };
      await emigrateOverCql(session, spec, out, { pageSize: 2 });
    });
    expect((await readBack(out)).rows).toEqual([
      { k: 'a', i: '-2147483648', b: '9223372036854775807', t: '1969-12-31T23:59:59.999Z', x: 'AAH+/w==' },
      { k: 'b', i: '2147483647', b: '-9223372036854775808', t: '2262-04-11T23:47:16.854Z', x: '' },
      { k: '', i: null, b: null, t: null, x: null },
    ]);
  });
});
