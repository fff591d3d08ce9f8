// A guard run before JSON.parse on dump text: absurd nesting is refused before it costs ~100 bytes of memory per byte.

/**
 * Text shorter than this is not checked: at ~100 bytes of memory per byte, even the worst 64 KB costs a few MB,
 * and the short rows of a large dump are spared the scan.
 */
export const DEPTH_CHECK_MIN_LENGTH = 64 * 1024;

/** KVM rows nest two levels (an array of {name, value}); CQL dump lines one or two. Far more is not a dump. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when `text`, read as JSON, opens more than `max` arrays or objects inside each other. Strings are
 * skipped whole (a `[` inside a string is text), jumping from quote to quote, so the check is linear and
 * cheap on rows that are mostly string. Malformed text is not judged here: JSON.parse reports it.
 */
export function jsonNestingExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  if (text.length < DEPTH_CHECK_MIN_LENGTH) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let close = i;
      for (;;) {
        close = text.indexOf('"', close + 1);
        if (close < 0) return false;
        let backslashes = 0;
        while (text.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      i = close;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
