// The `amu organizations` group: its commands as help shows them; each one's module is loaded when it runs.
import type { CommandGroup } from '../../cli/command.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import { CQL_OPTIONS } from '../options/cqlConnection.js';
import { KUBE_OPTIONS, POD_OPTIONS } from '../options/hybridCluster.js';

export const organizationsGroup: CommandGroup = {
  name: 'organizations',
  describe: 'Organizations and their environments',
  commands: [
    {
      name: 'list',
      describe: 'Print the organization,environment pairs, one per line',
      options: {
        src: { ...OPTION.src, choices: ['opdk', 'hybrid'] },
        ...pick('org', 'cass-ip'),
        ...CQL_OPTIONS,
        ...KUBE_OPTIONS,
        ...POD_OPTIONS,
      },
      examples: [
        ['amu organizations list --src hybrid --org my-org --hybrid-version 1.10.3', 'the environments of my-org'],
        ['amu organizations list --src opdk', 'the organizations of the Edge installation whose Cassandra runs on this host (over CQL)'],
        ['amu organizations list --src opdk --cass-ip 10.0.0.4', 'the same, with Cassandra on another host'],
      ],
      load: () => import('./list.js'),
    },
  ],
};
