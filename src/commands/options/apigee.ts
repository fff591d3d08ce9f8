// Options shared by the commands that talk to the Apigee API (import, verify --live), and the client they open.
import { setMaxListeners } from 'node:events';
import { UsageError } from '../../errors.js';
import type { RunContext } from '../../cli/context.js';
import type { OptionSpecs } from '../../cli/options.js';
import { pick } from '../../cli/optionCatalog.js';
import type { ApigeeClient } from '../../apigee/client.js';

export interface ApigeeValues {
  [key: string]: unknown;
  'tgt-org'?: string;
  'env-map'?: string;
  'api-url': string;
  token?: string;
  account?: string;
  proxy?: string;
  concurrency: number;
}

export const APIGEE_OPTIONS: OptionSpecs = pick('tgt-org', 'env-map', 'api-url', 'token', 'account', 'proxy', 'concurrency');

export interface OpenedApigee {
  client: ApigeeClient;
  /** `organization x at https://...`, for messages. */
  target: string;
  close(): void;
}

/** The client for `--tgt-org` at `--api-url`, authenticated and proxied as the options say. */
export async function openApigee(values: ApigeeValues, ctx: RunContext): Promise<OpenedApigee> {
  const { parseProxyUrl } = await import('../../apigee/proxy.js');
  const { tokenSource } = await import('../../apigee/auth.js');
  const { Transport } = await import('../../apigee/transport.js');
  const { Throttle } = await import('../../apigee/throttle.js');
  const { ApigeeClient } = await import('../../apigee/client.js');
  const concurrency = values.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new UsageError(`--concurrency (CONCURRENCY) must be a whole number from 1 to 256, not ${concurrency}`);
  let apiUrl: URL;
  try {
    apiUrl = new URL(values['api-url']);
    if (apiUrl.protocol !== 'https:' && apiUrl.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new UsageError(`--api-url (API_URL) must be an http(s) URL, not "${values['api-url']}"`);
  }
  if (values.proxy) {
    const proxy = parseProxyUrl(values.proxy);
    ctx.out.addSecret(proxy.password ? decodeURIComponent(proxy.password) : undefined);
    ctx.out.addSecret(proxy.password || undefined);
  }
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) {
    const raw = ctx.io.env[name];
    if (!raw) continue;
    try {
      const password = new URL(raw.includes('://') ? raw : `http://${raw}`).password;
      ctx.out.addSecret(password || undefined);
      ctx.out.addSecret(password ? decodeURIComponent(password) : undefined);
    } catch {
      /* reported when used */
    }
  }
  // Every call in flight and every backoff listens for Ctrl-C.
  setMaxListeners(0, ctx.signal);
  const tokens = await tokenSource({
    ...(values.token ? { token: values.token } : {}),
    ...(values.account ? { account: values.account } : {}),
    ...(values.proxy ? { proxy: values.proxy } : {}),
    env: ctx.io.env,
    onToken: (t) => ctx.out.addSecret(t),
  });
  const transport = new Transport({ env: ctx.io.env, ...(values.proxy ? { proxy: values.proxy } : {}), maxSockets: concurrency });
  const client = new ApigeeClient({
    apiUrl: apiUrl.href,
    transport,
    tokens,
    throttle: new Throttle({ max: concurrency }),
    debug: (text) => ctx.out.debug(text),
    signal: ctx.signal,
  });
  const via = transport.proxyShown(apiUrl);
  ctx.out.debug(`Apigee API ${apiUrl.origin}${via ? ` through the proxy ${via}` : ''}, authenticated with ${tokens.description}`);
  return { client, target: `organization ${values['tgt-org']} at ${apiUrl.origin}`, close: () => { client.throttle.close(); transport.close(); } };
}
