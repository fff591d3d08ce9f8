// bin/amu and the bundle answer --version and help from texts rendered at build time: the same bytes the full CLI prints, or the full CLI answers.
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { helpPaths, renderHelp } from '../../src/cli/helpTexts.js';
import { HELP_WIDTHS, type HelpTexts } from '../../src/cli/fastPath.js';
import { runAmu } from '../support/runAmu.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AMU = path.join(ROOT, 'bin', 'amu');
const HOOK = path.join(ROOT, 'test', 'support', 'traceImports.mjs');
const DIST_TEXTS = path.join(ROOT, 'dist', 'cli', 'help-texts.json');
const VERSION = (JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const PATHS = helpPaths();
const argsOf = (helpPath: string) => [...(helpPath === '' ? [] : helpPath.split(' ')), '--help'];

/** Preloaded: says on exit whether zlib was loaded (the bundle's CLI part is decompressed with it; CommonJS loads pass no import hook). */
const ZLIB_PROBE = `process.on('exit', () => process._rawDebug('zlib loaded: ' + process.moduleLoadList.includes('NativeModule zlib')));`;
const zlibLoaded = (stderr: string) => /^zlib loaded: true$/m.test(stderr);

/** Runs a script with node, in a clean environment (no locale unless given), with the module-tracing hook and the zlib probe. */
function run(script: string, args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, ['--import', HOOK, '--import', `data:text/javascript,${encodeURIComponent(ZLIB_PROBE)}`, script, ...args], { reject: false, extendEnv: false, env: { PATH: process.env.PATH ?? '', ...env } });
}

/** Runs a script with stdout closed before it writes (`amu --help | head -0`): exit code and stderr. */
function runClosedStdout(script: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.destroy();
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const imports = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('import: '));
const withoutImports = (stderr: string) => stderr.split('\n').filter((l) => !l.startsWith('import: ') && !l.startsWith('zlib loaded: ')).join('\n');

