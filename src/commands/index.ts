// The command groups of amu, in the order `amu --help` lists them.
import type { CommandGroup } from '../cli/root.js';
import { kekExportCommand } from './kek/export.js';
import { kvmsEmigrateCommand } from './kvms/emigrate.js';
import { kvmsExportCommand } from './kvms/export.js';

export const commandGroups: CommandGroup[] = [
  { name: 'kek', describe: 'Keys that protect KVM values: the Edge KEK, the hybrid KVM keys', commands: [kekExportCommand] },
  { name: 'kvms', describe: 'Key value maps: emigrate from Cassandra, export for the target', commands: [kvmsEmigrateCommand, kvmsExportCommand] },
];
