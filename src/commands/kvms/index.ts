// The `amu kvms` group: its commands as help shows them; each one's module is loaded when it runs.
import type { CommandGroup, OptionValues } from '../../cli/command.js';
import { OPTION, pick } from '../../cli/optionCatalog.js';
import type { OptionSpec } from '../../cli/options.js';
import { CQL_OPTIONS } from '../options/cqlConnection.js';
import { requiredSourceOptions, SOURCE_OPTIONS } from '../options/dumpSource.js';
import { KUBE_OPTIONS, POD_OPTIONS } from '../options/hybridCluster.js';
import { APIGEE_OPTIONS } from '../options/apigee.js';

/** emigrate: the options each source and reader need. */
function emigrateRequired(values: OptionValues): string[] {
  if (values['print-command']) return ['src', 'org'];
  const always = ['src', 'org', 'emigrate-dir'];
  if (values.src !== 'hybrid') return always;
  return (values.reader ?? 'cqlsh-pod') === 'cqlsh-pod' ? [...always, 'hybrid-version'] : always;
}

/** verify: an option whose default is what the export recorded, declared without one so a value given is told apart. */
function recordedDefault(spec: OptionSpec, fallback: string): OptionSpec {
  const { default: _unused, ...rest } = spec;
  return { ...rest, describe: `${spec.describe} (default: what the export recorded, else ${fallback})` };
}

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
      required: emigrateRequired,
      requiredNotes: { 'hybrid-version': 'required with --src hybrid, unless --reader cql', 'emigrate-dir': 'required unless --print-command' },
      load: () => import('./emigrate.js'),
    },
    {
      name: 'export',
      describe: 'Decrypt the dumped KVMs and write them for apigeecli or the apigee-config-maven-plugin',
      options: {
        ...SOURCE_OPTIONS,
        ...pick('export-dir', 'tgt', 'overwrite', 'include-custom-reports', 'apigeecli-naming', 'maven-project', 'maven-plugin-version', 'export-threads', 'json'),
      },
      examples: [
        ['KEK=$(amu kek export ...) amu kvms export --src opdk --org myorg --emigrate-dir ./emigrate --export-dir ./export --tgt apigeecli', 'Edge org to apigeecli files and import-kvms.sh'],
        ['amu kvms export --src opdk --org myorg --emigrate-dir ./emigrate --export-dir ./export --tgt maven --maven-project', 'Edge org to a maven project (KEK in the variable)'],
        ['amu kvms export --src hybrid --org myorg --keys-file keys.json --emigrate-dir ./emigrate --export-dir ./export --tgt apigeecli', 'hybrid org, keys from "amu kek export --src hybrid --keys-file keys.json"'],
      ],
      required: (values) => [...requiredSourceOptions(values), 'export-dir', 'tgt'],
      load: () => import('./export.js'),
    },
    {
      name: 'import',
      describe: 'Create and update the KVMs of a dump (or an export tree) in Apigee X / hybrid through the Apigee API',
      options: {
        ...SOURCE_OPTIONS,
        ...APIGEE_OPTIONS,
        'export-dir': { ...OPTION['export-dir'], describe: 'Import this amu export tree (either target) instead of the dump' },
        tgt: { ...OPTION.tgt, describe: "With --export-dir: the kind of tree, apigeecli or maven (default: what the export's report recorded)" },
        'apigeecli-naming': recordedDefault(OPTION['apigeecli-naming'], 'current'),
        ...pick('include-custom-reports', 'dry-run', 'prune', 'json'),
      },
      examples: [
        ['KEK=... APIGEE_TOKEN=$(gcloud auth print-access-token) amu kvms import --src opdk --org edgeorg --emigrate-dir ./emigrate --tgt-org my-x-org', 'Edge dump into Apigee X'],
        ['amu kvms import --export-dir ./export --tgt-org my-x-org --env-map test=dev --dry-run', "Plan the import of an export tree (its report says the kind)"],
      ],
      required: (values) => [...(values['export-dir'] ? ['tgt'] : requiredSourceOptions(values)), 'tgt-org'],
      requiredNotes: {
        ...Object.fromEntries(['src', 'org', 'emigrate-dir'].map((flag) => [flag, 'required unless --export-dir'])),
        tgt: "required with --export-dir unless the export's report has it",
      },
      load: () => import('./import.js'),
    },
    {
      name: 'verify',
      describe: 'Check that an export tree (or, with --live, the target organization) holds what the dump holds',
      options: {
        ...SOURCE_OPTIONS,
        'export-dir': { ...OPTION['export-dir'], describe: 'Folder of the export tree to check (written by "amu kvms export"; its report supplies the options left out)' },
        tgt: OPTION.tgt,
        'include-custom-reports': recordedDefault(OPTION['include-custom-reports'], 'false'),
        'apigeecli-naming': recordedDefault(OPTION['apigeecli-naming'], 'current'),
        'export-threads': {
          ...OPTION['export-threads'],
          describe: 'Worker threads that decrypt an Edge cassandra-cli dump while the main thread reads the tree (default: the cores less one, at most 4; 0: all on the main thread)',
        },
        ...pick('json', 'live'),
        ...APIGEE_OPTIONS,
      },
      examples: [
        ['KEK=... amu kvms verify --export-dir ./export', 'Check an export against its dump, as its report recorded them'],
        ['amu kvms verify --export-dir ./export', 'A hybrid export made with --keys-file: the report names the file'],
        ['KEK=... amu kvms verify --src opdk --org myorg --emigrate-dir ./emigrate --export-dir ./export --tgt maven', 'Every option given (an export without a report)'],
        ['KEK=... APIGEE_TOKEN=... amu kvms verify --live --src opdk --org myorg --emigrate-dir ./emigrate --tgt-org my-x-org', 'Check the target organization against the dump'],
      ],
      required: (values) => (values.live ? [...requiredSourceOptions(values), 'tgt-org'] : ['export-dir', ...requiredSourceOptions(values), 'tgt']),
      requiredNotes: {
        ...Object.fromEntries(['src', 'org', 'emigrate-dir', 'tgt'].map((flag) => [flag, "required unless the export's report has it"])),
        'export-dir': 'required unless --live',
        'tgt-org': 'required with --live',
      },
      load: () => import('./verify.js'),
    },
  ],
};
