// `amu organizations list`: hybrid: the org,env pairs of rtc_<org>_hybrid.contract_ref (cqlsh in amu's pod); Edge: kms.organizations over CQL.
import { defineCommand, type PendingRun } from '../../cli/command.js';
import type { RunContext } from '../../cli/context.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import { KUBE_OPTIONS, openClusterPod, POD_OPTIONS, type PodValues } from '../hybridCluster.js';
import { CQL_OPTIONS, openCqlConnection, type CqlValues } from '../cqlConnection.js';

/** Sources this command reads. */
const LIST_SOURCES = ['opdk', 'hybrid'] as const;

interface ListValues extends PodValues, CqlValues {
  src?: (typeof LIST_SOURCES)[number];
  org?: string;
}

/** The options each source needs. */
function requiredOptions(values: ListValues): string[] {
  // Edge: --cass-ip defaults to localhost (as its help says), so nothing beyond --src is needed.
  return values.src === 'hybrid' ? ['src', 'org', 'hybrid-version'] : ['src'];
}

/** Edge: one organization per line, from kms.organizations over CQL. */
async function listOpdk(values: ListValues, ctx: RunContext): Promise<void> {
  const { listOrganizationsOverCql } = await import('../../core/dump/cqlEmigrate.js');
  const connection = await openCqlConnection('opdk', values, ctx);
  try {
    const orgs = await listOrganizationsOverCql(connection.session);
    if (orgs.length === 0) ctx.out.info('kms.organizations holds no organization');
    for (const org of orgs) ctx.out.result(org);
  } finally {
    await connection.close();
  }
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
        src: { ...OPTION.src, choices: LIST_SOURCES },
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
      required: requiredOptions,
      run: async (values, ctx) => {
        if (values.src === 'opdk') await listOpdk(values, ctx);
        else await listHybrid(values, ctx);
      },
    },
    pending,
    env,
  );
