// Jest globalTeardown: see tmpRoot.mjs.
export { teardown as default } from './tmpRoot.mjs';
