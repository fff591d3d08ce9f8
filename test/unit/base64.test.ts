// isStrictBase64: the one linear base64 check, against Node's own round trip and on inputs of many megabytes.
import { randomBytes } from 'node:crypto';
import { decodeStrictBase64Bytes, isStrictBase64 } from '../../src/keys/base64.js';

const roundTrips = (text: string): boolean => Buffer.from(text, 'base64').toString('base64') === text;

describe('isStrictBase64', () => {
  test('accepts what Buffer encodes, of every length mod 3', () => {
    for (let n = 0; n < 50; n++) expect(isStrictBase64(randomBytes(n).toString('base64'))).toBe(true);
  });

  test.each([
    ['no padding where needed', 'QQ'],
    ['url alphabet', 'ab-_'],
    ['a blank', 'QUJD REVG'],
    ['a newline', 'QUJD\nREVG'],
    ['padding inside', 'QQ==QUJD'],
    ['three pads', 'Q==='],
    ['non-canonical bits (QR==)', 'QR=='],
    ['non-canonical bits (QUJ=)', 'QUJ='],
    ['non-ASCII', 'QUJé'],
    ['too long', 'QUJDR'],
  ])('refuses %s', (_what, text) => {
    expect(isStrictBase64(text)).toBe(false);
    expect(roundTrips(text)).toBe(false);
  });

  test('agrees with the round trip on every 4-character text over a small alphabet', () => {
    const alphabet = ['A', 'B', 'Q', 'g', 'w', '/', '+', '=', '-', ' '];
    for (const a of alphabet) for (const b of alphabet) for (const c of alphabet) for (const d of alphabet) {
      const text = a + b + c + d;
      expect([text, isStrictBase64(text)]).toEqual([text, roundTrips(text)]);
    }
  });

  test('20 MB of base64 (a 15 MB value) is checked without a stack overflow, in linear time', () => {
    const big = randomBytes(15 * 1024 * 1024).toString('base64');
    const started = performance.now();
    expect(isStrictBase64(big)).toBe(true);
    expect(isStrictBase64(`${big.slice(0, -4)}A=A=`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('decodeStrictBase64Bytes', () => {
  /** Strict texts, near misses (a bad character, stray or misplaced padding, non-canonical bits, non-ASCII) and random bytes. */
  function samples(): string[] {
    const texts = ['', 'AA==', 'AB==', 'AAA=', 'AAB=', '====', 'A===', 'AA=A', 'QUJD', 'QUJ', 'QU JD', 'QUJD\n', 'QUJ\u00e9', '-_-_'];
    for (let n = 0; n < 40; n++) {
      const good = randomBytes(n).toString('base64');
      texts.push(good, good.replace(/.$/, '*'), `${good}=`, good.replace(/^./, '\u0080'));
      texts.push(randomBytes(n).toString('latin1'));
    }
    return texts;
  }

  test('decodes exactly what isStrictBase64 accepts, to the bytes Buffer decodes; refuses the rest', () => {
    for (const text of samples()) {
      const bytes = Buffer.from(text, 'latin1');
      const out = Buffer.alloc(bytes.length + 8, 0xee);
      const written = decodeStrictBase64Bytes(bytes, 0, bytes.length, out, 3);
      if (isStrictBase64(text)) {
        expect({ text, bytes: out.subarray(3, 3 + written).toString('hex') }).toEqual({ text, bytes: Buffer.from(text, 'base64').toString('hex') });
        expect(out.subarray(0, 3).toString('hex')).toBe('eeeeee');
      } else {
        expect({ text, written }).toEqual({ text, written: -1 });
      }
    }
  });

  test('reads only its range', () => {
    const bytes = Buffer.from('xxQUJDyy', 'latin1');
    const out = Buffer.alloc(3);
    expect(decodeStrictBase64Bytes(bytes, 2, 6, out, 0)).toBe(3);
    expect(out.toString('latin1')).toBe('ABC');
  });
});
