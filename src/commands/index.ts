// The command groups of amu, in the order `amu --help` lists them.
import type { CommandGroup } from '../cli/root.js';
import { cassandraBackupCommand } from './cassandra/backup.js';
import { cassandraCqlshCommand } from './cassandra/cqlsh.js';
import { kekExportCommand } from './kek/export.js';
import { kvmsEmigrateCommand } from './kvms/emigrate.js';
import { kvmsExportCommand } from './kvms/export.js';
import { kvmsImportCommand } from './kvms/import.js';
import { kvmsVerifyCommand } from './kvms/verify.js';
import { organizationsListCommand } from './organizations/list.js';

export const commandGroups: CommandGroup[] = [
  { name: 'kek', describe: 'Keys that protect KVM values: the Edge KEK, the hybrid KVM keys', commands: [kekExportCommand] },
  { name: 'kvms', describe: 'Key value maps: emigrate from Cassandra, export for the target, import into Apigee X / hybrid', commands: [kvmsEmigrateCommand, kvmsExportCommand, kvmsImportCommand, kvmsVerifyCommand] },
  { name: 'organizations', describe: 'Organizations and their environments', commands: [organizationsListCommand] },
  { name: 'cassandra', describe: "Cassandra of Apigee hybrid: cqlsh in amu's client pod, table backups", commands: [cassandraCqlshCommand, cassandraBackupCommand] },
];
