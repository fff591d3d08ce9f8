// Builds the pom.xml of a maven project for the apigee-config-maven-plugin: the template plus one profile per environment.
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { readAsset } from '../../assets.js';

export interface PomOptions {
  org: string;
  environments: string[];
  pluginVersion: string;
  hostUrl?: string;
}

const TEMPLATE = 'templates/maven-pom.xml';

const xmlOptions = {
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  format: true,
  indentBy: '  ',
  suppressEmptyNode: false,
  processEntities: true,
  parseTagValue: false,
};

function profileFor(env: string, hostUrl: string): Record<string, unknown> {
  return {
    id: env,
    properties: {
      'apigee.profile': env,
      'apigee.hosturl': hostUrl,
      'apigee.apiversion': 'v1',
      'apigee.org': '${org}',
      'apigee.env': env,
      'apigee.authtype': 'oauth',
      'apigee.bearer': '${bearer}',
      'apigee.serviceaccount.file': '${file}',
      'apigee.config.dir': 'resources/edge',
      'apigee.config.options': '${options}',
    },
  };
}

/** The pom text: org and plugin version filled in, a profile per environment (a `default` one when there is none). */
export function buildPom(options: PomOptions): string {
  const parser = new XMLParser(xmlOptions);
  const pom = parser.parse(readAsset(TEMPLATE)) as { project: Record<string, unknown> };
  const project = pom.project;
  project.artifactId = `${options.org}-kvms`;
  (project.properties as Record<string, unknown>).org = options.org;
  const plugin = ((project.build as { plugins: { plugin: Record<string, unknown> } }).plugins).plugin;
  plugin.version = options.pluginVersion;
  const envs = options.environments.length > 0 ? [...options.environments].sort() : ['default'];
  project.profiles = { profile: envs.map((env) => profileFor(env, options.hostUrl ?? 'https://apigee.googleapis.com')) };
  const builder = new XMLBuilder(xmlOptions);
  return builder.build(pom) as string;
}
