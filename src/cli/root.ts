// Builds the yargs root of amu from the command groups it is given; main passes the catalogue of src/commands.
import yargs, { type Argv } from 'yargs';
import { amuVersion } from '../version.js';
import { commandModule, GLOBAL_OPTIONS, type CommandGroup, type PendingRun } from './command.js';
import { declareOptions } from './options.js';
import type { CommandTree } from './suggest.js';

function addGroup(y: Argv, group: CommandGroup, pending: PendingRun, env: NodeJS.ProcessEnv): Argv {
  return y.command(group.name, group.describe, (g) => {
    for (const declaration of group.commands) g.command(commandModule(declaration, pending, env));
    return g.demandCommand(1, `name a command of "amu ${group.name}" (see amu ${group.name} --help)`);
  });
}

/** Every group with its command names, and the completion command, for suggestions on a misspelt command. */
export function commandTree(groups: readonly CommandGroup[]): CommandTree {
  return {
    groups: [...groups.map((g) => ({ name: g.name, commands: g.commands.map((c) => c.name) })), { name: 'completion', commands: [] }],
  };
}

export function buildCli(groups: readonly CommandGroup[], env: NodeJS.ProcessEnv, pending: PendingRun, width = 100): Argv {
  let y = yargs()
    .scriptName('amu')
    .usage('amu <group> <command> [options]\n\nApigee Migration Utility: moves KVMs, encrypted values included, from Apigee Edge for Private Cloud and early Apigee hybrid to Apigee X or hybrid.')
    .version(amuVersion())
    .strict()
    .recommendCommands()
    .wrap(width);
  y = declareOptions(y, GLOBAL_OPTIONS);
  for (const group of groups) y = addGroup(y, group, pending, env);
  y = y
    .completion('completion', 'Print a bash/zsh completion script: amu completion >> ~/.bashrc')
    .demandCommand(1, 'name a command group (see amu --help)')
    .epilogue('Every option --some-thing may also be given as the environment variable SOME_THING; flags win. Manual: README-amu.md')
    .help();
  skipHelpCaching(y);
  return y;
}

/** The part of yargs' internals that renders the chosen command's help once its handler has started. */
interface UsageInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * yargs renders the whole help of the command it runs right after starting the handler (in case the handler asks
 * for it later; amu's never do): 40-90 ms of text layout on every run. Help that is asked for is rendered as before.
 */
function skipHelpCaching(y: Argv): void {
  const usage = (y as unknown as UsageInternals).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}
