// `amu organizations list`: prints the org,env pairs the cluster serves (hybrid: from rtc_<org>_hybrid.contract_ref via cqlsh in amu's client pod).
import { defineCommand, type PendingRun } from '../../cli/command.js';
import type { RunContext } from '../../cli/context.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import { KUBE_OPTIONS, openClusterPod, POD_OPTIONS, type PodValues } from '../hybridCluster.js';

/** Sources this command reads; an `opdk` one (over CQL, kms.organizations) plugs in beside `hybrid`. */
const LIST_SOURCES = ['hybrid'] as const;

interface ListValues extends PodValues {
  src?: (typeof LIST_SOURCES)[number];
  org?: string;
}

/** The options each source needs. */
function requiredOptions(values: ListValues): string[] {
  return values.src === 'hybrid' ? ['src', 'org', 'hybrid-version'] : ['src'];
}

async function listHybrid(values: ListValues, ctx: RunContext): Promise<void> {
  const { checkHybridOrgName } = await import('../../core/hybrid/keyspaces.js');
  checkHybridOrgName(values.org!);
  const { kube, pod } = await openClusterPod(values, ctx);
  const { listOrgEnvPairs } = await import('../../core/hybrid/organizations.js');
  const result = await listOrgEnvPairs(kube, pod, values.org!, (text) => ctx.out.warn(text));
  if (result.pairs.length === 0) ctx.out.info(`${result.table} holds no org,env pair`);
  for (const pair of result.pairs) ctx.out.result(`${pair.org},${pair.env}`);
}

export const organizationsListCommand = (pending: PendingRun, env: NodeJS.ProcessEnv) =>
  defineCommand<ListValues>(
    {
      command: 'list',
      describe: 'Print the organization,environment pairs, one per line',
      options: {
        src: { ...OPTION.src, choices: LIST_SOURCES, describe: 'Source platform: hybrid' },
        ...pick('org'),
        ...KUBE_OPTIONS,
        ...POD_OPTIONS,
      },
      examples: [['amu organizations list --src hybrid --org my-org --hybrid-version 1.10.3', 'the environments of my-org']],
      required: requiredOptions,
      run: async (values, ctx) => {
        await listHybrid(values, ctx);
      },
    },
    pending,
    env,
  );
