// Hex text <-> key bytes; error messages describe what is wrong without ever echoing the key.

import { UsageError } from '../errors.js';

const KEY_DIGITS: readonly number[] = [32, 48, 64];
const HEX_DIGIT = /^[0-9a-fA-F]$/;

/**
 * Parses an AES key given as hex: surrounding whitespace and one `0x`/`0X` prefix are ignored;
 * exactly 32, 48 or 64 hex digits (AES-128/192/256) are accepted. `what` names the key in errors
 * ("--kek"). Errors give the digit count or the 1-based position (in `text`) of the first bad character, never the key.
 */
export function parseHexKey(text: string, what: string): Buffer {
  const trimmed = text.trim();
  const digits = stripPrefix(trimmed);
  const bad = firstNonHexIndex(digits);
  if (bad !== -1) {
    const position = text.indexOf(trimmed) + (trimmed.length - digits.length) + bad + 1;
    throw new UsageError(`${what}: character ${position} is not a hex digit (0-9, a-f)`, [
      `Give the key as ${KEY_DIGITS.join(', ')} hex digits, e.g. as printed by \`amu\`; an optional 0x prefix is allowed.`,
    ]);
  }
  if (!KEY_DIGITS.includes(digits.length)) {
    throw new UsageError(`${what}: has ${digits.length} hex digits; an AES key has 32 (AES-128), 48 (AES-192) or 64 (AES-256)`);
  }
  return Buffer.from(digits, 'hex');
}

/** Lowercase hex, exactly two digits per byte (never drops leading zeros). */
export function toHex(buf: Uint8Array): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('hex');
}

function stripPrefix(text: string): string {
  return text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
}

/** Index of the first character that is not a hex digit, or -1. */
function firstNonHexIndex(digits: string): number {
  for (let i = 0; i < digits.length; i++) {
    if (!HEX_DIGIT.test(digits[i])) return i;
  }
  return -1;
}
