// The port-forward side of the fake Kubernetes API that kubectl speaks: SPDY/3.1 streams (portforward.k8s.io), raw or tunneled in a WebSocket.
import { inflateSync, constants as zlibConstants } from 'node:zlib';
import { Duplex } from 'node:stream';

/** The SPDY/3 header compression dictionary (a constant of the protocol, 1423 bytes). */
const SPDY3_DICTIONARY = Buffer.from(
  'AAAAB29wdGlvbnMAAAAEaGVhZAAAAARwb3N0AAAAA3B1dAAAAAZkZWxldGUAAAAFdHJhY2UAAAAGYWNjZXB0AAAADmFjY2VwdC1jaGFyc2V0AAAAD2FjY2VwdC1lbmNvZGluZwAAAA9hY2NlcHQtbGFuZ3VhZ2UAAAANYWNjZXB0LXJhbmdlcwAAAANhZ2UAAAAFYWxsb3cAAAANYXV0aG9yaXphdGlvbgAAAA1jYWNoZS1jb250cm9sAAAACmNvbm5lY3Rpb24AAAAMY29udGVudC1iYXNlAAAAEGNvbnRlbnQtZW5jb2RpbmcAAAAQY29udGVudC1sYW5ndWFnZQAAAA5jb250ZW50LWxlbmd0aAAAABBjb250ZW50LWxvY2F0aW9uAAAAC2NvbnRlbnQtbWQ1AAAADWNvbnRlbnQtcmFuZ2UAAAAMY29udGVudC10eXBlAAAABGRhdGUAAAAEZXRhZwAAAAZleHBlY3QAAAAHZXhwaXJlcwAAAARmcm9tAAAABGhvc3QAAAAIaWYtbWF0Y2gAAAARaWYtbW9kaWZpZWQtc2luY2UAAAANaWYtbm9uZS1tYXRjaAAAAAhpZi1yYW5nZQAAABNpZi11bm1vZGlmaWVkLXNpbmNlAAAADWxhc3QtbW9kaWZpZWQAAAAIbG9jYXRpb24AAAAMbWF4LWZvcndhcmRzAAAABnByYWdtYQAAABJwcm94eS1hdXRoZW50aWNhdGUAAAATcHJveHktYXV0aG9yaXphdGlvbgAAAAVyYW5nZQAAAAdyZWZlcmVyAAAAC3JldHJ5LWFmdGVyAAAABnNlcnZlcgAAAAJ0ZQAAAAd0cmFpbGVyAAAAEXRyYW5zZmVyLWVuY29kaW5nAAAAB3VwZ3JhZGUAAAAKdXNlci1hZ2VudAAAAAR2YXJ5AAAAA3ZpYQAAAAd3YXJuaW5nAAAAEHd3dy1hdXRoZW50aWNhdGUAAAAGbWV0aG9kAAAAA2dldAAAAAZzdGF0dXMAAAAGMjAwIE9LAAAAB3ZlcnNpb24AAAAISFRUUC8xLjEAAAADdXJsAAAABnB1YmxpYwAAAApzZXQtY29va2llAAAACmtlZXAtYWxpdmUAAAAGb3JpZ2luMTAwMTAxMjAxMjAyMjA1MjA2MzAwMzAyMzAzMzA0MzA1MzA2MzA3NDAyNDA1NDA2NDA3NDA4NDA5NDEwNDExNDEyNDEzNDE0NDE1NDE2NDE3NTAyNTA0NTA1MjAzIE5vbi1BdXRob3JpdGF0aXZlIEluZm9ybWF0aW9uMjA0IE5vIENvbnRlbnQzMDEgTW92ZWQgUGVybWFuZW50bHk0MDAgQmFkIFJlcXVlc3Q0MDEgVW5hdXRob3JpemVkNDAzIEZvcmJpZGRlbjQwNCBOb3QgRm91bmQ1MDAgSW50ZXJuYWwgU2VydmVyIEVycm9yNTAxIE5vdCBJbXBsZW1lbnRlZDUwMyBTZXJ2aWNlIFVuYXZhaWxhYmxlSmFuIEZlYiBNYXIgQXByIE1heSBKdW4gSnVsIEF1ZyBTZXB0IE9jdCBOb3YgRGVjIDAwOjAwOjAwIE1vbiwgVHVlLCBXZWQsIFRodSwgRnJpLCBTYXQsIFN1biwgR01UY2h1bmtlZCx0ZXh0L2h0bWwsaW1hZ2UvcG5nLGltYWdlL2pwZyxpbWFnZS9naWYsYXBwbGljYXRpb24veG1sLGFwcGxpY2F0aW9uL3hodG1sK3htbCx0ZXh0L3BsYWluLHRleHQvamF2YXNjcmlwdCxwdWJsaWNwcml2YXRlbWF4LWFnZT1nemlwLGRlZmxhdGUsc2RjaGNoYXJzZXQ9dXRmLThjaGFyc2V0PWlzby04ODU5LTEsdXRmLSwqLGVucT0wLg==',
  'base64',
);

