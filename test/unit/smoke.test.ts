import yargs from 'yargs';
import { execa } from 'execa';
import * as k8s from '@kubernetes/client-node';
test('esm deps load', async () => {
  expect(typeof yargs).toBe('function');
  const r = await execa('echo', ['hi']);
  expect(r.stdout).toBe('hi');
  expect(typeof k8s.KubeConfig).toBe('function');
});
