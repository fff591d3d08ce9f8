// Measures emigrateOverCql rows/s against the in-process CQL v4 server (run `npx tsc -p tsconfig.build.json` first).
// Usage: node scripts/dev/cql-throughput.mjs [--rows 100000] [--page-size 5000] [--value-bytes 300] [--runs 3]
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'page-size': { type: 'string', default: '5000' },
    'value-bytes': { type: 'string', default: '300' },
    runs: { type: 'string', default: '3' },
  },
});
const rowCount = Number(args.rows);
const pageSize = Number(args['page-size']);
const valueBytes = Number(args['value-bytes']);
const runs = Number(args.runs);

// AMU_DIST lets the bench run against a build elsewhere (default: this checkout's dist/).
const dist = process.env.AMU_DIST ? pathToFileURL(`${process.env.AMU_DIST}/`) : new URL('../../dist/', import.meta.url);
const { CqlProtocolServer } = await import(new URL('testkit/cqlProtocolServer.js', dist).href);
const { openCql } = await import(new URL('adapters/cql.js', dist).href);
const { emigrateOverCql } = await import(new URL('core/dump/cqlEmigrate.js', dist).href);

function kvmRows(org, n) {
  const filler = 'x'.repeat(Math.max(0, valueBytes - 40));
  return Array.from({ length: n }, (_, i) => [org, `s@env:s@prod:s@kvmaps:s@map${String(i).padStart(7, '0')}`, `{"Map${i}":"[{\\"name\\":\\"k\\",\\"value\\":\\"${filler}\\"}]"}`]);
}

const server = await CqlProtocolServer.start({
  tables: [
    {
      keyspace: 'keyvaluemap',
      table: 'keyvaluemaps_r21',
      partitionKey: ['key'],
      clusteringKey: ['column1'],
      columns: [
        { name: 'key', type: 'text' },
        { name: 'column1', type: 'text' },
        { name: 'value', type: 'text' },
      ],
      rows: kvmRows('bench', rowCount),
    },
  ],
});
const dir = await mkdtemp(join(tmpdir(), 'amu-cql-bench-'));
const session = await openCql({ contactPoints: ['127.0.0.1'], port: server.port });
const spec = {
  query: 'SELECT column1, value FROM keyvaluemap.keyvaluemaps_r21 WHERE key = ?',
  params: ['bench'],
  keyspace: 'keyvaluemap',
  table: 'keyvaluemaps_r21',
  columns: ['column1', 'value'],
  source: 'edge',
};
try {
  const rates = [];
  for (let run = 1; run <= runs; run++) {
    const file = join(dir, `run${run}.cqldump`);
    const started = process.hrtime.bigint();
    const result = await emigrateOverCql(session, spec, file, { pageSize });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.rows !== rowCount) throw new Error(`expected ${rowCount} rows, got ${result.rows}`);
    const mb = (await stat(file)).size / 1e6;
    rates.push(result.rows / seconds);
    console.log(`run ${run}: ${result.rows} rows in ${seconds.toFixed(2)} s = ${Math.round(result.rows / seconds)} rows/s, ${(mb / seconds).toFixed(1)} MB/s (${mb.toFixed(1)} MB dump)`);
  }
  rates.sort((a, b) => a - b);
  console.log(`median: ${Math.round(rates[Math.floor(rates.length / 2)])} rows/s (page size ${pageSize}, ~${valueBytes}-byte values, ${server.stats.pageRequests} page requests in all)`);
} finally {
  await session.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
