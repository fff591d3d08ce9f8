// Every option amu knows, described once; commands pick theirs from here so flags, variables and help stay alike.
import type { Platform } from '../kvm/model.js';
import type { OptionSpec } from './options.js';

/** `--src` values: `opdk` is Edge for Private Cloud (the name users know from the bash amu). */
export const SOURCES = ['opdk', 'hybrid'] as const;
export type Source = (typeof SOURCES)[number];
export const TARGETS = ['apigeecli', 'maven'] as const;

export const OPTION = {
  src: { type: 'string', choices: SOURCES, describe: 'Source platform: opdk (Edge for Private Cloud) or hybrid' },
  org: { type: 'string', describe: 'Organization name' },
  env: { type: 'string', describe: 'Environment name' },
  'emigrate-dir': { type: 'string', describe: 'Folder of the dumps read from Cassandra' },
  'export-dir': { type: 'string', describe: 'Folder the export tree is written to (must be empty unless --overwrite)' },
  tgt: { type: 'string', choices: TARGETS, describe: 'Export target: apigeecli (kvms import -f) or maven (apigee-config-maven-plugin)' },
  kek: { type: 'string', secret: true, describe: 'Edge KEK as hex (from "amu kek export"); prefer the variable to the flag' },
  dek: { type: 'string', secret: true, describe: 'hybrid: one KVM key (hex) for every scope, as the bash amu used; prefer --keys-file' },
  'keys-file': { type: 'string', describe: 'hybrid: JSON file of the org and environment KVM keys, from "amu kek export --src hybrid --keys-file"' },
  vault: { type: 'string', describe: 'Edge vault (JCEKS keystore), e.g. the vault.filepath of credentials.properties' },
  storepass: { type: 'string', secret: true, describe: 'Store password of the vault (vault.passphrase); prefer the variable' },
  keypass: { type: 'string', secret: true, describe: 'Key password of the entry (default: the store password)' },
  alias: { type: 'string', default: 'datastore-alias', describe: 'Alias of the KEK entry in the vault' },
  'cass-ip': { type: 'string', describe: 'Cassandra host(s), comma-separated (Edge default: localhost; hybrid: reached directly instead of a port-forward, with the cluster\'s DML credentials unless --cass-username)' },
  'cass-port': { type: 'number', describe: 'Cassandra Thrift port for cassandra-cli (default: its own, 9160)' },
  'cassandra-cli': { type: 'string', describe: 'Path of cassandra-cli (default: /opt/apigee/apigee-cassandra/bin/cassandra-cli, else PATH)' },
  'print-command': {
    type: 'boolean',
    default: false,
    describe: 'Edge with cassandra-cli: print the cassandra-cli command to run by hand (hosts where amu cannot run) instead of running it',
  },
  reader: {
    type: 'string',
    choices: ['cassandra-cli', 'cql', 'cqlsh-pod'],
    describe: 'How to read Cassandra: cassandra-cli (Edge up to 4.52.00), cql (Edge 4.52.02 and later; hybrid without a pod), cqlsh-pod (hybrid, the default there)',
  },
  'src-ver': { type: 'string', describe: 'Edge release, e.g. 4.51 or 4.53: picks the reader (cassandra-cli up to 4.52.00, CQL from 4.52.02)' },
  'cql-port': { type: 'number', default: 9042, describe: 'CQL native protocol port' },
  'cass-username': { type: 'string', describe: 'CQL user name (Edge with Cassandra authentication; direct hybrid contact points)' },
  'cass-password': { type: 'string', secret: true, describe: 'CQL password; prefer the variable' },
  'cass-tls': { type: 'boolean', describe: 'TLS to Cassandra over CQL (default: off for Edge, on for hybrid)' },
  'cass-ca': { type: 'string', describe: 'CA certificate file (PEM) that signed the Cassandra certificate (direct CQL)' },
  'cass-tls-servername': { type: 'string', describe: "Name Cassandra's certificate is checked against (default: the address connected to)" },
  'cass-tls-verify': { type: 'boolean', default: true, describe: "Check Cassandra's TLS certificate (--no-cass-tls-verify to skip)" },
  'cassandra-pod': { type: 'string', default: 'apigee-cassandra-default-0', describe: 'hybrid over CQL: the Cassandra pod the port-forward goes to' },
  'local-dc': { type: 'string', describe: 'Cassandra data center to read from (default: that of the contact point)' },
  'page-size': { type: 'number', describe: 'Rows per CQL page (default: 100 on Edge, where a row is a whole KVM; 5000 on hybrid)' },
  overwrite: { type: 'boolean', default: false, describe: 'Replace an earlier amu export (nothing else) whole once the new export is complete' },
  'allow-empty': { type: 'boolean', default: false, describe: 'Accept an organization with no KVM rows (otherwise a likely misspelt org is an error)' },
  'include-custom-reports': { type: 'boolean', default: false, describe: "Also export Edge's CustomReports<org>#<uuid> KVMs" },
  'apigeecli-naming': {
    type: 'string',
    choices: ['current', 'legacy'],
    default: 'current',
    describe: 'apigeecli file names: current (org__<kvm>__kvmfile__0.json) or legacy, before March 2024 (org_<kvm>_kvmfile_0.json)',
  },
  'maven-project': { type: 'boolean', default: false, describe: 'maven: write a whole project (pom.xml, resources/edge/) instead of the bare config tree' },
  json: { type: 'boolean', default: false, describe: 'Print the summary as JSON on stdout' },
  'maven-plugin-version': { type: 'string', default: '2.9.3', describe: 'maven: apigee-config-maven-plugin version in the pom' },
  kubeconfig: { type: 'string', describe: 'Kubernetes config file (default: ~/.kube/config, else the in-cluster service account)' },
  context: { type: 'string', describe: "Kubernetes context (default: the kubeconfig's current context)" },
  namespace: { type: 'string', default: 'apigee', describe: 'Kubernetes namespace of Apigee hybrid (secrets, Cassandra, the cqlsh client pod)' },
  'hybrid-version': { type: 'string', describe: 'Apigee hybrid version, e.g. 1.10.3: the tag of the cqlsh client image' },
  registry: { type: 'string', describe: 'Image registry replacing gcr.io/apigee-release/hybrid for the cqlsh client image (private mirrors)' },
  'pod-ttl': { type: 'number', default: 3600, describe: 'Lifetime in seconds of the cqlsh client pod amu runs (it then ends by itself)' },
  secret: { type: 'string', describe: 'Name of the Kubernetes secret holding the key (default: the names Apigee hybrid uses are tried)' },
  envs: { type: 'string', describe: 'Environments whose keys go into --keys-file, comma-separated (default: those whose secrets are found)' },
  'backup-dir': { type: 'string', describe: 'Folder the backup is written to (one CSV file per table)' },
  'tgt-org': { type: 'string', describe: 'Organization in Apigee X or hybrid the KVMs are imported into (or verified in)' },
  'env-map': { type: 'string', describe: 'Environment names of the source mapped to the target: old=new,... (others keep their name)' },
  'api-url': { type: 'string', default: 'https://apigee.googleapis.com', describe: 'Apigee API endpoint (a hybrid or private endpoint may differ)' },
  token: { type: 'string', secret: true, env: 'APIGEE_TOKEN', describe: 'Bearer token for the Apigee API, e.g. from "gcloud auth print-access-token"; prefer the variable' },
  account: { type: 'string', describe: 'Service-account key file (JSON) to authenticate with (default: Application Default Credentials)' },
  proxy: { type: 'string', describe: 'HTTP proxy for the Apigee API and token requests, http://[user:password@]host:port (default: HTTPS_PROXY / HTTP_PROXY, NO_PROXY)' },
  concurrency: { type: 'number', default: 16, describe: 'Most Apigee API calls in flight at once (fewer while the API pushes back)' },
  'dry-run': { type: 'boolean', default: false, describe: 'Print what would be created, updated and pruned, and change nothing' },
  prune: { type: 'boolean', default: false, describe: 'Also delete entries of the imported KVMs that the source does not have' },
  live: { type: 'boolean', default: false, describe: 'Verify the target organization through the Apigee API instead of an export tree' },
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
