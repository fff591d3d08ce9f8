// `amu kvms emigrate`: reads the org's KVM rows from Cassandra into the emigrate folder.
import { defineCommand, type PendingRun } from '../../cli/command.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';

interface EmigrateValues {
  [key: string]: unknown;
  src?: 'opdk';
  org?: string;
  'emigrate-dir'?: string;
  'cass-ip': string;
  'cass-port'?: number;
  'cassandra-cli'?: string;
}

export const kvmsEmigrateCommand = (pending: PendingRun, env: NodeJS.ProcessEnv) =>
  defineCommand<EmigrateValues>(
    {
      command: 'emigrate',
      describe: 'Dump the KVM rows of an organization from Cassandra into the emigrate folder',
      options: { src: { ...OPTION.src, choices: ['opdk'] }, ...pick('org', 'emigrate-dir', 'cass-ip', 'cass-port', 'cassandra-cli') },
      examples: [['amu kvms emigrate --src opdk --org myorg --emigrate-dir ./emigrate --cass-ip 10.0.0.4', 'Edge 4.50–4.52.00, with cassandra-cli']],
      required: () => ['src', 'org', 'emigrate-dir'],
      run: async (values, ctx) => {
        ctx.out.info(`Reading the KVMs of org ${values.org} from Cassandra at ${values['cass-ip']} with cassandra-cli...`);
        const { emigrateWithCassandraCli } = await import('../../core/emigrate/cassandraCli.js');
        const result = await emigrateWithCassandraCli({
          org: values.org!,
          emigrateDir: values['emigrate-dir']!,
          host: values['cass-ip'],
          ...(values['cass-port'] ? { port: values['cass-port'] } : {}),
          ...(values['cassandra-cli'] ? { cassandraCli: values['cassandra-cli'] } : {}),
          env: ctx.io.env,
          signal: ctx.signal,
          onCommand: (text) => ctx.out.debug(`running ${text}`),
        });
        ctx.out.result(`Wrote ${result.file}: ${result.rows} rows (KVMs and key pseudo-KVMs), ${result.bytes} bytes.`);
      },
    },
    pending,
    env,
  );
