// Test entry point of the fake Kubernetes API server (the implementation lives in src/testkit so scripts can use the compiled copy).
export * from '../../src/testkit/fakeKubeApi.js';
