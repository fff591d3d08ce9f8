// Every option amu knows, described once; commands pick theirs from here so flags, variables and help stay alike.
import type { Platform } from '../kvm/model.js';
import type { OptionSpec } from './options.js';

/** `--src` values: `opdk` is Edge for Private Cloud (the name users know from the bash amu). */
export const SOURCES = ['opdk', 'hybrid'] as const;
export type Source = (typeof SOURCES)[number];
export const TARGETS = ['apigeecli', 'maven'] as const;

/** The groups `--help` lists options under, in this order (yargs keeps the order groups are first named in). */
export const GROUP = {
  SOURCE: 'Dump (source, org, emigrate folder):',
  EDGE: 'Edge keys (--src opdk):',
  HYBRID: 'Hybrid keys and scopes (--src hybrid):',
  CASSANDRA: 'Reading Cassandra:',
  CQL: 'CQL connection (--reader cql; organizations list on Edge):',
  KUBE: 'Kubernetes and the cqlsh client pod (hybrid):',
  OUTPUT_TREE: 'Export (target, folder, layout):',
  BACKUP: 'Backup:',
  APIGEE: 'Apigee API (kvms import, kvms verify --live):',
  REPORTING: 'Output:',
} as const;

export const OPTION = {
  src: { group: GROUP.SOURCE, type: 'string', choices: SOURCES, describe: 'Source platform: opdk (Edge for Private Cloud) or hybrid' },
  org: { group: GROUP.SOURCE, type: 'string', describe: 'Organization name' },
  env: { group: GROUP.HYBRID, appliesTo: { src: 'hybrid' }, type: 'string', describe: 'Environment name' },
  'emigrate-dir': { group: GROUP.SOURCE, type: 'string', describe: 'Folder of the dumps read from Cassandra' },
  'export-dir': { group: GROUP.OUTPUT_TREE, type: 'string', describe: 'Folder the export tree is written to (must be empty unless --overwrite)' },
  tgt: { group: GROUP.OUTPUT_TREE, type: 'string', choices: TARGETS, describe: 'Export target: apigeecli (kvms import -f) or maven (apigee-config-maven-plugin)' },
  kek: { group: GROUP.EDGE, appliesTo: { src: 'opdk' }, type: 'string', secret: true, describe: 'Edge KEK as hex (from "amu kek export"); prefer the variable to the flag' },
  dek: { group: GROUP.HYBRID, appliesTo: { src: 'hybrid' }, type: 'string', secret: true, describe: 'hybrid: one KVM key (hex) for every scope, as the bash amu used; prefer --keys-file' },
  'keys-file': { group: GROUP.HYBRID, appliesTo: { src: 'hybrid' }, type: 'string', describe: 'hybrid: JSON file of the org and environment KVM keys, from "amu kek export --src hybrid --keys-file"' },
  vault: { group: GROUP.EDGE, appliesTo: { src: 'opdk' }, type: 'string', describe: 'Edge vault (JCEKS keystore), e.g. the vault.filepath of credentials.properties' },
  storepass: { group: GROUP.EDGE, appliesTo: { src: 'opdk' }, type: 'string', secret: true, describe: 'Store password of the vault (vault.passphrase); prefer the variable' },
  keypass: { group: GROUP.EDGE, appliesTo: { src: 'opdk' }, type: 'string', secret: true, describe: 'Key password of the entry (default: the store password)' },
  alias: { group: GROUP.EDGE, appliesTo: { src: 'opdk' }, type: 'string', default: 'datastore-alias', describe: 'Alias of the KEK entry in the vault' },
  'cass-ip': { group: GROUP.CASSANDRA, appliesTo: { readers: ['cassandra-cli', 'cql'] }, type: 'string', describe: 'Cassandra host(s), comma-separated (Edge default: localhost; hybrid: reached directly instead of a port-forward, with the cluster\'s DML credentials unless --cass-username)' },
  'cass-port': { group: GROUP.CASSANDRA, appliesTo: { readers: ['cassandra-cli'] }, type: 'number', describe: 'Cassandra Thrift port for cassandra-cli (default: its own, 9160)' },
  'cassandra-cli': { group: GROUP.CASSANDRA, appliesTo: { readers: ['cassandra-cli'] }, type: 'string', describe: 'Path of cassandra-cli (default: /opt/apigee/apigee-cassandra/bin/cassandra-cli, else PATH)' },
  'print-command': {
    group: GROUP.CASSANDRA,
    appliesTo: { readers: ['cassandra-cli'] },
    type: 'boolean',
    default: false,
    describe: 'Edge with cassandra-cli: print the cassandra-cli command to run by hand (hosts where amu cannot run) instead of running it',
  },
  reader: {
    group: GROUP.CASSANDRA,
    type: 'string',
    choices: ['cassandra-cli', 'cql', 'cqlsh-pod'],
    describe: 'How to read Cassandra: cassandra-cli (Edge up to 4.52.00), cql (Edge 4.52.02 and later; hybrid without a pod), cqlsh-pod (hybrid, the default there)',
  },
  'src-ver': { group: GROUP.CASSANDRA, appliesTo: { src: 'opdk' }, type: 'string', describe: 'Edge release, e.g. 4.51 or 4.53: picks the reader (cassandra-cli up to 4.52.00, CQL from 4.52.02)' },
  'cql-port': { group: GROUP.CQL, appliesTo: { readers: ['cql'] }, type: 'number', default: 9042, describe: 'CQL native protocol port' },
  'cass-username': { group: GROUP.CQL, appliesTo: { readers: ['cql'] }, type: 'string', describe: 'CQL user name (Edge with Cassandra authentication; direct hybrid contact points)' },
  'cass-password': { group: GROUP.CQL, appliesTo: { readers: ['cql'] }, type: 'string', secret: true, describe: 'CQL password; prefer the variable' },
  'cass-tls': { group: GROUP.CQL, appliesTo: { readers: ['cql'] }, type: 'boolean', describe: 'TLS to Cassandra over CQL (default: off for Edge, on for hybrid)' },
  'cass-ca': { group: GROUP.CQL, appliesTo: { readers: ['cql'] }, type: 'string', describe: 'CA certificate file (PEM) that signed the Cassandra certificate (direct CQL)' },
  'cass-tls-servername': { group: GROUP.CQL, appliesTo: { readers: ['cql'] }, type: 'string', describe: "Name Cassandra's certificate is checked against (default: the address connected to)" },
  'cass-tls-verify': { group: GROUP.CQL, appliesTo: { readers: ['cql'] }, type: 'boolean', default: true, describe: "Check Cassandra's TLS certificate (--no-cass-tls-verify to skip)" },
  'cassandra-pod': { group: GROUP.CQL, appliesTo: { src: 'hybrid', readers: ['cql'] }, type: 'string', default: 'apigee-cassandra-default-0', describe: 'hybrid over CQL: the Cassandra pod the port-forward goes to' },
  'local-dc': { group: GROUP.CQL, appliesTo: { readers: ['cql'] }, type: 'string', describe: 'Cassandra data center to read from (default: that of the contact point)' },
  'page-size': { group: GROUP.CQL, appliesTo: { readers: ['cql'] }, type: 'number', describe: 'Rows per CQL page (default: 100 on Edge, where a row is a whole KVM; 5000 on hybrid)' },
  overwrite: { group: GROUP.OUTPUT_TREE, type: 'boolean', default: false, describe: 'Replace an earlier amu export (nothing else) whole once the new export is complete' },
  'allow-empty': { group: GROUP.SOURCE, type: 'boolean', default: false, describe: 'Accept an organization with no KVM rows (otherwise a likely misspelt org is an error)' },
  'include-custom-reports': { group: GROUP.OUTPUT_TREE, type: 'boolean', default: false, describe: "Also export Edge's CustomReports<org>#<uuid> KVMs" },
  'apigeecli-naming': {
    group: GROUP.OUTPUT_TREE,
    appliesTo: { tgt: 'apigeecli' },
    type: 'string',
    choices: ['current', 'legacy'],
    default: 'current',
    describe: 'apigeecli file names: current (org__<kvm>__kvmfile__0.json) or legacy, before March 2024 (org_<kvm>_kvmfile_0.json)',
  },
  'maven-project': { group: GROUP.OUTPUT_TREE, appliesTo: { tgt: 'maven' }, type: 'boolean', default: false, describe: 'maven: write a whole project (pom.xml, resources/edge/) instead of the bare config tree' },
  'export-threads': {
    group: GROUP.OUTPUT_TREE,
    type: 'number',
    describe: 'Worker threads that decrypt and format an Edge cassandra-cli dump (default: the cores of this machine less 2, at most 4; 0: none, the main thread does it)',
  },
  json: { group: GROUP.REPORTING, type: 'boolean', default: false, describe: 'Print the summary as JSON on stdout' },
  'maven-plugin-version': { group: GROUP.OUTPUT_TREE, appliesTo: { tgt: 'maven' }, type: 'string', default: '2.9.3', describe: 'maven: apigee-config-maven-plugin version in the pom' },
  kubeconfig: { group: GROUP.KUBE, appliesTo: { src: 'hybrid' }, type: 'string', describe: 'Kubernetes config file (default: ~/.kube/config, else the in-cluster service account)' },
  context: { group: GROUP.KUBE, appliesTo: { src: 'hybrid' }, type: 'string', describe: "Kubernetes context (default: the kubeconfig's current context)" },
  namespace: { group: GROUP.KUBE, appliesTo: { src: 'hybrid' }, type: 'string', default: 'apigee', describe: 'Kubernetes namespace of Apigee hybrid (secrets, Cassandra, the cqlsh client pod)' },
  'hybrid-version': { group: GROUP.KUBE, appliesTo: { src: 'hybrid', readers: ['cqlsh-pod'] }, type: 'string', describe: 'Apigee hybrid version, e.g. 1.10.3: the tag of the cqlsh client image' },
  registry: { group: GROUP.KUBE, appliesTo: { src: 'hybrid', readers: ['cqlsh-pod'] }, type: 'string', describe: 'Image registry replacing gcr.io/apigee-release/hybrid for the cqlsh client image (private mirrors)' },
  'pod-ttl': { group: GROUP.KUBE, appliesTo: { src: 'hybrid', readers: ['cqlsh-pod'] }, type: 'number', default: 3600, describe: 'Lifetime in seconds of the cqlsh client pod amu runs (it then ends by itself)' },
  secret: { group: GROUP.HYBRID, appliesTo: { src: 'hybrid' }, type: 'string', describe: 'Name of the Kubernetes secret holding the key (default: the names Apigee hybrid uses are tried)' },
  envs: { group: GROUP.HYBRID, appliesTo: { src: 'hybrid' }, type: 'string', describe: 'Environments whose keys go into --keys-file, comma-separated (default: those whose secrets are found)' },
  'backup-dir': { group: GROUP.BACKUP, type: 'string', describe: 'Folder the backup is written to (one CSV file per table)' },
  'tgt-org': { group: GROUP.APIGEE, type: 'string', describe: 'Organization in Apigee X or hybrid the KVMs are imported into (or verified in)' },
  'env-map': { group: GROUP.APIGEE, type: 'string', describe: 'Environment names of the source mapped to the target: old=new,... (others keep their name)' },
  'api-url': { group: GROUP.APIGEE, type: 'string', default: 'https://apigee.googleapis.com', describe: 'Apigee API endpoint (a hybrid or private endpoint may differ)' },
  token: { group: GROUP.APIGEE, type: 'string', secret: true, env: 'APIGEE_TOKEN', describe: 'Bearer token for the Apigee API, e.g. from "gcloud auth print-access-token"; prefer the variable' },
  account: { group: GROUP.APIGEE, type: 'string', describe: 'Service-account key file (JSON) to authenticate with (default: Application Default Credentials)' },
  proxy: { group: GROUP.APIGEE, type: 'string', describe: 'HTTP proxy for the Apigee API and token requests, http://[user:password@]host:port (default: HTTPS_PROXY / HTTP_PROXY, NO_PROXY)' },
  concurrency: { group: GROUP.APIGEE, type: 'number', default: 16, describe: 'Most Apigee API calls in flight at once (fewer while the API pushes back)' },
  'dry-run': { group: GROUP.APIGEE, type: 'boolean', default: false, describe: 'Print what would be created, updated and pruned, and change nothing' },
  prune: { group: GROUP.APIGEE, type: 'boolean', default: false, describe: 'Also delete entries of the imported KVMs that the source does not have' },
  live: { group: GROUP.APIGEE, type: 'boolean', default: false, describe: 'Verify the target organization through the Apigee API instead of an export tree' },
} as const satisfies Record<string, OptionSpec>;

export type OptionName = keyof typeof OPTION;

/** Picks option specs by name. */
export function pick<K extends OptionName>(...names: K[]): Record<K, OptionSpec> {
  const picked = {} as Record<K, OptionSpec>;
  for (const name of names) picked[name] = OPTION[name];
  return picked;
}

/** The platform a `--src` value names. */
export function platformOf(src: Source): Platform {
  return src === 'opdk' ? 'edge' : 'hybrid';
}
