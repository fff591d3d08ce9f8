// A `node --import` hook for tests: every module the process loads is printed to stderr as "import: <url>".
import { register } from 'node:module';

const hooks = `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  process._rawDebug('import: ' + result.url);
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
