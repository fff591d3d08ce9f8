// The `amu kek` group: its commands as help shows them; each one's module is loaded when it runs.
import type { CommandGroup } from '../../cli/command.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import { KUBE_OPTIONS } from '../options/hybridCluster.js';

export const kekGroup: CommandGroup = {
  name: 'kek',
  describe: 'Keys that protect KVM values: the Edge KEK, the hybrid KVM keys',
  commands: [
    {
      name: 'export',
      describe: 'Print the KEK (Edge) or a KVM key (hybrid) as lowercase hex, or write every hybrid key of an org to a file',
      options: {
        src: OPTION.src,
        ...pick('vault', 'storepass', 'keypass', 'alias', 'org', 'env', 'secret'),
        'keys-file': { ...OPTION['keys-file'], describe: 'hybrid: write every KVM key of the org (org and environments) as JSON to this file (0600) instead of printing one' },
        ...pick('envs'),
        ...KUBE_OPTIONS,
      },
      examples: [
        [
          'STOREPASS=... amu kek export --src opdk --vault /opt/apigee/data/apigee-mgmt-server/vault.dat',
          'KEK of an Edge management server (store password from the variable, kept out of ps)',
        ],
        ['amu kek export --src hybrid --org my-org --env prod', 'the env KVM key (envKvmEncryptionKey) of my-org/prod'],
        ['amu kek export --src hybrid --org my-org --keys-file keys.json', 'every KVM key of my-org into keys.json (0600)'],
      ],
      load: () => import('./export.js'),
    },
  ],
};
