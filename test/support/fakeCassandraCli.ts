// A fake `cassandra-cli` program on PATH for emigrate tests: records argv, environment and stdin, then prints a dump, fails, or cuts it short.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface FakeCli {
  binDir: string;
  argvFile: string;
  stdinFile: string;
  /** The environment the fake was started with, NUL-separated `NAME=value` records. */
  envFile: string;
  /** PATH with the fake first. */
  path: string;
}

/**
 * Modes (env FAKE_CLI_MODE): `ok` prints FAKE_CLI_DUMP; `fail` prints half of it and exits 3 with an error on stderr;
 * `truncated` prints the dump without its last 200 bytes and exits 0; `error-text` prints cassandra-cli's
 * own complaint and exits 0, as the real one does for an unknown keyspace; `slow` prints a little and hangs.
 */
export function makeFakeCassandraCli(): FakeCli {
  const binDir = mkdtempSync(path.join(os.tmpdir(), 'amu-fake-cli-'));
  const argvFile = path.join(binDir, 'argv.txt');
  const stdinFile = path.join(binDir, 'stdin.txt');
  const envFile = path.join(binDir, 'env.bin');
  const script = `#!/usr/bin/env bash
printf '%s\\n' "$@" > '${argvFile}'
env -0 > '${envFile}'
cat > '${stdinFile}'
case "\${FAKE_CLI_MODE:-ok}" in
  ok) cat "$FAKE_CLI_DUMP" ;;
  fail) head -c $(( $(wc -c < "$FAKE_CLI_DUMP") / 2 )) "$FAKE_CLI_DUMP"; echo "org.apache.thrift.transport.TTransportException: java.net.SocketException: Connection reset" >&2; exit 3 ;;
  truncated) head -c $(( $(wc -c < "$FAKE_CLI_DUMP") - 200 )) "$FAKE_CLI_DUMP" ;;
  slow) head -c 100 "$FAKE_CLI_DUMP"; exec sleep 30 ;;
  error-text) echo "Connected to: \\"Apigee\\" on 127.0.0.1/9160"; echo "Keyspace keyvaluemap does not exist." ;;
esac
`;
  const file = path.join(binDir, 'cassandra-cli');
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return { binDir, argvFile, stdinFile, envFile, path: `${binDir}${path.delimiter}${process.env.PATH ?? ''}` };
}
