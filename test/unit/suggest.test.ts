// Suggestions for misspelt commands and flags: edit distance with swaps, a closeness limit, unique prefixes.
import { closest, editDistance, explainUnknown } from '../../src/cli/suggest.js';
import { exampleComment, exampleLines } from '../../src/cli/command.js';

describe('suggestions', () => {
  test('edit distance counts a swap of neighbours as one', () => {
    expect(editDistance('kvsm', 'kvms')).toBe(1);
    expect(editDistance('export-dri', 'export-dir')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });

  test('closest: near enough, or the one name a prefix begins; nothing otherwise', () => {
    expect(closest('exprot', ['emigrate', 'export', 'verify'])).toBe('export');
    expect(closest('EXPORT', ['emigrate', 'export', 'verify'])).toBe('export');
    expect(closest('maven-proj', ['maven-project', 'maven-plugin-version'])).toBe('maven-project');
    expect(closest('maven', ['maven-project', 'maven-plugin-version'])).toBeUndefined();
    expect(closest('xyz', ['kvms', 'kek'])).toBeUndefined();
    expect(closest('orgs', ['kek', 'kvms', 'organizations', 'cassandra', 'completion'])).toBe('organizations');
    expect(closest('cass', ['kek', 'kvms', 'organizations', 'cassandra', 'completion'])).toBe('cassandra');
  });

  test('explainUnknown names the unknown word at its level; a known command line is no problem', () => {
    const tree = { groups: [{ name: 'kvms', commands: ['export', 'verify'] }, { name: 'completion', commands: [] }] };
    expect(explainUnknown(['kvms', 'exprot'], tree, undefined)?.message).toBe('unknown command "exprot" of amu kvms');
    expect(explainUnknown(['--debug', 'kvsm'], tree, undefined)?.details).toEqual(['Did you mean "amu kvms"?']);
    expect(explainUnknown(['kvms', 'export', '--tgt', 'x', '--no-overwrite', '--debug'], tree, ['tgt', 'overwrite'])).toBeUndefined();
    expect(explainUnknown(['kvms', 'export', '--tgts=x', '-z'], tree, ['tgt'])).toEqual({
      message: 'unknown options --tgts, -z',
      details: ['--tgts: did you mean --tgt?'],
      helpFor: 'amu kvms export',
    });
  });

  test('examples break only before an option, continued with a backslash, within the width', () => {
    const lines = exampleLines('KEY="a b c" amu kvms export --src opdk --org myorg --emigrate-dir ./emigrate --export-dir ./export --tgt apigeecli', 60);
    expect(lines).toEqual(['KEY="a b c" amu kvms export --src opdk --org myorg \\', '    --emigrate-dir ./emigrate --export-dir ./export \\', '    --tgt apigeecli']);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
  });

  test('a long example description becomes several comment lines within the width', () => {
    const lines = exampleComment('the organizations of the Edge installation whose Cassandra runs on this host (over CQL)', 40);
    expect(lines).toEqual(['# the organizations of the Edge', '# installation whose Cassandra runs on', '# this host (over CQL)']);
    expect(exampleComment('short')).toEqual(['# short']);
  });
});
