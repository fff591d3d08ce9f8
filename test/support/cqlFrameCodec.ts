// Readers and writers for the CQL native protocol v4 notations and value serialisations (big-endian).

/** A request body that does not follow the protocol: answered with a PROTOCOL_ERROR (0x000A). */
export class ProtocolViolation extends Error {}

/** A bound value that does not fit its column's type: answered with an INVALID error (0x2200). */
export class InvalidValue extends Error {}

/** Column types the test server can store and serialise. */
export type CqlColumnType =
  | 'text'
  | 'int'
  | 'bigint'
  | 'timestamp'
  | 'blob'
  | 'boolean'
  | 'uuid'
  | 'inet'
  | 'set<text>'
  | 'map<text,text>';

export interface CqlColumnDef {
  name: string;
  type: CqlColumnType;
}

/** Option ids of the [option] type notation (spec 4.2.5.2). */
const TYPE_ID = {
  bigint: 0x0002,
  blob: 0x0003,
  boolean: 0x0004,
  int: 0x0009,
  timestamp: 0x000b,
  uuid: 0x000c,
  varchar: 0x000d,
  inet: 0x0010,
  map: 0x0021,
  set: 0x0022,
} as const;

/** Sequential reader of a frame body. */
export class BodyReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  remaining(): number {
    return this.buf.length - this.offset;
  }

  private take(n: number): Buffer {
    if (n < 0 || this.offset + n > this.buf.length) {
      throw new ProtocolViolation(`Not enough bytes to read: needed ${n}, ${this.remaining()} left`);
    }
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  byte(): number {
    return this.take(1).readUInt8(0);
  }

  short(): number {
    return this.take(2).readUInt16BE(0);
  }

  int(): number {
    return this.take(4).readInt32BE(0);
  }

  long(): bigint {
    return this.take(8).readBigInt64BE(0);
  }

  string(): string {
    return this.take(this.short()).toString('utf8');
  }

  longString(): string {
    return this.take(this.int()).toString('utf8');
  }

  bytes(): Buffer | null {
    const n = this.int();
    return n < 0 ? null : this.take(n);
  }

  /** A [value]: null for -1, 'unset' for -2. */
  value(): Buffer | null | 'unset' {
    const n = this.int();
    if (n === -1) return null;
    if (n === -2) return 'unset';
    if (n < -2) throw new ProtocolViolation(`Invalid [value] length ${n}`);
    return this.take(n);
  }

  shortBytes(): Buffer {
    return this.take(this.short());
  }

  stringList(): string[] {
    const n = this.short();
    return Array.from({ length: n }, () => this.string());
  }

  stringMap(): Record<string, string> {
    const n = this.short();
    const out: Record<string, string> = {};
    for (let i = 0; i < n; i++) out[this.string()] = this.string();
    return out;
  }

  bytesMap(): Map<string, Buffer | null> {
    const n = this.short();
    const out = new Map<string, Buffer | null>();
    for (let i = 0; i < n; i++) out.set(this.string(), this.bytes());
    return out;
  }
}

/** Growable big-endian writer of a frame body. */
export class BodyWriter {
  private buf = Buffer.allocUnsafe(256);
  private length = 0;

  /** Makes room for n bytes and returns their offset (call before touching `this.buf`: it may be replaced). */
  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  byte(v: number): this {
    const at = this.reserve(1);
    this.buf.writeUInt8(v, at);
    return this;
  }

  short(v: number): this {
    const at = this.reserve(2);
    this.buf.writeUInt16BE(v, at);
    return this;
  }

  int(v: number): this {
    const at = this.reserve(4);
    this.buf.writeInt32BE(v, at);
    return this;
  }

  long(v: bigint): this {
    const at = this.reserve(8);
    this.buf.writeBigInt64BE(v, at);
    return this;
  }