/** The full CLI's answer in this process, with `LANG` set for yargs (which reads the process environment). */
async function fullCli(args: string[], lang?: string) {
  const saved = { LC_ALL: process.env.LC_ALL, LC_MESSAGES: process.env.LC_MESSAGES, LANG: process.env.LANG, LANGUAGE: process.env.LANGUAGE };
  for (const name of Object.keys(saved)) delete process.env[name];
  if (lang !== undefined) process.env.LANG = lang;
  try {
    return await runAmu(args);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('help texts rendered at build time', () => {
  test('every group, every command, the root and completion have one', () => {
    expect(PATHS).toEqual(expect.arrayContaining(['', 'kvms', 'kvms export', 'kek export', 'cassandra backup', 'completion']));
    expect(PATHS.length).toBeGreaterThanOrEqual(14);
  });

  test('dist/cli/help-texts.json (npm run build) holds, at every width, what the full CLI prints now', async () => {
    const stored = JSON.parse(await readFile(DIST_TEXTS, 'utf8')) as HelpTexts;
    expect(Object.keys(stored).sort()).toEqual(HELP_WIDTHS.map(String).sort());
    for (const width of HELP_WIDTHS) {
      for (const p of PATHS) expect({ width, path: p, text: stored[String(width)]?.[p] }).toEqual({ width, path: p, text: await renderHelp(p, width) });
    }
    // The widths differ where lines are long: each width is rendered, not copied.
    expect(stored['80']!['kvms export']).not.toBe(stored['120']!['kvms export']);
  });
});

describe('bin/amu', () => {
  test.each(PATHS)('"%s --help": the full CLI\'s text, exit 0, without loading the CLI or yargs', async (helpPath) => {
    const [r, full] = await Promise.all([run(AMU, argsOf(helpPath)), fullCli(argsOf(helpPath))]);
    expect({ code: r.exitCode, stdout: `${r.stdout}\n`, stderr: withoutImports(r.stderr) }).toEqual({ code: 0, stdout: full.stdout, stderr: '' });
    expect(imports(r.stderr).filter((l) => /\/dist\/cli\/main\.js$|\/node_modules\/yargs\//.test(l))).toEqual([]);
  });

  test.each([[['--version']], [['kvms', '--help']]])('%j with stdout closed before it writes: exit 0, nothing on stderr', async (args) => {
    expect(await runClosedStdout(AMU, args)).toEqual({ code: 0, stderr: '' });
  });

  test('in another language the full CLI answers, in that language', async () => {
    const r = await run(AMU, ['kvms', '--help'], { LANG: 'de_DE.UTF-8' });
    const full = await fullCli(['kvms', '--help'], 'de_DE.UTF-8');
    expect(`${r.stdout}\n`).toBe(full.stdout);
    expect(r.stdout).toMatch(/Optionen:/);
    expect(imports(r.stderr).some((l) => /\/node_modules\/yargs\//.test(l))).toBe(true);
  });

  test('help texts older than the compiled CLI (a tsc run since npm run build) are not used', async () => {
    // A copy of the fast path's modules with a help-texts.json that says something else, older or newer than main.js.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'amu-fastpath-'));
    try {
      await mkdir(path.join(dir, 'dist', 'cli'), { recursive: true });
      for (const f of ['cli/distFastPath.js', 'cli/fastPath.js', 'version.js', 'assets.js']) await copyFile(path.join(ROOT, 'dist', f), path.join(dir, 'dist', f));
      await copyFile(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
      const texts = path.join(dir, 'dist', 'cli', 'help-texts.json');
      const main = path.join(dir, 'dist', 'cli', 'main.js');
      await writeFile(texts, JSON.stringify({ '100': { kvms: 'stored kvms help\n' } }));
      await writeFile(main, '');
      const ask = async () => {
        const probe = `import { answerFromDist } from ${JSON.stringify(path.join(dir, 'dist', 'cli', 'distFastPath.js'))}; process.stdout.write(JSON.stringify(answerFromDist(['kvms', '--help'], {}, undefined) ?? null));`;
        return JSON.parse((await execa(process.execPath, ['--input-type=module', '-e', probe])).stdout) as string | null;
      };
      await utimes(main, new Date(1_000_000), new Date(1_000_000));
      expect(await ask()).toBe('stored kvms help\n');
      await utimes(main, new Date(), new Date());
      await utimes(texts, new Date(2_000_000), new Date(2_000_000));
      expect(await ask()).toBeNull();
      await rm(texts);
      expect(await ask()).toBeNull();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the bundle (npm run bundle)', () => {
  let work: string;
  let bundle: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'amu-bundle-test-'));
    bundle = path.join(work, 'amu.cjs');
    const script = `import { bundle } from ${JSON.stringify(path.join(ROOT, 'scripts', 'bundle.mjs'))}; await bundle(${JSON.stringify(bundle)});`;
    await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
  }, 180_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('is one script of printable ASCII, the CLI part compressed on its last line', async () => {
    const text = await readFile(bundle, 'latin1');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(text).not.toMatch(/[^\n\x20-\x7e]/);
    expect(text.split('\n').at(-2)).toMatch(/^\/\/amu-payload:[A-Za-z0-9+/]+=*$/);
    expect(text).toMatch(/^\/\/ Bundled license information:$/m);
  });

  test('--version and every help text as the full CLI prints them, without decompressing the CLI part', async () => {
    const version = await run(bundle, ['--version']);
    expect([version.stdout, zlibLoaded(version.stderr)]).toEqual([VERSION, false]);
    for (const helpPath of PATHS) {
      const [r, full] = await Promise.all([run(bundle, argsOf(helpPath)), fullCli(argsOf(helpPath))]);
      expect({ helpPath, code: r.exitCode, stdout: `${r.stdout}\n`, zlib: zlibLoaded(r.stderr) }).toEqual({ helpPath, code: 0, stdout: full.stdout, zlib: false });
    }
  });

  test('anything else runs the CLI part: a usage error as the full CLI reports it', async () => {
    const r = await run(bundle, ['kvms', 'export']);
    const full = await fullCli(['kvms', 'export']);
    expect({ code: r.exitCode, stderr: `${withoutImports(r.stderr)}\n` }).toEqual({ code: full.code, stderr: full.stderr });
    expect(r.exitCode).toBe(2);
  });

  test('in any locale: the bundled yargs has no translations (they are files it would read), its CLI part speaks English too', async () => {
    const english = (await fullCli(['kvms', '--help'])).stdout;
    const fast = await run(bundle, ['kvms', '--help'], { LANG: 'de_DE.UTF-8' });
    // --quiet changes nothing in help but leaves the fast path: the CLI part answers.
    const cliPart = await run(bundle, ['kvms', '--quiet', '--help'], { LANG: 'de_DE.UTF-8' });
    expect([`${fast.stdout}\n`, `${cliPart.stdout}\n`]).toEqual([english, english]);
    expect([zlibLoaded(fast.stderr), zlibLoaded(cliPart.stderr)]).toEqual([false, true]);
  });

  test.each([[['--version']], [['--help']]])('%j with stdout closed before it writes: exit 0, nothing on stderr', async (args) => {
    expect(await runClosedStdout(bundle, args)).toEqual({ code: 0, stderr: '' });
  });

  test('a bundle whose last line was cut off says it is damaged', async () => {
    const damaged = path.join(work, 'damaged.cjs');
    const text = await readFile(bundle, 'latin1');
    await writeFile(damaged, text.slice(0, text.length - 1000));
    const r = await run(damaged, ['kvms', 'export']);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/damaged\.cjs is damaged: the compressed CLI at its end does not decompress/);
    expect((await run(damaged, ['--help'])).exitCode).toBe(0);
  });
});
