// `amu kek rbac`: prints the ServiceAccount, Role and RoleBinding amu needs in a hybrid cluster, naming the org's and the environments' key secrets.
import type { CommandHandler } from '../../cli/command.js';

type KekRbacValues = {
  org?: string;
  envs?: string;
  namespace: string;
};

export const handler: CommandHandler<KekRbacValues> = {
  run: async (values, ctx) => {
    const { renderRbac } = await import('../../cluster/rbac.js');
    const { parseEnvList } = await import('../../keys/hybridKeySecrets.js');
    const envs = values.envs !== undefined ? parseEnvList(values.envs) : [];
    ctx.out.resultText(renderRbac({ org: values.org!, envs, namespace: values.namespace }));
  },
};
