// Sends bytes to a local TCP port (a port-forward to an echo) and collects what comes back until as many bytes returned.
import net from 'node:net';

export function tcpRoundTrip(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    socket.on('data', (c: Buffer) => {
      parts.push(c);
      got += c.length;
      if (got >= data.length) socket.end();
    });
    socket.on('close', () => resolve(Buffer.concat(parts)));
    socket.on('error', reject);
  });
}