  raw(b: Buffer): this {
    const at = this.reserve(b.length);
    b.copy(this.buf, at);
    return this;
  }

  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.short(b.length).raw(b);
  }

  bytes(b: Buffer | null): this {
    return b === null ? this.int(-1) : this.int(b.length).raw(b);
  }

  shortBytes(b: Buffer): this {
    return this.short(b.length).raw(b);
  }

  stringList(list: readonly string[]): this {
    this.short(list.length);
    for (const s of list) this.string(s);
    return this;
  }

  stringMultimap(map: Record<string, readonly string[]>): this {
    const keys = Object.keys(map);
    this.short(keys.length);
    for (const k of keys) this.string(k).stringList(map[k] ?? []);
    return this;
  }

  /** The [option] describing a column type (spec 4.2.5.2). */
  typeOption(type: CqlColumnType): this {
    switch (type) {
      case 'text':
        return this.short(TYPE_ID.varchar);
      case 'set<text>':
        return this.short(TYPE_ID.set).short(TYPE_ID.varchar);
      case 'map<text,text>':
        return this.short(TYPE_ID.map).short(TYPE_ID.varchar).short(TYPE_ID.varchar);
      default:
        return this.short(TYPE_ID[type]);
    }
  }

  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Serialises a stored cell (spec section 6); null stays null. */
export function encodeCell(type: CqlColumnType, v: unknown): Buffer | null {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'text':
      return Buffer.from(String(v), 'utf8');
    case 'int':
      return int32(Number(v));
    case 'bigint':
      return int64(BigInt(v as bigint | number));
    case 'timestamp':
      return int64(BigInt(v instanceof Date ? v.getTime() : (v as number)));
    case 'blob':
      return Buffer.from(v as Buffer);
    case 'boolean':
      return Buffer.from([v ? 1 : 0]);
    case 'uuid':
      return Buffer.from(String(v).replace(/-/g, ''), 'hex');
    case 'inet':
      return Buffer.from(String(v).split('.').map(Number));
    case 'set<text>':
      return encodeCollection(
        (v as string[]).length,
        (v as string[]).map((s) => Buffer.from(s, 'utf8')),
      );
    case 'map<text,text>': {
      const entries = Object.entries(v as Record<string, string>);
      return encodeCollection(
        entries.length,
        entries.flatMap(([k, x]) => [Buffer.from(k, 'utf8'), Buffer.from(x, 'utf8')]),
      );
    }
  }
}

/** Reads a bound value sent by the client as the column's type; a wrong size is an INVALID error. */
export function decodeCell(type: CqlColumnType, b: Buffer | null): unknown {
  if (b === null) return null;
  switch (type) {
    case 'text':
      return b.toString('utf8');
    case 'int':
      expectSize(b, 4, 'int');
      return b.readInt32BE(0);
    case 'bigint':
      expectSize(b, 8, 'long');
      return b.readBigInt64BE(0);
    case 'timestamp':
      expectSize(b, 8, 'timestamp');
      return new Date(Number(b.readBigInt64BE(0)));
    case 'blob':
      return Buffer.from(b);
    case 'boolean':
      expectSize(b, 1, 'boolean');
      return b[0] !== 0;
    case 'uuid':
      expectSize(b, 16, 'UUID');
      return formatUuid(b);
    case 'inet':
      return Array.from(b).join('.');
    case 'set<text>':
    case 'map<text,text>':
      throw new InvalidValue(`Collections cannot be bound in this server (${type})`);
  }
}

/** Equality of two stored or decoded cells of one column type. */
export function cellsEqual(type: CqlColumnType, a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  const ea = encodeCell(type, a);
  const eb = encodeCell(type, b);
  return ea !== null && eb !== null && ea.equals(eb);
}

function expectSize(b: Buffer, size: number, name: string): void {
  if (b.length !== size && b.length !== 0) {
    throw new InvalidValue(`Expected ${size} or 0 byte ${name} (${b.length})`);
  }
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

function int64(n: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(n, 0);
  return b;
}

/** A collection: [int] entry count, then each element (a map: key and value) as [bytes]. */
function encodeCollection(count: number, elements: Buffer[]): Buffer {
  const w = new BodyWriter();
  w.int(count);
  for (const e of elements) w.bytes(e);
  return w.toBuffer();
}

function formatUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
