// JSON.stringify(value, null, 2) as a stream of pieces (one per slice of an array), for large reports: the same text, never one string of all of it.

/** True for what JSON.stringify leaves out of objects (and writes as null in arrays). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** Array elements printed by one native call. */
const SLICE = 1024;

/**
 * The pieces of `JSON.stringify(value, null, 2)` for plain data (objects, arrays, strings, numbers, booleans, null;
 * no toJSON, no cycles), at `indent` (the caller's current indentation).
 */
export function* prettyJsonPieces(value: unknown, indent = ''): Generator<string> {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    // Elements by the native printer, a slice at a time (one call per slice, not per element), the slice's lines
    // indented to their place: JSON text has no raw newline inside strings, so every newline is a line break of the layout.
    const breakAt = `\n${indent}`;
    yield '[\n';
    for (let start = 0; start < value.length; start += SLICE) {
      const text = JSON.stringify(value.slice(start, start + SLICE), null, 2);
      // `[\n` + the elements, each indented by two, separated by `,\n` + `\n]`
      const body = text.slice(2, -2);
      yield (indent === '' ? body : indent + body.replaceAll('\n', breakAt)) + (start + SLICE < value.length ? ',\n' : '\n');
    }
    yield `${indent}]`;
    return;
  }
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const keys = Object.keys(value).filter((k) => !omitted((value as Record<string, unknown>)[k]));
    if (keys.length === 0) {
      yield '{}';
      return;
    }
    const inner = `${indent}  `;
    yield '{\n';
    for (let i = 0; i < keys.length; i++) {
      yield `${inner}${JSON.stringify(keys[i])}: `;
      yield* prettyJsonPieces((value as Record<string, unknown>)[keys[i]!], inner);
      yield i + 1 < keys.length ? ',\n' : '\n';
    }
    yield `${indent}}`;
    return;
  }
  yield JSON.stringify(value);
}

/** The pieces gathered into strings of about `size` characters (fewer, larger writes); large pieces pass as they are. */
export function* gathered(pieces: Iterable<string>, size = 1024 * 1024): Generator<string> {
  let batch: string[] = [];
  let chars = 0;
  for (const piece of pieces) {
    if (piece.length >= size / 4) {
      // A large piece goes as it is, after what was gathered before it (no copy of it into a batch).
      if (batch.length > 0) yield batch.join('');
      yield piece;
      batch = [];
      chars = 0;
      continue;
    }
    batch.push(piece);
    chars += piece.length;
    if (chars >= size) {
      yield batch.join('');
      batch = [];
      chars = 0;
    }
  }
  if (batch.length > 0) yield batch.join('');
}
