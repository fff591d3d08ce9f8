// Pure parts of the Apigee client: proxy choice (NO_PROXY), masking, path encoding and addressability, env maps, the throttle.
import { maskProxyUrl, noProxy, proxyFor } from '../../src/apigee/proxy.js';
import { addressability, apiUrl, entryPath, kvmsPath } from '../../src/apigee/paths.js';
import { Throttle } from '../../src/apigee/throttle.js';
import { checkEnvMap, mapScope, parseEnvMap } from '../../src/import/envMap.js';
import { UsageError } from '../../src/errors.js';

describe('proxy choice', () => {
  const api = new URL('https://apigee.googleapis.com/v1/organizations/x');
  test('HTTPS_PROXY for https, HTTP_PROXY for http, lower case too; --proxy wins and ignores NO_PROXY', () => {
    expect(proxyFor(api, { HTTPS_PROXY: 'http://u:p@proxy:3128' })?.host).toBe('proxy:3128');
    expect(proxyFor(api, { https_proxy: 'proxy:8080' })?.href).toBe('http://proxy:8080/');
    expect(proxyFor(api, { HTTP_PROXY: 'http://h:1' })?.host).toBe('h:1');
    expect(proxyFor(new URL('http://127.0.0.1:5/'), { HTTPS_PROXY: 'http://h:1' })).toBeUndefined();
    expect(proxyFor(api, { HTTPS_PROXY: 'http://h:1', NO_PROXY: '.googleapis.com' })).toBeUndefined();
    expect(proxyFor(api, { NO_PROXY: '*' }, 'http://flag:2')?.host).toBe('flag:2');
  });
  test('NO_PROXY: exact hosts, domain suffixes with or without a dot, ports, *', () => {
    const u = (s: string) => new URL(s);
    expect(noProxy(u('https://apigee.googleapis.com'), 'googleapis.com')).toBe(true);
    expect(noProxy(u('https://apigee.googleapis.com'), 'other.com, .googleapis.com')).toBe(true);
    expect(noProxy(u('https://notgoogleapis.com'), 'googleapis.com')).toBe(false);
    expect(noProxy(u('http://127.0.0.1:8080'), '127.0.0.1:9090')).toBe(false);
    expect(noProxy(u('http://127.0.0.1:8080'), '127.0.0.1:8080')).toBe(true);
    expect(noProxy(u('http://host'), '*')).toBe(true);
    expect(noProxy(u('http://host'), undefined)).toBe(false);
  });
  test('credentials are masked; a bad proxy URL is a usage error that does not show them', () => {
    expect(maskProxyUrl('http://user:s3cret@proxy:3128')).toBe('http://***@proxy:3128');
    expect(maskProxyUrl(new URL('http://proxy:1'))).toBe('http://proxy:1/');
    expect(() => proxyFor(new URL('https://a'), {}, 'socks5://user:s3cret@h:1')).toThrow(UsageError);
    expect(() => proxyFor(new URL('https://a'), {}, 'socks5://user:s3cret@h:1')).toThrow(/socks5:\/\/\*\*\*@h:1/);
  });
});

describe('API paths', () => {
  test('segments are percent-encoded: %, spaces, unicode, ? and #', () => {
    expect(entryPath('o', { kind: 'env', env: 'prod' }, 'my kvm', 'per%cent ü?#')).toBe('organizations/o/environments/prod/keyvaluemaps/my%20kvm/entries/per%25cent%20%C3%BC%3F%23');
    expect(kvmsPath('o', { kind: 'proxy', proxy: 'p1' })).toBe('organizations/o/apis/p1/keyvaluemaps');
    expect(apiUrl('https://host/prefix/', 'organizations/o').href).toBe('https://host/prefix/v1/organizations/o');
  });
  test('names a URL path cannot carry', () => {
    expect(addressability('a b%ü')).toBe('ok');
    expect(addressability('a/b')).toBe('post-only');
    expect(addressability('..')).toBe('post-only');
    expect(addressability('')).toBe('impossible');
  });
});

describe('--env-map', () => {
  test('parses old=new pairs and maps env scopes only', () => {
    const map = parseEnvMap(' test=dev, prod=prod-eu ');
    expect(mapScope({ kind: 'env', env: 'test' }, map)).toEqual({ kind: 'env', env: 'dev' });
    expect(mapScope({ kind: 'env', env: 'qa' }, map)).toEqual({ kind: 'env', env: 'qa' });
    expect(mapScope({ kind: 'org' }, map)).toEqual({ kind: 'org' });
  });
  test('refuses malformed pairs, a source named twice, and two sources merged into one', () => {
    expect(() => parseEnvMap('test')).toThrow(/"test" is not old=new/);
    expect(() => parseEnvMap('a=b,a=c')).toThrow(/maps the environment "a" twice/);
    expect(() => checkEnvMap(parseEnvMap('a=b'), ['a', 'b'])).toThrow(UsageError);
    expect(() => checkEnvMap(parseEnvMap('a=c'), ['a', 'b'])).not.toThrow();
  });
});

describe('Throttle', () => {
  test('at most `limit` in flight; a retry goes ahead of first attempts', async () => {
    const t = new Throttle({ max: 2 });
    const a = await t.acquire();
    const b = await t.acquire();
    const order: string[] = [];
    const first = t.acquire().then((r) => (order.push('first'), r));
    const retry = t.acquire(true).then((r) => (order.push('retry'), r));
    a();
    (await retry)();
    b();
    (await first)();
    expect(order).toEqual(['retry', 'first']);
    t.close();
  });
  test('a 429 closes the gate for Retry-After; without one the pause doubles only once per burst', async () => {
    let now = 1000;
    const t = new Throttle({ max: 4, now: () => now });
    t.onQuota(200);
    let started = false;
    const waiting = t.acquire(true).then((r) => ((started = true), r));
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toBe(false);
    now += 200;
    (await waiting)();
    expect(started).toBe(true);
    t.onQuota(undefined);
    t.onQuota(undefined); // same burst: no longer pause
    expect(t.stats.pausedMs).toBe(200 + 1000);
    now += 1000;
    t.onQuota(undefined); // refused again after the pause: 2 s
    expect(t.stats.pausedMs).toBe(200 + 1000 + 2000);
    t.close();
  });
  test('a call waiting out a quota pause gives up at once when the run is interrupted', async () => {
    const t = new Throttle({ max: 4 });
    t.onQuota(60_000);
    const controller = new AbortController();
    const waiting = t.acquire(true, controller.signal);
    controller.abort(new Error('interrupted'));
    await expect(waiting).rejects.toThrow('interrupted');
    t.close();
  });

  test('5xx halves the limit; successes bring it back one at a time', () => {
    const t = new Throttle({ max: 8 });
    t.onUnavailable();
    t.onUnavailable();
    expect(t.limit).toBe(2);
    for (let i = 0; i < 2; i++) t.onSuccess();
    expect(t.limit).toBe(3);
    for (let i = 0; i < 100; i++) t.onSuccess();
    expect(t.limit).toBe(8);
    t.close();
  });
});
