// Commands are declared once and their modules loaded only when they run: `amu --version` and help load none of them.
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const AMU = fileURLToPath(new URL('../../bin/amu', import.meta.url));
const HOOK = fileURLToPath(new URL('../support/traceImports.mjs', import.meta.url));

/** The module URLs `bin/amu <args>` loads (npm test builds dist/ first). */
async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const r = await execa(process.execPath, ['--import', HOOK, AMU, ...args], { reject: false, env: { PATH: process.env.PATH } });
  expect(r.exitCode).toBe(0);
  return r.stderr.split('\n').filter((l) => l.startsWith('import: ')).map((l) => l.slice('import: '.length));
}

/** What only a running command may load: command modules, the pipeline, adapters and their libraries. */
function heavy(urls: string[]): string[] {
  return urls.filter(
    (u) =>
      /\/node_modules\/(cassandra-driver|@kubernetes|execa|fast-xml-parser|cli-progress|ws)\//.test(u) ||
      /\/dist\/(emigrate|dumps|keys|export|verify|cluster|adapters|fs|kvm)\//.test(u) ||
      /\/dist\/commands\/(kek|kvms|organizations|cassandra)\/(?!index\.js$)/.test(u),
  );
}

describe('lazy command loading', () => {
  test('a bare amu --version is answered by bin/amu: neither the CLI nor yargs is loaded', async () => {
    const loaded = await modulesLoadedBy(['--version']);
    expect(loaded.some((u) => u.endsWith('/dist/version.js'))).toBe(true);
    expect(loaded.filter((u) => u.endsWith('/dist/cli/main.js') || /\/node_modules\/yargs\//.test(u))).toEqual([]);
    expect(heavy(loaded)).toEqual([]);
  });

  test('amu kvms --version loads the CLI and the declarations, no command module and no heavy library', async () => {
    const loaded = await modulesLoadedBy(['kvms', '--version']);
    expect(loaded.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(loaded.some((u) => u.endsWith('/dist/commands/kvms/index.js'))).toBe(true);
    expect(heavy(loaded)).toEqual([]);
  });

  test('amu kvms export --help loads nothing of the export either', async () => {
    expect(heavy(await modulesLoadedBy(['kvms', 'export', '--help']))).toEqual([]);
  });

  test('the hook sees a running command load its module (so the test above can fail)', async () => {
    const r = await execa(process.execPath, ['--import', HOOK, AMU, 'kvms', 'verify', '--src', 'opdk'], { reject: false, env: { PATH: process.env.PATH } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/import: \S+\/dist\/commands\/kvms\/verify\.js/);
  });
});
