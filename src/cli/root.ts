// Builds the yargs root of amu with every command group; tests call it in-process.
import yargs, { type Argv, type CommandModule } from 'yargs';
import { amuVersion } from '../version.js';
import { GLOBAL_OPTIONS, type PendingRun } from './command.js';
import { declareOptions } from './options.js';
import type { CommandTree } from './suggest.js';
import { commandGroups } from '../commands/index.js';

export interface CommandGroup {
  name: string;
  describe: string;
  commands: ((pending: PendingRun, env: NodeJS.ProcessEnv) => CommandModule)[];
}

function addGroup(y: Argv, group: CommandGroup, pending: PendingRun, env: NodeJS.ProcessEnv): Argv {
  return y.command(group.name, group.describe, (g) => {
    for (const make of group.commands) g.command(make(pending, env));
    return g.demandCommand(1, `name a command of "amu ${group.name}" (see amu ${group.name} --help)`);
  });
}

/** Every group with its command names, and the completion command, for suggestions on a misspelt command. */
export function commandTree(): CommandTree {
  return {
    groups: [
      ...commandGroups.map((g) => ({ name: g.name, commands: g.commands.map((make) => String(make({}, {}).command)) })),
      { name: 'completion', commands: [] },
    ],
  };
}

export function buildCli(env: NodeJS.ProcessEnv, pending: PendingRun, width = 100): Argv {
  let y = yargs()
    .scriptName('amu')
    .usage('amu <group> <command> [options]\n\nApigee Migration Utility: moves KVMs, encrypted values included, from Apigee Edge for Private Cloud and early Apigee hybrid to Apigee X or hybrid.')
    .version(amuVersion())
    .strict()
    .recommendCommands()
    .wrap(width);
  y = declareOptions(y, GLOBAL_OPTIONS);
  for (const group of commandGroups) y = addGroup(y, group, pending, env);
  return y
    .completion('completion', 'Print a bash/zsh completion script: amu completion >> ~/.bashrc')
    .demandCommand(1, 'name a command group (see amu --help)')
    .epilogue('Every option --some-thing may also be given as the environment variable SOME_THING; flags win. Manual: README-amu.md')
    .help();
}
