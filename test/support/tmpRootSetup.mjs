// Jest globalSetup: see tmpRoot.mjs.
export { setup as default } from './tmpRoot.mjs';
