// `amu organizations list`: hybrid: the org,env pairs of rtc_<org>_hybrid.contract_ref (cqlsh in amu's pod); Edge: kms.organizations over CQL.
import type { CommandHandler } from '../../cli/command.js';
import type { RunContext } from '../../cli/context.js';
import { openClusterPod, type PodValues } from '../options/hybridCluster.js';
import { openCqlConnection, type CqlValues } from '../options/cqlConnection.js';

interface ListValues extends PodValues, CqlValues {
  src?: 'opdk' | 'hybrid';
  org?: string;
}

/** The options each source needs. */
function requiredOptions(values: ListValues): string[] {
  // Edge: --cass-ip defaults to localhost (as its help says), so nothing beyond --src is needed.
  return values.src === 'hybrid' ? ['src', 'org', 'hybrid-version'] : ['src'];
}

/** Edge: one organization per line, from kms.organizations over CQL. */
async function listEdge(values: ListValues, ctx: RunContext): Promise<void> {
  const { listOrganizationsOverCql } = await import('../../cluster/organizations.js');
  const connection = await openCqlConnection('edge', values, ctx);
  try {
    const orgs = await listOrganizationsOverCql(connection.session);
    if (orgs.length === 0) ctx.out.info('kms.organizations holds no organization');
    for (const org of orgs) ctx.out.result(org);
  } finally {
    await connection.close();
  }
}

async function listHybrid(values: ListValues, ctx: RunContext): Promise<void> {
  const { checkHybridOrgName } = await import('../../cluster/keyspaces.js');
  checkHybridOrgName(values.org!);
  const { kube, pod } = await openClusterPod(values, ctx);
  const { listOrgEnvPairs } = await import('../../cluster/organizations.js');
  const result = await listOrgEnvPairs(kube, pod, values.org!, (text) => ctx.out.warn(text));
  if (result.pairs.length === 0) ctx.out.info(`${result.table} holds no org,env pair`);
  for (const pair of result.pairs) ctx.out.result(`${pair.org},${pair.env}`);
}

export const handler: CommandHandler<ListValues> = {
  required: requiredOptions,
  run: async (values, ctx) => {
    if (values.src === 'opdk') await listEdge(values, ctx);
    else await listHybrid(values, ctx);
  },
};
