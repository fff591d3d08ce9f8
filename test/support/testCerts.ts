// A throwaway CA and a server certificate for the Cassandra service name, made with the real openssl, for TLS tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCerts {
  ca: Buffer;
  key: Buffer;
  cert: Buffer;
  caFile: string;
  /** A CA that signed nothing here. */
  otherCa: Buffer;
}

export const CASSANDRA_SERVICE_NAME = 'apigee-cassandra-default.apigee.svc.cluster.local';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** True when the openssl command is there. */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'amu-certs-'));
  const subject = (cn: string) => ['-subj', `/CN=${cn}`];
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', ...subject('amu test CA')]);
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.crt', '-days', '2', ...subject('another CA')]);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', ...subject(CASSANDRA_SERVICE_NAME)]);
  writeFileSync(path.join(dir, 'san.ext'), `subjectAltName=DNS:${CASSANDRA_SERVICE_NAME},DNS:localhost\n`);
  openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'san.ext']);
  const read = (f: string) => readFileSync(path.join(dir, f));
  return { ca: read('ca.crt'), key: read('server.key'), cert: read('server.crt'), caFile: path.join(dir, 'ca.crt'), otherCa: read('other.crt') };
}
