// The `amu cassandra` group: its commands as help shows them; each one's module is loaded when it runs.
import type { CommandGroup } from '../../cli/command.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import { KUBE_OPTIONS, POD_OPTIONS } from '../options/hybridCluster.js';

export const cassandraGroup: CommandGroup = {
  name: 'cassandra',
  describe: "Cassandra of Apigee hybrid: cqlsh in amu's client pod, table backups",
  commands: [
    {
      name: 'cqlsh',
      describe: "Open cqlsh on hybrid's Cassandra, in amu's client pod (credentials stay in the pod)",
      options: { org: { ...OPTION.org, describe: 'Organization: cqlsh starts in its KVM keyspace kvm_<org>_hybrid' }, ...KUBE_OPTIONS, ...POD_OPTIONS },
      examples: [
        ['amu cassandra cqlsh --hybrid-version 1.10.3 --org my-org', 'cqlsh in keyspace kvm_my_org_hybrid'],
        ['echo "DESCRIBE KEYSPACES;" | amu cassandra cqlsh --hybrid-version 1.10.3', 'CQL from a pipe, output on stdout'],
      ],
      load: () => import('./cqlsh.js'),
    },
    {
      name: 'backup',
      describe: 'Back up Cassandra tables as CSV files, one per table (hybrid: every non-system keyspace, or only the org\'s with --org)',
      options: {
        src: { ...OPTION.src, choices: ['hybrid'], describe: 'Source platform: hybrid' },
        org: { ...OPTION.org, describe: 'Only the keyspaces of this organization (<kind>_<org>_hybrid); default every non-system keyspace' },
        ...pick('backup-dir'),
        ...KUBE_OPTIONS,
        ...POD_OPTIONS,
      },
      examples: [['amu cassandra backup --src hybrid --org my-org --backup-dir ./backup --hybrid-version 1.10.3', 'the tables of my-org, one CSV each']],
      load: () => import('./backup.js'),
    },
  ],
};