const VERSION = 3;
const TYPE = { synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9 } as const;
const FLAG_FIN = 0x01;
/** RST_STREAM status CANCEL. */
const CANCEL = 5;

/** One port-forward stream pair as kubectl opens it per local connection. */
export interface SpdyPortRequest {
  port: number;
  requestId: string;
  /** The data stream: what the handler writes goes to kubectl; what kubectl sends is read from it. */
  data: Duplex;
  /** Reports a failure on the request's error stream (kubectl prints it and drops the connection). */
  fail(message: string): void;
}

/** Header blocks from the client are one zlib stream with the dictionary: re-inflated whole, the new tail taken. */
class HeaderInflater {
  private compressed = Buffer.alloc(0);
  private inflatedLength = 0;

  next(block: Buffer): Buffer {
    this.compressed = Buffer.concat([this.compressed, block]);
    const all = inflateSync(this.compressed, { dictionary: SPDY3_DICTIONARY, finishFlush: zlibConstants.Z_SYNC_FLUSH });
    const fresh = all.subarray(this.inflatedLength);
    this.inflatedLength = all.length;
    return fresh;
  }
}

/**
 * Our header blocks: one zlib stream of stored (uncompressed) deflate blocks, valid for any zlib reader, no dictionary
 * needed. Each ends with an empty stored block, the sync-flush marker: Go's reader hands out the data there without
 * reading on into the next frame.
 */
class HeaderDeflater {
  private started = false;

  next(block: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.started) parts.push(Buffer.from([0x78, 0x01]));
    this.started = true;
    for (let at = 0; at < block.length; at += 0xffff) parts.push(storedBlock(block.subarray(at, at + 0xffff)));
    parts.push(storedBlock(Buffer.alloc(0)));
    return Buffer.concat(parts);
  }
}

/** A non-final stored deflate block: BFINAL=0, BTYPE=00, LEN, NLEN, the bytes. */
function storedBlock(piece: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = 0x00;
  head.writeUInt16LE(piece.length, 1);
  head.writeUInt16LE(~piece.length & 0xffff, 3);
  return Buffer.concat([head, piece]);
}

function encodeHeaders(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const count = Buffer.alloc(4);
  count.writeUInt32BE(Object.keys(headers).length);
  parts.push(count);
  for (const [name, value] of Object.entries(headers)) {
    for (const text of [name, value]) {
      const bytes = Buffer.from(text, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      parts.push(len, bytes);
    }
  }
  return Buffer.concat(parts);
}

function decodeHeaders(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = {};
  let at = 0;
  const count = block.readUInt32BE(at);
  at += 4;
  for (let i = 0; i < count; i++) {
    const nameLength = block.readUInt32BE(at);
    const name = block.subarray(at + 4, at + 4 + nameLength).toString('utf8');
    at += 4 + nameLength;
    const valueLength = block.readUInt32BE(at);
    headers[name.toLowerCase()] = block.subarray(at + 4, at + 4 + valueLength).toString('utf8');
    at += 4 + valueLength;
  }
  return headers;
}

function controlFrame(type: number, flags: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head.writeUInt32BE(((flags & 0xff) << 24) | body.length, 4);
  return Buffer.concat([head, body]);
}

function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head.writeUInt32BE(((flags & 0xff) << 24) | data.length, 4);
  return Buffer.concat([head, data]);
}

