// The `amu kvms` group: its commands as help shows them; each one's module is loaded when it runs.
import type { CommandGroup } from '../../cli/command.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import { CQL_OPTIONS } from '../options/cqlConnection.js';
import { SOURCE_OPTIONS } from '../options/dumpSource.js';
import { KUBE_OPTIONS, POD_OPTIONS } from '../options/hybridCluster.js';
import { APIGEE_OPTIONS } from '../options/apigee.js';

export const kvmsGroup: CommandGroup = {
  name: 'kvms',
  describe: 'Key value maps: emigrate from Cassandra, export for the target, import into Apigee X / hybrid',
  commands: [
    {
      name: 'emigrate',
      describe: 'Dump the KVM rows of an organization from Cassandra into the emigrate folder',
      options: {
        src: OPTION.src,
        ...pick('org', 'emigrate-dir', 'reader', 'src-ver', 'cass-ip', 'cass-port', 'cassandra-cli', 'print-command', 'allow-empty'),
        ...CQL_OPTIONS,
        ...KUBE_OPTIONS,
        ...POD_OPTIONS,
      },
      examples: [
        ['amu kvms emigrate --src opdk --org myorg --emigrate-dir ./emigrate --cass-ip 10.0.0.4', 'Edge 4.50–4.52.00, with cassandra-cli'],
        ['amu kvms emigrate --src opdk --src-ver 4.53 --org myorg --emigrate-dir ./emigrate --cass-ip 10.0.0.4', 'Edge 4.52.02 and later, over CQL'],
        ['amu kvms emigrate --src opdk --org myorg --cass-ip 10.0.0.4 --print-command', 'the cassandra-cli command to run by hand where amu cannot run'],
        ['amu kvms emigrate --src hybrid --org myorg --emigrate-dir ./emigrate --hybrid-version 1.10.3', 'Apigee hybrid, with cqlsh in a client pod'],
        ['amu kvms emigrate --src hybrid --reader cql --org myorg --emigrate-dir ./emigrate', 'Apigee hybrid over CQL, through a port-forward'],
      ],
      load: () => import('./emigrate.js'),
    },
    {
      name: 'export',
      describe: 'Decrypt the dumped KVMs and write them for apigeecli or the apigee-config-maven-plugin',
      options: {
        ...SOURCE_OPTIONS,
        ...pick('export-dir', 'tgt', 'overwrite', 'include-custom-reports', 'apigeecli-naming', 'maven-project', 'maven-plugin-version', 'json'),
      },
      examples: [['KEK=$(amu kek export ...) amu kvms export --src opdk --org myorg --emigrate-dir ./emigrate --export-dir ./export --tgt apigeecli', 'Edge org to apigeecli files']],
      load: () => import('./export.js'),
    },
    {
      name: 'import',
      describe: 'Create and update the KVMs of a dump (or an export tree) in Apigee X / hybrid through the Apigee API',
      options: {
        ...SOURCE_OPTIONS,
        ...APIGEE_OPTIONS,
        'export-dir': { ...OPTION['export-dir'], describe: 'Import this amu export tree (either target) instead of the dump' },
        tgt: { ...OPTION.tgt, describe: 'With --export-dir: the kind of tree, apigeecli or maven' },
        ...pick('apigeecli-naming', 'include-custom-reports', 'dry-run', 'prune', 'json'),
      },
      examples: [
        ['KEK=... APIGEE_TOKEN=$(gcloud auth print-access-token) amu kvms import --src opdk --org edgeorg --emigrate-dir ./emigrate --tgt-org my-x-org', 'Edge dump into Apigee X'],
        ['amu kvms import --export-dir ./export --tgt apigeecli --tgt-org my-x-org --env-map test=dev --dry-run', 'Plan the import of an export tree'],
      ],
      load: () => import('./import.js'),
    },
    {
      name: 'verify',
      describe: 'Check that an export tree (or, with --live, the target organization) holds what the dump holds',
      options: {
        ...SOURCE_OPTIONS,
        'export-dir': { ...OPTION['export-dir'], describe: 'Folder of the export tree to check (written by "amu kvms export")' },
        ...pick('tgt', 'include-custom-reports', 'apigeecli-naming', 'json', 'live'),
        ...APIGEE_OPTIONS,
      },
      examples: [
        ['KEK=$(amu kek export ...) amu kvms verify --src opdk --org myorg --emigrate-dir ./emigrate --export-dir ./export --tgt apigeecli', 'Check an apigeecli export against its dump'],
        ['KEK=... APIGEE_TOKEN=... amu kvms verify --live --src opdk --org myorg --emigrate-dir ./emigrate --tgt-org my-x-org', 'Check the target organization against the dump'],
      ],
      load: () => import('./verify.js'),
    },
  ],
};
