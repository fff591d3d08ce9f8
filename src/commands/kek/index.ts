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
        ['STOREPASS=... amu kek export --src opdk --vault /opt/apigee/data/apigee-mgmt-server/vault.dat', 'KEK of an Edge vault (the store password in the variable, out of ps)'],
        ['amu kek export --src hybrid --org my-org --env prod', 'the env KVM key (envKvmEncryptionKey) of my-org/prod'],
        ['amu kek export --src hybrid --org my-org --keys-file keys.json', 'every KVM key of my-org into keys.json (0600)'],
      ],
      required: (values) => (values.src === 'opdk' ? ['src', 'vault', 'storepass'] : values.src === 'hybrid' ? ['src', 'org'] : ['src']),
      load: () => import('./export.js'),
    },
    {
      name: 'rbac',
      describe: 'Print the ServiceAccount, Role and RoleBinding amu needs in a hybrid cluster, the Role naming the key secrets of the org and of --envs',
      options: {
        ...pick('org'),
        envs: { ...OPTION.envs, describe: 'Environments whose key secrets the Role names (for --env and --keys-file of kek export), comma-separated' },
        namespace: OPTION.namespace,
      },
      examples: [
        ['amu kek rbac --org my-org --envs dev,prod | kubectl apply -f -', 'amu\'s account in namespace apigee, allowed to read the KVM keys of my-org, dev and prod'],
      ],
      required: () => ['org'],
      load: () => import('./rbac.js'),
    },
  ],
};
