// The yargs root: a command run does not render its help text (yargs would, by default), asked-for help still shows.
import type { Argv } from 'yargs';
import { buildCli } from '../../src/cli/root.js';
import { commandGroups } from '../../src/commands/index.js';
import type { PendingRun } from '../../src/cli/command.js';

type Usage = { hasCachedHelpMessage(): boolean; help(): string };
const usageOf = (y: Argv) => (y as unknown as { getInternalMethods(): { getUsageInstance(): Usage } }).getInternalMethods().getUsageInstance();

function parse(args: string[]): Promise<{ pending: PendingRun; usage: Usage; output: string }> {
  const pending: PendingRun = {};
  const parser = buildCli(commandGroups, {}, pending, 100);
  return new Promise((resolve) => {
    void parser.parse(args, {}, (_err, _argv, output) => resolve({ pending, usage: usageOf(parser), output }));
  });
}

describe('the yargs root', () => {
  test('choosing a command to run renders no help text', async () => {
    const { pending, usage } = await parse(['kvms', 'export', '--src', 'opdk', '--org', 'o', '--emigrate-dir', 'e', '--export-dir', 'x', '--tgt', 'maven']);
    expect(typeof pending.run).toBe('function');
    expect(usage.hasCachedHelpMessage()).toBe(false);
  });

  test('help asked for is rendered in full', async () => {
    const { pending, output } = await parse(['kvms', 'export', '--help']);
    expect(pending.run).toBeUndefined();
    expect(output).toContain('--export-dir');
    expect(output).toContain('Export (target, folder, layout):');
  });
});
