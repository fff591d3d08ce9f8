// Help that guides (required marks, groups, unbroken examples) and usage errors that suggest (unknown names, ignored options).
import { runAmu } from '../support/runAmu.js';
import { commandGroups } from '../../src/commands/index.js';
import { OPTION } from '../../src/cli/optionCatalog.js';

const commands = commandGroups.flatMap((g) => g.commands.map((c) => ({ group: g.name, name: c.name })));

/** The lines of one section of a help text (`Examples:`), up to the next blank line. */
function section(help: string, title: string): string[] {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l === title);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** Help with line breaks and padding collapsed, so marks can be matched whatever the wrapping. */
const flat = (help: string) => help.replace(/\s+/g, ' ');

describe('help', () => {
  test('required options are marked, per source where it matters', async () => {
    const help = flat((await runAmu(['kvms', 'export', '--help'])).stdout);
    expect(help).toMatch(/--export-dir Folder [^[]*\[required\] \[env: EXPORT_DIR\]/);
    expect(help).toMatch(/--src Source platform[^[]*\[required\] \[env: SRC\]/);
    expect(help).toMatch(/--kek [^[]*\[required with --src opdk\] \[env: KEK\]/);
    expect(help).toMatch(/--dek [^[]*\[required with --src hybrid: this or --keys-file\] \[env: DEK\]/);
    expect(help).not.toMatch(/--overwrite [^[]*\[required/);
    const emigrate = flat((await runAmu(['kvms', 'emigrate', '--help'])).stdout);
    expect(emigrate).toMatch(/--hybrid-version [^[]*\[required with --src hybrid, unless --reader cql\]/);
    const verify = flat((await runAmu(['kvms', 'verify', '--help'])).stdout);
    expect(verify).toMatch(/--org Organization name \[required unless the export's report has it\]/);
  });

  test.each(commands)('$group $name: every option it always needs is marked required', async ({ group, name }) => {
    const help = flat((await runAmu([group, name, '--help'])).stdout);
    const r = await runAmu([group, name]);
    const missing = [...r.stderr.matchAll(/^ {2}--([a-z-]+) {2}\(or/gm)].map((m) => m[1]!);
    expect(missing.length).toBeGreaterThan(0);
    for (const flag of missing) expect(help).toMatch(new RegExp(`--${flag} [^\\[]*(\\[[^\\]]*\\] )*\\[required`));
  });

  test.each(commands)('$group $name: options are grouped; the plain "Options:" list holds only --help and --version', async ({ group, name }) => {
    const help = (await runAmu([group, name, '--help'])).stdout;
    const plain = section(help, 'Options:').map((l) => l.trim().split(/\s+/)[0]);
    expect(plain.sort()).toEqual(['--help', '--version']);
    expect(help).toMatch(/^Output:$/m);
  });

  test('kvms emigrate groups Cassandra, CQL and Kubernetes options apart', async () => {
    const help = (await runAmu(['kvms', 'emigrate', '--help'])).stdout;
    expect(section(help, 'CQL connection (--reader cql; organizations list on Edge):').join('\n')).toMatch(/--cql-port[\s\S]*--cass-tls[\s\S]*--page-size/);
    expect(section(help, 'Kubernetes and the cqlsh client pod (hybrid):').join('\n')).toMatch(/--kubeconfig[\s\S]*--hybrid-version/);
    expect(section(help, 'Reading Cassandra:').join('\n')).toMatch(/--reader[\s\S]*--cassandra-cli/);
  });

  test('every catalog option has a help group', () => {
    for (const [flag, spec] of Object.entries(OPTION)) expect({ flag, group: typeof spec.group }).toEqual({ flag, group: 'string' });
  });

  test.each(commands)('$group $name: examples fit 80 columns and break only between options, with a continuation', async ({ group, name }) => {
    const examples = section((await runAmu([group, name, '--help'])).stdout, 'Examples:');
    expect(examples.length).toBeGreaterThan(1);
    examples.forEach((line, i) => {
      expect(line.length).toBeLessThanOrEqual(80);
      const previous = examples[i - 1];
      if (previous !== undefined && previous.endsWith(' \\')) expect(line.trim()).toMatch(/^--[a-z]/);
      else expect(line.trim()).toMatch(/^(# |amu |[A-Z_]+=|echo )/);
    });
  });

  test('there are examples for maven and for hybrid', async () => {
    const exportHelp = (await runAmu(['kvms', 'export', '--help'])).stdout;
    expect(exportHelp).toMatch(/--tgt maven/);
    expect(exportHelp).toMatch(/--src hybrid/);
    const verifyHelp = (await runAmu(['kvms', 'verify', '--help'])).stdout;
    expect(verifyHelp).toMatch(/--tgt maven/);
    expect(verifyHelp).toMatch(/hybrid/);
  });

  test('amu completion --help prints help, not the script', async () => {
    for (const flag of ['--help', '-h']) {
      const r = await runAmu(['completion', flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^amu completion\n/);
      expect(r.stdout).toContain('amu completion >> ~/.bashrc');
      expect(r.stdout).not.toContain('_amu_yargs_completions');
    }
  });
});

describe('usage errors', () => {
  test.each([
    [['kvsm'], 'unknown command "kvsm"', 'Did you mean "amu kvms"?', 'Run "amu --help"'],
    [['kvms', 'exprot'], 'unknown command "exprot" of amu kvms', 'Did you mean "amu kvms export"?', 'Run "amu kvms --help"'],
    [['kek', 'exprt', '--src', 'opdk'], 'unknown command "exprt" of amu kek', 'Did you mean "amu kek export"?', 'Run "amu kek --help"'],
    [['kvms', 'export', '--export-dri', 'x'], 'unknown option --export-dri', '--export-dri: did you mean --export-dir?', 'Run "amu kvms export --help"'],
    [['kvms', 'verify', '--include-custom-report'], 'unknown option --include-custom-report', 'did you mean --include-custom-reports?', 'Run "amu kvms verify --help"'],
    [['kvms', 'emigrate', '--cas-ip', 'h', '--src', 'opdk'], 'unknown option --cas-ip', 'did you mean --cass-ip?', 'Run "amu kvms emigrate --help"'],
  ])('amu %j: says what is unknown and suggests the closest, exit 2', async (args, unknown, suggestion, help) => {
    const r = await runAmu(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`error: ${unknown}\n`);
    expect(r.stderr).toContain(suggestion);
    expect(r.stderr).toContain(help);
  });

  test('nothing close: unknown, without a wrong guess', async () => {
    const r = await runAmu(['kvms', 'export', '--zzzzzzzz']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: unknown option --zzzzzzzz\n');
    expect(r.stderr).not.toMatch(/did you mean/i);
  });

  const folders = ['--org', 'o', '--emigrate-dir', '/nonexistent/amu-emigrate'];
  const exportArgs = ['kvms', 'export', ...folders, '--export-dir', '/nonexistent/amu-export', '--kek', '00112233445566778899aabbccddeeff'];
  test.each([
    [[...exportArgs, '--src', 'opdk', '--tgt', 'maven', '--dek', '00112233445566778899aabbccddeeff'], '--dek is ignored: it applies to --src hybrid only, not --src opdk'],
    [[...exportArgs, '--src', 'opdk', '--tgt', 'maven', '--keys-file', 'k.json'], '--keys-file is ignored: it applies to --src hybrid only, not --src opdk'],
    [[...exportArgs, '--src', 'opdk', '--tgt', 'apigeecli', '--maven-project'], '--maven-project is ignored: it applies to --tgt maven only, not --tgt apigeecli'],
    [[...exportArgs, '--src', 'opdk', '--tgt', 'maven', '--apigeecli-naming', 'legacy'], '--apigeecli-naming is ignored: it applies to --tgt apigeecli only, not --tgt maven'],
    [['kvms', 'emigrate', ...folders, '--src', 'opdk', '--reader', 'cql', '--cass-port', '9160', '--cql-port', '1', '--cass-ip', '127.0.0.1'], '--cass-port is ignored: it applies to the cassandra-cli reader only, and this run uses cql'],
    [['kvms', 'emigrate', ...folders, '--src', 'opdk', '--cql-port', '1', '--cassandra-cli', '/bin/false'], '--cql-port is ignored: it applies to the cql reader only, and this run uses cassandra-cli'],
    [['kvms', 'emigrate', ...folders, '--src', 'hybrid', '--reader', 'cql', '--hybrid-version', '1.10.3', '--cass-ip', '127.0.0.1', '--cass-username', 'u', '--cql-port', '1'], '--hybrid-version is ignored: it applies to the cqlsh-pod reader only, and this run uses cql'],
    [['kek', 'export', '--src', 'opdk', '--vault', '/no/vault', '--storepass', 'pw', '--namespace', 'x'], '--namespace is ignored: it applies to --src hybrid only, not --src opdk'],
  ])('amu %j warns that an option does not apply, naming it and why', async (args, warning) => {
    const r = await runAmu(args, { AMU_CQL_RETRY_DELAY_MS: '1' });
    expect(r.stderr).toContain(`warning: ${warning}\n`);
    expect(r.code).not.toBe(2);
  });

  test('a variable that does not apply is not a warning (it may be set for other runs); --debug says so', async () => {
    const env = { SRC: 'opdk', ORG: 'o', EMIGRATE_DIR: '/nonexistent/amu-emigrate', EXPORT_DIR: '/nonexistent/amu-export', TGT: 'apigeecli', KEK: '00112233445566778899aabbccddeeff', DEK: 'ffeeddccbbaa99887766554433221100' };
    const r = await runAmu(['kvms', 'export'], env);
    expect(r.stderr).not.toContain('warning:');
    const debug = await runAmu(['kvms', 'export', '--debug'], env);
    expect(debug.stderr).toContain('debug: DEK is set but not used: --dek applies to --src hybrid only, not --src opdk');
  });
});
