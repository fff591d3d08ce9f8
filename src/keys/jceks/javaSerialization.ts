// A minimal, strict reader of Java Object Serialization streams (AC ED 00 05), enough for JCEKS secret-key entries.

/** Base of the errors raised while reading binary input; `offset` is where reading failed. */
export class BinaryFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input ended before a value that had to be there. */
export class TruncatedDataError extends BinaryFormatError {}

/** The bytes are not a serialization stream we can read (malformed or using an unsupported feature). */
export class JavaSerializationError extends BinaryFormatError {}

/** A big-endian cursor over a buffer; every read is bounds-checked. */
export class ByteReader {
  private pos: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Throws a TruncatedDataError unless `n` more bytes are available. */
  need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new TruncatedDataError(
        `input ends early: ${what} needs ${n} byte(s) at offset ${this.pos}, only ${this.remaining} left`,
        this.pos,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.pos++);
  }

  peekU8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.pos);
  }

  i8(what: string): number {
    this.need(1, what);
    return this.buf.readInt8(this.pos++);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  i16(what: string): number {
    this.need(2, what);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  i64(what: string): bigint {
    this.need(8, what);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  f32(what: string): number {
    this.need(4, what);
    const v = this.buf.readFloatBE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Moves past the next `n` bytes. */
  skip(n: number, what: string): void {
    this.need(n, what);
    this.pos += n;
  }

  /** A copy of the next `n` bytes. */
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** A `DataInput.readUTF` string: u16 length, then modified UTF-8. */
  utf(what: string): string {
    const length = this.u16(`${what} length`);
    const start = this.pos;
    return decodeModifiedUtf8(this.bytes(length, what), start);
  }
}

/**
 * Decodes Java's modified UTF-8 (NUL as C0 80, supplementary characters as two 3-byte surrogates).
 * `offset` only locates errors.
 */
export function decodeModifiedUtf8(bytes: Buffer, offset = 0): string {
  const units: number[] = [];
  let i = 0;
  const bad = (): never => {
    throw new JavaSerializationError(`malformed modified UTF-8 at offset ${offset + i}`, offset + i);
  };
  const continuation = (at: number): number => {
    const b = bytes[at];
    if (b === undefined || (b & 0xc0) !== 0x80) bad();
    return (b as number) & 0x3f;
  };
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b <= 0x7f) {
      // Java writes NUL as C0 80 but its readers accept a plain 00 byte too.
      units.push(b);
      i += 1;
    } else if ((b & 0xe0) === 0xc0) {
      units.push(((b & 0x1f) << 6) | continuation(i + 1));
      i += 2;
    } else if ((b & 0xf0) === 0xe0) {
      units.push(((b & 0x0f) << 12) | (continuation(i + 1) << 6) | continuation(i + 2));
      i += 3;
    } else {
      bad();
    }
  }
  let out = '';
  for (let start = 0; start < units.length; start += 8192) {
    out += String.fromCharCode(...units.slice(start, start + 8192));
  }
  return out;
}

// Stream constants of java.io.ObjectStreamConstants.
const STREAM_MAGIC = 0xaced;
const STREAM_VERSION = 5;
const TC_NULL = 0x70;
const TC_REFERENCE = 0x71;
const TC_CLASSDESC = 0x72;
const TC_OBJECT = 0x73;
const TC_STRING = 0x74;
const TC_ARRAY = 0x75;
const TC_CLASS = 0x76;
const TC_BLOCKDATA = 0x77;
const TC_ENDBLOCKDATA = 0x78;
const TC_RESET = 0x79;
const TC_BLOCKDATALONG = 0x7a;
const TC_EXCEPTION = 0x7b;
const TC_LONGSTRING = 0x7c;
const TC_PROXYCLASSDESC = 0x7d;
const TC_ENUM = 0x7e;
const BASE_WIRE_HANDLE = 0x7e0000;

export const SC_WRITE_METHOD = 0x01;
export const SC_SERIALIZABLE = 0x02;
export const SC_EXTERNALIZABLE = 0x04;
export const SC_BLOCK_DATA = 0x08;
export const SC_ENUM = 0x10;

/** Marks a handle assigned to a class descriptor or enum whose reading has not finished. */
const PENDING = Symbol('pending');

/** Deepest nesting of objects we follow; real key objects nest 3 deep. */
const MAX_DEPTH = 64;

const TC_NAMES: Record<number, string> = {
  [TC_CLASS]: 'TC_CLASS',
  [TC_RESET]: 'TC_RESET',
  [TC_EXCEPTION]: 'TC_EXCEPTION',
  [TC_PROXYCLASSDESC]: 'TC_PROXYCLASSDESC',
};

/** Size in bytes of each primitive field type code. */
const PRIMITIVE_SIZES: Record<string, number> = { B: 1, C: 2, D: 8, F: 4, I: 4, J: 8, S: 2, Z: 1 };

export interface JavaFieldDesc {
  /** One of B C D F I J S Z (primitives), L (object), [ (array). */
  readonly typeCode: string;
  readonly name: string;
  /** JVM type signature of an object field, e.g. `Ljava/lang/String;` or `[B`. */
  readonly className?: string;
}

export interface JavaClassDesc {
  readonly kind: 'classDesc';
  readonly name: string;
  readonly serialVersionUID: bigint;
  readonly flags: number;
  readonly fields: readonly JavaFieldDesc[];
  readonly annotations: readonly JavaContent[];
  readonly superClass: JavaClassDesc | null;
}

/** The field values written for one class of an object's hierarchy. */
export interface JavaClassData {
  readonly className: string;
  readonly values: Map<string, JavaValue>;
  /** What a custom writeObject wrote after the default fields (SC_WRITE_METHOD). */
  readonly annotations: JavaContent[];
}

export interface JavaObject {
  readonly kind: 'object';
  readonly classDesc: JavaClassDesc;
  /** One entry per serializable class, the topmost superclass first. */
  readonly classData: JavaClassData[];
}

export interface JavaArray {
  readonly kind: 'array';
  readonly classDesc: JavaClassDesc;
  /** A Buffer for byte[]; one value per element otherwise. */
  readonly elements: Buffer | JavaValue[];
}

export interface JavaEnum {
  readonly kind: 'enum';
  readonly classDesc: JavaClassDesc;
  readonly constant: string;
}

export interface JavaBlockData {
  readonly kind: 'blockData';
  readonly bytes: Buffer;
}

export type JavaValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JavaObject
  | JavaArray
  | JavaEnum
  | JavaClassDesc;

export type JavaContent = JavaValue | JavaBlockData;

export interface ParsedJavaStream {
  /** The first object of the stream (what one `ObjectInputStream.readObject()` returns). */
  readonly value: JavaValue;
  /** How many bytes, from the start offset, the stream header and that object used. */
  readonly length: number;
}

/**
 * Reads the stream header and one object starting at `offset`, and reports how many bytes they
 * used, so a caller can find what follows (JCEKS entries have no length prefix).
 */
export function parseJavaSerialization(buf: Buffer, offset = 0): ParsedJavaStream {
  const parser = new StreamParser(new ByteReader(buf, offset));
  const value = parser.readStream();
  return { value, length: parser.reader.offset - offset };
}

/** The class name of an object, array or enum (`[B` for byte[]), or undefined for other values. */
export function javaClassName(value: JavaValue): string | undefined {
  if (value === null || typeof value !== 'object' || value.kind === 'classDesc') return undefined;
  return value.classDesc.name;
}

/** True when `value` is an object whose class, or one of its superclasses, is `className`. */
export function isInstanceOf(value: JavaValue, className: string): value is JavaObject {
  if (value === null || typeof value !== 'object' || value.kind !== 'object') return false;
  for (let desc: JavaClassDesc | null = value.classDesc; desc; desc = desc.superClass) {
    if (desc.name === className) return true;
  }
  return false;
}

/** The value of field `name`, as declared by the nearest class of the hierarchy that has it. */
export function getField(obj: JavaObject, name: string): JavaValue {
  for (let i = obj.classData.length - 1; i >= 0; i--) {
    const values = (obj.classData[i] as JavaClassData).values;
    if (values.has(name)) return values.get(name) as JavaValue;
  }
  throw new JavaSerializationError(`${obj.classDesc.name} has no serialized field "${name}"`, -1);
}

/** A non-null String field. */
export function getStringField(obj: JavaObject, name: string): string {
  const value = getField(obj, name);
  if (typeof value !== 'string') {
    throw new JavaSerializationError(`${obj.classDesc.name}.${name} is not a String`, -1);
  }
  return value;
}

/** A byte[] field. */
export function getByteArrayField(obj: JavaObject, name: string): Buffer {
  const value = getField(obj, name);
  if (value === null || typeof value !== 'object' || value.kind !== 'array' || !Buffer.isBuffer(value.elements)) {
    throw new JavaSerializationError(`${obj.classDesc.name}.${name} is not a byte[]`, -1);
  }
  return value.elements;
}

/** An enum field. */
export function getEnumField(obj: JavaObject, name: string): JavaEnum {
  const value = getField(obj, name);
  if (value === null || typeof value !== 'object' || value.kind !== 'enum') {
    throw new JavaSerializationError(`${obj.classDesc.name}.${name} is not an enum`, -1);
  }
  return value;
}

/** Recursive-descent parser of the grammar in the Java Object Serialization Specification, section 6.4. */
class StreamParser {
  /** Values by wire handle (minus 0x7E0000); PENDING while a class descriptor or enum is being read. */
  private readonly handles: (JavaValue | typeof PENDING)[] = [];
  private depth = 0;

  constructor(readonly reader: ByteReader) {}

  readStream(): JavaValue {
    const start = this.reader.offset;
    const magic = this.reader.u16('stream magic');
    if (magic !== STREAM_MAGIC) {
      throw new JavaSerializationError(
        `not a Java serialization stream: expected magic AC ED at offset ${start}, found ${hex4(magic)}`,
        start,
      );
    }
    const version = this.reader.u16('stream version');
    if (version !== STREAM_VERSION) {
      throw new JavaSerializationError(`unsupported serialization stream version ${version} (expected 5)`, start + 2);
    }
    return this.readObject('the stream object');
  }

  private fail(message: string, at = this.reader.offset): never {
    throw new JavaSerializationError(`${message} at offset ${at}`, at);
  }

  /** One `content`: an object or block data. */
  private readContent(what: string): JavaContent {
    const tc = this.reader.peekU8(what);
    if (tc === TC_BLOCKDATA || tc === TC_BLOCKDATALONG) return this.readBlockData();
    return this.readObject(what);
  }

  /** One `object` of the grammar; block data here is an error. */
  private readObject(what: string): JavaValue {
    if (++this.depth > MAX_DEPTH) this.fail(`objects nested deeper than ${MAX_DEPTH}`);
    try {
      return this.readObjectBody(what);
    } finally {
      this.depth--;
    }
  }

  private readObjectBody(what: string): JavaValue {
    const at = this.reader.offset;
    const tc = this.reader.u8(what);
    switch (tc) {
      case TC_NULL:
        return null;
      case TC_REFERENCE:
        return this.readReference(at);
      case TC_OBJECT:
        return this.readNewObject();
      case TC_STRING:
        return this.readNewString(false);
      case TC_LONGSTRING:
        return this.readNewString(true);
      case TC_ARRAY:
        return this.readNewArray();
      case TC_ENUM:
        return this.readNewEnum();
      case TC_CLASSDESC:
        return this.readNewClassDesc();
      case TC_BLOCKDATA:
      case TC_BLOCKDATALONG:
        return this.fail(`expected ${what} but found block data`, at);
      case TC_ENDBLOCKDATA:
        return this.fail(`expected ${what} but found TC_ENDBLOCKDATA`, at);
      default: {
        const name = TC_NAMES[tc];
        return name
          ? this.fail(`unsupported serialization element ${name} (${hex2(tc)})`, at)
          : this.fail(`invalid type code ${hex2(tc)} where ${what} was expected`, at);
      }
    }
  }

  private newHandle(value: JavaValue | typeof PENDING): void {
    this.handles.push(value);
  }

  private readReference(at: number): JavaValue {
    const handle = this.reader.i32('reference handle');
    const index = handle - BASE_WIRE_HANDLE;
    const value = this.handles[index];
    if (index < 0 || value === undefined) {
      this.fail(`reference to unknown handle ${hex8(handle)}`, at);
    }
    if (value === PENDING) {
      this.fail(`reference to handle ${hex8(handle)}, which is still being read`, at);
    }
    return value;
  }

  private readBlockData(): JavaBlockData {
    const tc = this.reader.u8('block data');
    const size = tc === TC_BLOCKDATA ? this.reader.u8('block data size') : this.reader.i32('block data size');
    if (size < 0) this.fail(`negative block data size ${size}`);
    return { kind: 'blockData', bytes: this.reader.bytes(size, 'block data') };
  }

  private readNewString(long: boolean): string {
    const at = this.reader.offset;
    let length: number;
    if (long) {
      const big = this.reader.i64('long string length');
      if (big < 0n) this.fail(`negative long string length ${big}`, at);
      if (big > BigInt(this.reader.remaining)) {
        throw new TruncatedDataError(`input ends early: a long string of ${big} bytes at offset ${at}`, at);
      }
      length = Number(big);
    } else {
      length = this.reader.u16('string length');
    }
    const start = this.reader.offset;
    const value = decodeModifiedUtf8(this.reader.bytes(length, 'string'), start);
    this.newHandle(value);
    return value;
  }

  /** A `classDesc`: a new one, a reference to one, or null. */
  private readClassDesc(what: string): JavaClassDesc | null {
    const at = this.reader.offset;
    const tc = this.reader.peekU8(what);
    if (tc !== TC_CLASSDESC && tc !== TC_REFERENCE && tc !== TC_NULL) {
      if (tc === TC_PROXYCLASSDESC) this.fail('unsupported serialization element TC_PROXYCLASSDESC (7d)', at);
      this.fail(`expected ${what} (a class descriptor) but found type code ${hex2(tc)}`, at);
    }
    const value = this.readObject(what);
    if (value !== null && (typeof value !== 'object' || value.kind !== 'classDesc')) {
      this.fail(`${what} refers to something that is not a class descriptor`, at);
    }
    return value;
  }

  private readNewClassDesc(): JavaClassDesc {
    const name = this.reader.utf('class name');
    const serialVersionUID = this.reader.i64('serialVersionUID');
    const handleIndex = this.handles.length;
    this.newHandle(PENDING);
    const flags = this.reader.u8('class descriptor flags');
    const fields = this.readFieldDescs(name);
    const annotations = this.readAnnotations(`class annotation of ${name}`);
    const superClass = this.readClassDesc(`superclass descriptor of ${name}`);
    const desc: JavaClassDesc = { kind: 'classDesc', name, serialVersionUID, flags, fields, annotations, superClass };
    this.handles[handleIndex] = desc;
    return desc;
  }

  private readFieldDescs(className: string): JavaFieldDesc[] {
    const count = this.reader.i16(`field count of ${className}`);
    if (count < 0) this.fail(`negative field count ${count} in ${className}`);
    const fields: JavaFieldDesc[] = [];
    for (let i = 0; i < count; i++) {
      const at = this.reader.offset;
      const typeCode = String.fromCharCode(this.reader.u8('field type code'));
      const name = this.reader.utf('field name');
      if (typeCode in PRIMITIVE_SIZES) {
        fields.push({ typeCode, name });
      } else if (typeCode === 'L' || typeCode === '[') {
        const signature = this.readObject(`type of field ${className}.${name}`);
        if (typeof signature !== 'string') this.fail(`type of field ${className}.${name} is not a string`, at);
        fields.push({ typeCode, name, className: signature });
      } else {
        this.fail(`invalid field type code '${typeCode}' for ${className}.${name}`, at);
      }
    }
    return fields;
  }

  /** `contents` up to and including TC_ENDBLOCKDATA. */
  private readAnnotations(what: string): JavaContent[] {
    const contents: JavaContent[] = [];
    while (this.reader.peekU8(what) !== TC_ENDBLOCKDATA) {
      contents.push(this.readContent(what));
    }
    this.reader.u8(what);
    return contents;
  }

  private readNewObject(): JavaObject {
    const at = this.reader.offset;
    const classDesc = this.readClassDesc('class descriptor of an object');
    if (classDesc === null) this.fail('object with a null class descriptor', at);
    const obj: JavaObject = { kind: 'object', classDesc, classData: [] };
    this.newHandle(obj);
    for (const desc of classHierarchy(classDesc)) {
      obj.classData.push(this.readClassData(desc));
    }
    return obj;
  }

  private readClassData(desc: JavaClassDesc): JavaClassData {
    const at = this.reader.offset;
    if (desc.flags & SC_EXTERNALIZABLE) {
      this.fail(`unsupported externalizable class ${desc.name}`, at);
    }
    if (!(desc.flags & SC_SERIALIZABLE)) {
      this.fail(`class ${desc.name} is neither serializable nor externalizable`, at);
    }
    const values = new Map<string, JavaValue>();
    for (const field of desc.fields) {
      values.set(field.name, this.readFieldValue(desc.name, field));
    }
    const annotations = desc.flags & SC_WRITE_METHOD ? this.readAnnotations(`writeObject data of ${desc.name}`) : [];
    return { className: desc.name, values, annotations };
  }

  private readFieldValue(className: string, field: JavaFieldDesc): JavaValue {
    if (field.typeCode === 'L' || field.typeCode === '[') {
      return this.readObject(`value of ${className}.${field.name}`);
    }
    return this.readPrimitive(field.typeCode, `${className}.${field.name}`);
  }

  private readPrimitive(typeCode: string, what: string): JavaValue {
    const r = this.reader;
    switch (typeCode) {
      case 'B':
        return r.i8(what);
      case 'C':
        return r.u16(what);
      case 'D':
        return r.f64(what);
      case 'F':
        return r.f32(what);
      case 'I':
        return r.i32(what);
      case 'J':
        return r.i64(what);
      case 'S':
        return r.i16(what);
      case 'Z': {
        const b = r.u8(what);
        if (b > 1) this.fail(`boolean ${what} has value ${b}`, r.offset - 1);
        return b === 1;
      }
      default:
        return this.fail(`invalid primitive type code '${typeCode}' for ${what}`);
    }
  }

  private readNewArray(): JavaArray {
    const at = this.reader.offset;
    const classDesc = this.readClassDesc('class descriptor of an array');
    if (classDesc === null || !classDesc.name.startsWith('[') || classDesc.name.length < 2) {
      this.fail('array with a missing or non-array class descriptor', at);
    }
    const elementCode = classDesc.name.charAt(1);
    const array: { kind: 'array'; classDesc: JavaClassDesc; elements: Buffer | JavaValue[] } = {
      kind: 'array',
      classDesc,
      elements: [],
    };
    this.newHandle(array);
    const size = this.reader.i32(`length of ${classDesc.name}`);
    if (size < 0) this.fail(`negative length ${size} for ${classDesc.name}`, at);
    // Every element takes at least one byte: this stops absurd lengths before any allocation.
    this.reader.need(size * (PRIMITIVE_SIZES[elementCode] ?? 1), `${size} element(s) of ${classDesc.name}`);
    array.elements = this.readArrayElements(elementCode, size, classDesc.name);
    return array;
  }

  private readArrayElements(elementCode: string, size: number, arrayName: string): Buffer | JavaValue[] {
    if (elementCode === 'B') return this.reader.bytes(size, arrayName);
    const primitive = elementCode in PRIMITIVE_SIZES;
    if (!primitive && elementCode !== 'L' && elementCode !== '[') {
      this.fail(`invalid array class ${arrayName}`);
    }
    const elements: JavaValue[] = [];
    for (let i = 0; i < size; i++) {
      elements.push(
        primitive ? this.readPrimitive(elementCode, `${arrayName}[${i}]`) : this.readObject(`${arrayName}[${i}]`),
      );
    }
    return elements;
  }

  private readNewEnum(): JavaEnum {
    const at = this.reader.offset;
    const classDesc = this.readClassDesc('class descriptor of an enum');
    if (classDesc === null || !(classDesc.flags & SC_ENUM)) {
      this.fail('enum constant whose class descriptor is not an enum', at);
    }
    const handleIndex = this.handles.length;
    this.newHandle(PENDING);
    const nameAt = this.reader.offset;
    const constant = this.readObject(`constant name of enum ${classDesc.name}`);
    if (typeof constant !== 'string') this.fail(`constant name of enum ${classDesc.name} is not a string`, nameAt);
    const value: JavaEnum = { kind: 'enum', classDesc, constant };
    this.handles[handleIndex] = value;
    return value;
  }
}

/** The class and its serializable superclasses, the topmost first. */
function classHierarchy(desc: JavaClassDesc): JavaClassDesc[] {
  const chain: JavaClassDesc[] = [];
  for (let d: JavaClassDesc | null = desc; d; d = d.superClass) {
    chain.unshift(d);
  }
  return chain;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