function uint32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** kubectl's data stream as a Duplex: writes become DATA frames, its DATA frames are read, FIN ends either side. */
class SpdyDataStream extends Duplex {
  constructor(
    private readonly session: SpdySession,
    readonly streamId: number,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.session.send(dataFrame(this.streamId, 0, chunk), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.session.send(dataFrame(this.streamId, FLAG_FIN, Buffer.alloc(0)), cb);
  }

  override _read(): void {
    this.session.resume();
  }
}

/** One SPDY session over a byte stream (the upgraded socket, or a WebSocket carrying the frames). */
export class SpdySession {
  private buffered = Buffer.alloc(0);
  private readonly inflater = new HeaderInflater();
  private readonly deflater = new HeaderDeflater();
  private readonly dataStreams = new Map<number, SpdyDataStream>();
  private readonly errorStreams = new Map<string, number>();
  private readonly pendingData = new Map<string, { port: number; stream: SpdyDataStream }>();

  constructor(
    private readonly transport: Duplex,
    private readonly onRequest: (request: SpdyPortRequest) => void,
  ) {
    transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('close', () => {
      for (const s of this.dataStreams.values()) s.destroy();
    });
    transport.on('error', () => undefined);
  }

  send(frame: Buffer, cb?: (err?: Error | null) => void): void {
    if (this.transport.destroyed || this.transport.writableEnded) return cb?.(new Error('the SPDY session is closed'));
    this.transport.write(frame, cb);
  }

  resume(): void {
    if (this.transport.isPaused()) this.transport.resume();
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt32BE(4) & 0xffffff;
      if (this.buffered.length < 8 + length) return;
      const frame = this.buffered.subarray(0, 8 + length);
      this.buffered = this.buffered.subarray(8 + length);
      if (frame[0]! & 0x80) this.control(frame.readUInt16BE(2), frame[4]!, frame.subarray(8));
      else this.data(frame.readUInt32BE(0) & 0x7fffffff, frame[4]!, frame.subarray(8));
    }
  }

  private control(type: number, flags: number, body: Buffer): void {
    switch (type) {
      case TYPE.synStream:
        return this.synStream(body.readUInt32BE(0) & 0x7fffffff, flags, this.inflater.next(body.subarray(10)));
      case TYPE.headers:
        this.inflater.next(body.subarray(4));
        return;
      case TYPE.rstStream:
        this.dataStreams.get(body.readUInt32BE(0) & 0x7fffffff)?.destroy();
        return;
      case TYPE.ping:
        this.send(controlFrame(TYPE.ping, 0, body));
        return;
      case TYPE.goAway:
        this.transport.end();
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE: nothing to do for small test transfers
    }
  }

  private synStream(streamId: number, flags: number, headerBlock: Buffer): void {
    const headers = decodeHeaders(headerBlock);
    this.send(controlFrame(TYPE.synReply, 0, Buffer.concat([uint32(streamId), this.deflater.next(encodeHeaders({}))])));
    const requestId = headers.requestid ?? '';
    const port = Number(headers.port);
    if (headers.streamtype === 'error') {
      this.errorStreams.set(requestId, streamId);
      this.startIfComplete(requestId);
      return;
    }
    if (headers.streamtype !== 'data') {
      this.send(controlFrame(TYPE.rstStream, 0, uint32(streamId, CANCEL)));
      return;
    }
    const stream = new SpdyDataStream(this, streamId);
    this.dataStreams.set(streamId, stream);
    if (flags & FLAG_FIN) stream.push(null);
    this.pendingData.set(requestId, { port, stream });
    this.startIfComplete(requestId);
  }

  /** kubectl opens the error stream, then the data stream; the request starts once both are there. */
  private startIfComplete(requestId: string): void {
    const pending = this.pendingData.get(requestId);
    const errorStream = this.errorStreams.get(requestId);
    if (!pending || errorStream === undefined) return;
    this.pendingData.delete(requestId);
    const fail = (message: string) => this.send(dataFrame(errorStream, FLAG_FIN, Buffer.from(message, 'utf8')));
    this.onRequest({ port: pending.port, requestId, data: pending.stream, fail });
  }

  private data(streamId: number, flags: number, payload: Buffer): void {
    const stream = this.dataStreams.get(streamId);
    if (!stream) return; // the error stream: kubectl sends nothing on it
    if (payload.length > 0 && !stream.push(payload)) this.transport.pause();
    if (flags & FLAG_FIN) stream.push(null);
  }
}
