// The command groups of amu, in the order `amu --help` lists them (declarations only: no command module is loaded here).
import type { CommandGroup } from '../cli/command.js';
import { cassandraGroup } from './cassandra/index.js';
import { kekGroup } from './kek/index.js';
import { kvmsGroup } from './kvms/index.js';
import { organizationsGroup } from './organizations/index.js';

export const commandGroups: readonly CommandGroup[] = [kekGroup, kvmsGroup, organizationsGroup, cassandraGroup];
