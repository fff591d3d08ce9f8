// Which HTTP proxy a URL goes through: --proxy, else HTTPS_PROXY / HTTP_PROXY unless NO_PROXY exempts the host.
import { UsageError } from '../errors.js';

/** The proxy URL for `target`, or undefined for a direct connection. */
export function proxyFor(target: URL, env: NodeJS.ProcessEnv, explicit?: string): URL | undefined {
  const pick = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const raw = explicit ?? (target.protocol === 'https:' ? pick('HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy') : pick('HTTP_PROXY', 'http_proxy'));
  if (!raw) return undefined;
  if (explicit === undefined && noProxy(target, pick('NO_PROXY', 'no_proxy'))) return undefined;
  return parseProxyUrl(raw);
}

export function parseProxyUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `http://${raw}`);
  } catch {
    throw new UsageError(`the proxy ${maskProxyUrl(raw)} is not a URL (http://[user:password@]host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`the proxy ${maskProxyUrl(raw)} must be an http:// or https:// URL`);
  }
  return url;
}

/** True when NO_PROXY (comma-separated hosts, `.suffix`, `*`, optional `:port`) covers the target. */
export function noProxy(target: URL, list: string | undefined): boolean {
  if (!list) return false;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  for (const item of list.split(/[,\s]+/).filter(Boolean)) {
    if (item === '*') return true;
    const m = /^(.*?)(?::(\d+))?$/.exec(item.toLowerCase())!;
    const pattern = m[1]!.replace(/^\*/, '');
    if (m[2] && m[2] !== port) continue;
    if (host === pattern.replace(/^\./, '') || (pattern.startsWith('.') && host.endsWith(pattern)) || host.endsWith(`.${pattern}`)) return true;
  }
  return false;
}

/** A proxy URL for messages: the password (and user) never shown. */
export function maskProxyUrl(raw: string | URL): string {
  const text = String(raw);
  return text.replace(/\/\/[^/@]*@/, '//***@');
}
