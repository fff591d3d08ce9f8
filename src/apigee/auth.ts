// Access tokens for the Apigee API: a given bearer token, a service-account key file, or Application Default Credentials.
import { promises as fsp } from 'node:fs';
import { ExternalError, InputError } from '../errors.js';
import type { AuthClient } from 'google-auth-library';
import { maskProxyUrl, proxyFor } from './proxy.js';

/** Google's token endpoint, which google-auth-library uses for every service-account key. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

export interface TokenSource {
  /** What authenticates, for messages: `token (--token / APIGEE_TOKEN)`, `service account x@y`, `application default credentials`. */
  readonly description: string;
  token(): Promise<string>;
}

export interface AuthOptions {
  token?: string;
  /** Service-account key file (JSON). */
  account?: string;
  env: NodeJS.ProcessEnv;
  proxy?: string;
  /** Called with every token obtained, so output masks it. */
  onToken: (token: string) => void;
}

interface KeyFile {
  type?: string;
  client_email?: string;
  token_uri?: string;
}

async function readKeyFile(file: string): Promise<KeyFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fsp.readFile(file, 'utf8'));
  } catch (err) {
    const reason = err instanceof SyntaxError ? 'not valid JSON' : (err as Error).message;
    throw new InputError(`cannot read the credentials file ${file}: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InputError(`the credentials file ${file} is not a JSON object`);
  return parsed as KeyFile;
}

/** Token requests go through the same proxy as the API (never a proxy of process.env that NO_PROXY of amu's env exempts). */
function transporterOptions(options: AuthOptions, tokenUri: string | undefined): { options: { proxy?: string; noProxy?: RegExp[] }; proxy: URL | undefined } {
  const proxy = proxyFor(new URL(tokenUri ?? GOOGLE_TOKEN_URL), options.env, options.proxy);
  return { options: proxy ? { proxy: proxy.href } : { noProxy: [/.*/] }, proxy };
}

/** A key file's own token_uri (private or test endpoints) is honoured: google-auth-library always asks Google's. */
function honourTokenUri(client: AuthClient, tokenUri: string | undefined): void {
  if (!tokenUri || tokenUri === GOOGLE_TOKEN_URL) return;
  client.transporter.interceptors.request.add({
    resolved: async (config) => {
      if (String(config.url) === GOOGLE_TOKEN_URL) config.url = new URL(tokenUri);
      return config;
    },
  });
}

function tokenFailure(what: string, err: unknown, proxy: URL | undefined): ExternalError {
  const e = err as { message?: string; status?: number; response?: { status?: number; data?: unknown } };
  const status = e.response?.status ?? e.status;
  const via = proxy ? ` through the proxy ${maskProxyUrl(proxy)}` : '';
  // A proxy that refuses the tunnel answers itself (tinyproxy: 401, others: 407), not with the token endpoint's JSON.
  const fromProxy = proxy && (status === 407 || (status === 401 && typeof e.response?.data === 'string'));
  if (fromProxy) {
    return new ExternalError(`the proxy ${maskProxyUrl(proxy)} refused amu's credentials (${status})`, ['Check the user and password in --proxy or HTTPS_PROXY / HTTP_PROXY.']);
  }
  const reason = (e.message ?? String(err)).split('\n')[0]!.slice(0, 300);
  return new ExternalError(`cannot get an access token for ${what}${via}: ${reason}`);
}

class GoogleTokenSource implements TokenSource {
  constructor(
    readonly description: string,
    private readonly client: { getAccessToken(): Promise<{ token?: string | null }> },
    private readonly proxy: URL | undefined,
    private readonly onToken: (token: string) => void,
  ) {}

  async token(): Promise<string> {
    let token: string | null | undefined;
    try {
      token = (await this.client.getAccessToken()).token;
    } catch (err) {
      throw tokenFailure(this.description, err, this.proxy);
    }
    if (!token) throw new ExternalError(`${this.description} gave no access token`);
    this.onToken(token);
    return token;
  }
}

/**
 * `--token` wins, then `--account FILE`, then Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, the
 * gcloud ADC file, the metadata server), all through google-auth-library.
 */
export async function tokenSource(options: AuthOptions): Promise<TokenSource> {
  if (options.token) {
    const token = options.token.trim();
    options.onToken(token);
    return { description: 'the bearer token (--token / APIGEE_TOKEN)', token: async () => token };
  }
  const { GoogleAuth } = await import('google-auth-library');
  const file = options.account ?? options.env.GOOGLE_APPLICATION_CREDENTIALS;
  const key = file ? await readKeyFile(file) : undefined;
  const transport = transporterOptions(options, key?.token_uri);
  const auth = new GoogleAuth({ ...(file ? { keyFile: file } : {}), scopes: SCOPES, clientOptions: { transporterOptions: transport.options } });
  const who = key?.client_email ? `service account ${key.client_email}` : key?.type ? `${key.type} credentials` : 'application default credentials';
  const description = options.account ? `${who} (--account ${options.account})` : file ? `${who} (GOOGLE_APPLICATION_CREDENTIALS)` : who;
  let client;
  try {
    client = await auth.getClient();
  } catch (err) {
    throw new ExternalError(`no Google credentials: ${(err as Error).message.split('\n')[0]}`, [
      'Give --token (or APIGEE_TOKEN, e.g. from "gcloud auth print-access-token"), --account KEY_FILE, or set up',
      'Application Default Credentials ("gcloud auth application-default login" or GOOGLE_APPLICATION_CREDENTIALS).',
    ]);
  }
  honourTokenUri(client, key?.token_uri);
  return new GoogleTokenSource(description, client, transport.proxy, options.onToken);
}
