// Bench helper: streams large hybrid dumps (kvm_map_entry + kvm_map_descriptor) as cqlsh tables or amu CQL line dumps.
//
// Rows come in a scattered order (as Cassandra's token order scatters a map's entries): row i belongs to map
// (i mod maps) * 7919 mod maps, entry floor(i / maps). Every cell of a column has the same width, so the cqlsh
// table can be streamed without a first pass for the widths (checked once against the test kit's formatter).
import { createCipheriv } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
const { formatCqlshTable } = await import(path.join(root, 'build', 'test', 'support', 'cqlshTableFormat.js'));

const ENTRY_COLUMNS = ['tid', 'a_scp', 'map', 'ver', 'key', 'c_at', 'c_by', 'u_at', 'u_by', 'val'];
const DESCRIPTOR_COLUMNS = ['tid', 'a_scp', 'map', 'attr', 'c_at', 'c_by', 'u_at', 'u_by', 'ver'];
const ENTRY_TYPES = ['text', 'text', 'text', 'int', 'text', 'timestamp', 'text', 'timestamp', 'text', 'text'];
const DESCRIPTOR_TYPES = ['text', 'text', 'text', 'text', 'timestamp', 'text', 'timestamp', 'text', 'int'];
const CQLSH_TIME = '2024-01-01 00:00:00.000000+0000';
const ISO_TIME = '2024-01-01T00:00:00.000Z';
const SCOPES = ['environments###prod', 'environments###test'];

/** Plain value of entry e of map m (what the export must write). */
export function hybridBenchValue(m, e, valueBytes) {
  const core = `h${m}.${e}`;
  return core.length >= valueBytes ? core : core + 'x'.repeat(valueBytes - core.length);
}

function encryptor(key) {
  const cipher = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  return (text) => {
    const data = Buffer.from(text, 'utf8');
    const pad = 16 - (data.length % 16);
    return cipher.update(Buffer.concat([data, Buffer.alloc(pad, pad)])).toString('base64');
  };
}

/** One cqlsh table, streamed: every cell of a column must have the same width (ASCII). */
function* cqlshTable(columns, rows, count) {
  let widths;
  let n = 0;
  for (const row of rows) {
    const cells = row.map((c) => (c === null ? 'null' : c));
    if (!widths) {
      widths = columns.map((name, k) => Math.max(name.length, cells[k].length));
      yield 'Disabled Query paging.\n\n';
      yield ` ${columns.map((name, k) => name.padEnd(widths[k])).join(' | ').trimEnd()}\n`;
      yield `-${widths.map((w) => '-'.repeat(w)).join('-+-')}-\n`;
    }
    yield ` ${cells.map((c, k) => c.padStart(widths[k])).join(' | ')}\n`;
    n++;
  }
  if (n !== count) throw new Error(`cqlshTable: ${n} rows, expected ${count}`);
  yield `\n(${n} rows)\n`;
}

function* cqlDump(table, columns, types, rows, count) {
  const header = {
    format: 'amu-cql-dump',
    version: 1,
    source: 'hybrid',
    keyspace: 'kvm_bench_hybrid',
    table,
    columns: columns.map((name, k) => ({ name, type: types[k] })),
    query: `SELECT ${columns.join(', ')} FROM kvm_bench_hybrid.${table} WHERE tid = ? ALLOW FILTERING`,
    params: ['bench'],
    startedAt: ISO_TIME,
  };
  yield `${JSON.stringify(header)}\n`;
  let n = 0;
  for (const row of rows) {
    yield `${JSON.stringify(row)}\n`;
    n++;
  }
  if (n !== count) throw new Error(`cqlDump: ${n} rows, expected ${count}`);
  yield `${JSON.stringify({ end: true, rows: n, finishedAt: ISO_TIME })}\n`;
}

const mapName = (m) => `map-${String(m).padStart(6, '0')}`;

/** Line generators for the entry and descriptor dumps of a spec {format: 'cqlsh'|'cql', maps, entriesPerMap, valueBytes, key}. */
export function hybridBenchLines(spec) {
  const { maps, entriesPerMap, valueBytes, key } = spec;
  const encrypt = encryptor(key);
  const time = spec.format === 'cql' ? ISO_TIME : CQLSH_TIME;
  const total = maps * entriesPerMap;
  function* entryRows() {
    for (let i = 0; i < total; i++) {
      const m = ((i % maps) * 7919) % maps;
      const e = Math.floor(i / maps);
      const k = `key-${String(e).padStart(6, '0')}`;
      yield ['bench', SCOPES[m % 2], mapName(m), '1', k, time, 'amu', null, null, encrypt(hybridBenchValue(m, e, valueBytes))];
    }
  }
  function* descriptorRows() {
    for (let m = 0; m < maps; m++) yield ['bench', SCOPES[m % 2], mapName(m), null, time, 'amu', null, null, '1'];
  }
  if (spec.format === 'cqlsh') {
    checkCqlshFormatter();
    return {
      entryLines: () => cqlshTable(ENTRY_COLUMNS, entryRows(), total),
      descriptorLines: () => cqlshTable(DESCRIPTOR_COLUMNS, descriptorRows(), maps),
    };
  }
  return {
    entryLines: () => cqlDump('kvm_map_entry', ENTRY_COLUMNS, ENTRY_TYPES, entryRows(), total),
    descriptorLines: () => cqlDump('kvm_map_descriptor', DESCRIPTOR_COLUMNS, DESCRIPTOR_TYPES, descriptorRows(), maps),
  };
}

/** The streamed table must be what the test kit's cqlsh formatter prints for the same rows. */
function checkCqlshFormatter() {
  const rows = [
    ['bench', SCOPES[0], mapName(1), '1', 'key-000001', CQLSH_TIME, 'amu', null, null, 'QUJDREVGR0hJSktMTU5PUA=='],
    ['bench', SCOPES[1], mapName(2), '1', 'key-000002', CQLSH_TIME, 'amu', null, null, 'UUJDREVGR0hJSktMTU5PUA=='],
  ];
  const streamed = [...cqlshTable(ENTRY_COLUMNS, rows, 2)].join('');
  if (streamed !== formatCqlshTable(ENTRY_COLUMNS, rows, { pagingOff: true })) throw new Error('the bench cqlsh table differs from cqlsh formatting');
}
