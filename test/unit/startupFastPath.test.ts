// The start-up fast path (src/cli/fastPath.ts): which command lines it answers, in which language and at which width.
import { englishHelp, fastAnswer, helpPath, helpWidth, yargsLocale, type HelpTexts } from '../../src/cli/fastPath.js';

const TEXTS: HelpTexts = {
  '80': { '': 'root at 80\n', kvms: 'kvms at 80\n', 'kvms export': 'export at 80\n' },
  '100': { '': 'root at 100\n', kvms: 'kvms at 100\n', 'kvms export': 'export at 100\n' },
  '120': { '': 'root at 120\n' },
};
const answer = (args: string[], env: NodeJS.ProcessEnv = {}, columns?: number) => fastAnswer(args, env, columns, () => TEXTS, () => '9.9.9');

describe('fast path', () => {
  test('a bare --version is the version; --version with anything else is left to the CLI', () => {
    expect(answer(['--version'])).toBe('9.9.9\n');
    expect(answer(['kvms', '--version'])).toBeUndefined();
    expect(answer(['--version', '--debug'])).toBeUndefined();
  });

  test('help of the root, a group and a command, at the width yargs would use', () => {
    expect(answer(['--help'])).toBe('root at 100\n');
    expect(answer(['kvms', '--help'])).toBe('kvms at 100\n');
    expect(answer(['kvms', 'export', '--help'], {}, 80)).toBe('export at 80\n');
    expect(answer(['--help'], {}, 200)).toBe('root at 120\n');
  });

  test('anything else is left to the CLI: other words, options, orders, unknown paths and widths, missing texts', () => {
    for (const args of [[], ['kvms'], ['-h'], ['kvms', 'export', '--help', '--debug'], ['--help', 'kvms'], ['kvms', '--src', '--help'], ['kvms', 'export', 'x', '--help'], ['nope', '--help']]) {
      expect({ args, answer: answer(args) }).toEqual({ args, answer: undefined });
    }
    expect(answer(['kvms', 'export', '--help'], {}, 120)).toBeUndefined();
    expect(answer(['--help'], {}, 93)).toBeUndefined();
    expect(fastAnswer(['--help'], {}, undefined, () => undefined, () => '1')).toBeUndefined();
  });

  test('help only in English: the locale yargs would pick decides', () => {
    expect(answer(['--help'], { LANG: 'de_DE.UTF-8' })).toBeUndefined();
    expect(answer(['--help'], { LANG: 'en_US.UTF-8', LC_ALL: 'fr_FR' })).toBeUndefined();
    expect(answer(['--help'], { LC_ALL: '', LANG: 'pirate' })).toBeUndefined();
    for (const LANG of ['en_US.UTF-8', 'en_GB', 'en', 'C', 'C.UTF-8', 'POSIX', '']) expect(answer(['--help'], { LANG })).toBe('root at 100\n');
    expect(answer(['--version'], { LANG: 'de_DE' })).toBe('9.9.9\n');
  });

  test('the pieces', () => {
    expect(helpPath(['kvms', 'export', '--help'])).toBe('kvms export');
    expect(helpPath(['--help'])).toBe('');
    expect(helpPath(['KVMS', '--help'])).toBeUndefined();
    expect(helpWidth(undefined)).toBe(100);
    expect(helpWidth(60)).toBe(60);
    expect(helpWidth(300)).toBe(120);
    expect(yargsLocale({})).toBe('en_US');
    expect(yargsLocale({ LC_MESSAGES: 'cs_CZ.UTF-8@x', LANG: 'en_US' })).toBe('cs_CZ');
    expect(englishHelp({ LANGUAGE: 'ja' })).toBe(false);
  });
});
