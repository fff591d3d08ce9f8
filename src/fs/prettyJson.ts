// JSON.stringify(value, null, 2) as a stream of pieces (one per array element), for large reports: the same text, never one string of all of it.

/** True for what JSON.stringify leaves out of objects (and writes as null in arrays). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

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
    // Each element by the native printer (a piece per element, not per token), its lines indented to their place:
    // JSON text has no raw newline inside strings, so every newline is a line break of the layout.
    const inner = `${indent}  `;
    const breakAt = `\n${inner}`;
    yield '[\n';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const text = omitted(item) ? 'null' : JSON.stringify(item, null, 2);
      yield inner + (text.includes('\n') ? text.replaceAll('\n', breakAt) : text) + (i + 1 < value.length ? ',\n' : '\n');
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

/** The pieces gathered into strings of about `size` characters (fewer, larger writes). */
export function* gathered(pieces: Iterable<string>, size = 1024 * 1024): Generator<string> {
  let batch: string[] = [];
  let chars = 0;
  for (const piece of pieces) {
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
