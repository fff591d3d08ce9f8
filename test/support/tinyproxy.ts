// Debian's tinyproxy started on loopback with BasicAuth for proxy tests; its log tells which tunnels went through it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The tinyproxy binary, or undefined when it is not installed (tests then skip with a message). */
export function tinyproxyPath(): string | undefined {
  for (const candidate of ['/usr/bin/tinyproxy', '/usr/sbin/tinyproxy']) {
    if (spawnSync(candidate, ['-v'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, log: () => Promise<string>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`tinyproxy exited with ${child.exitCode}: ${await log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`tinyproxy did not listen on ${port}`);
}

export class Tinyproxy {
  private constructor(
    readonly port: number,
    readonly user: string,
    readonly password: string,
    private readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  /** Starts tinyproxy on 127.0.0.1 requiring `user`/`password`, allowing CONNECT to `connectPorts` only. */
  static async start(binary: string, connectPorts: number[], user = 'amu-proxy-user', password = 'Pr0xy-Pa55w0rd'): Promise<Tinyproxy> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'amu-tinyproxy-'));
    const port = await freePort();
    const conf = [
      `Port ${port}`,
      'Listen 127.0.0.1',
      // Without Bind, tinyproxy 1.11 here fails to open its outgoing connections to 127.0.0.1.
      'Bind 127.0.0.1',
      'Timeout 60',
      `BasicAuth ${user} ${password}`,
      'Allow 127.0.0.1',
      ...connectPorts.map((p) => `ConnectPort ${p}`),
      `LogFile "${path.join(dir, 'tinyproxy.log')}"`,
      'LogLevel Connect',
      'MaxClients 100',
    ].join('\n');
    await writeFile(path.join(dir, 'tinyproxy.conf'), `${conf}\n`);
    const child = spawn(binary, ['-d', '-c', path.join(dir, 'tinyproxy.conf')], { stdio: 'ignore' });
    const proxy = new Tinyproxy(port, user, password, dir, child);
    await waitForPort(port, child, () => proxy.log());
    return proxy;
  }

  /** The proxy URL with the right credentials, or with `password` instead. */
  url(password = this.password): string {
    return `http://${encodeURIComponent(this.user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}`;
  }

  async log(): Promise<string> {
    return readFile(path.join(this.dir, 'tinyproxy.log'), 'utf8').catch(() => '');
  }

  /** CONNECT tunnels opened to 127.0.0.1:`port` so far. */
  async tunnels(port: number): Promise<number> {
    return (await this.log()).split('\n').filter((l) => l.includes(`Request (file descriptor`) && l.includes(`CONNECT 127.0.0.1:${port} `)).length;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
