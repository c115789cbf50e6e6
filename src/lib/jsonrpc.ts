/* jsonrpc: JSON-RPC 1.0 over a stream socket, as OVS speaks it.
 *
 * Messages are JSON objects sent back to back (see json-stream.ts):
 *   request       {"method": M, "params": [...], "id": ID}
 *   notification  {"method": M, "params": [...], "id": null}
 *   reply         {"result": R, "error": null, "id": ID}
 *   error reply   {"result": null, "error": E, "id": ID}
 *
 * A JsonRpc wraps one connected socket.  It answers "echo" requests itself
 * (the keep-alive both OVS peers use), matches replies to the requests this
 * side sent, and hands other requests and notifications to its owner.  Output
 * produced while handling one chunk of input goes out in one write.
 *
 * A message that breaks the framing or the JSON-RPC shape closes the
 * connection (OVS does the same: the stream is unusable from then on).
 */
import type { Socket } from 'node:net';
import { JsonStreamParser, JsonFramingError } from './json-stream.js';
import { vlogModule, RateLimit } from './vlog.js';
import { directRead, socketFd, writeDirect } from './stream.js';

const log = vlogModule('jsonrpc');
const rl = new RateLimit(5, 5);

export type JsonId = unknown;

/** The reply to a request that came back with a non-null "error". */
export class JsonRpcError extends Error {
  constructor(readonly error: unknown) {
    super(typeof error === 'string' ? error : JSON.stringify(error));
  }
}

/** The connection closed before a reply came. */
export class JsonRpcClosedError extends Error {}

export interface JsonRpcOptions {
  /** Peer name for log messages, e.g. "unix:/var/run/openvswitch/db.sock". */
  name: string;
  /** Longest message accepted, in bytes. */
  maxMessageSize?: number;
  /** Parser for received JSON texts (default JSON.parse). */
  parse?: (text: string) => unknown;
  /** Serializer for sent messages (default JSON.stringify); OVSDB peers pass
   * one that writes 64-bit integers (bigints) exactly. */
  stringify?: (msg: object) => string;
  /** Serve a plain (unix or TCP) socket without Node's stream layer (see
   * stream.ts directRead): cheaper per message, for busy servers.  The socket
   * to use afterwards for pause(), resume() and events is JsonRpc.sock. */
  directIo?: boolean;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

const MEMBERS = new Set(['method', 'params', 'result', 'error', 'id']);

export class JsonRpc {
  readonly name: string;
  /** Called for each request; answer with reply() or replyError(). */
  onRequest: (method: string, params: unknown[], id: JsonId) => void = (method, _params, id) => {
    this.replyError(id, 'unknown method');
    log.dbg(`${this.name}: unexpected request "${method}"`);
  };
  /** Called for each notification. */
  onNotify: (method: string, params: unknown[]) => void = () => {};
  /** Called for a reply that matches no request sent (default: ignored). */
  onUnexpectedReply: (msg: Record<string, unknown>) => void = (msg) => {
    log.dbg(`${this.name}: received reply with unknown id ${JSON.stringify(msg.id)}`);
  };
  /** Called once when the connection is gone; 'reason' is set on errors. */
  onClose: (reason?: string) => void = () => {};

  /** Time (Date.now()) of the last message received: the inactivity probe's clock. */
  lastReceived = Date.now();
  /** Bytes received and sent, for statistics. */
  rxBytes = 0;
  txBytes = 0;

  private readonly parser: JsonStreamParser;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private out: string[] = [];
  /** True while receive() is handling a chunk. */
  private receiving = false;
  private readonly onMessage = (msg: unknown): void => this.dispatch(msg);
  private flushScheduled = false;
  private closed = false;
  private stringify: (msg: object) => string = JSON.stringify;
  private socket: Socket;
  /** The descriptor written directly (directIo), else -1. */
  private fd = -1;

  constructor(socket: Socket, opts: JsonRpcOptions) {
    this.name = opts.name;
    this.parser = new JsonStreamParser(opts.maxMessageSize, opts.parse);
    if (opts.stringify) this.stringify = opts.stringify;
    const direct = opts.directIo ? directRead(socket, (chunk) => this.receive(chunk)) : null;
    if (direct) {
      socket = direct;
      this.fd = socketFd(direct);
    } else {
      socket.on('data', (chunk: Buffer) => this.receive(chunk));
    }
    this.socket = socket;
    socket.on('error', (e: NodeJS.ErrnoException) => this.shutdown(e.code ?? e.message));
    socket.on('close', () => this.shutdown());
    socket.on('end', () => this.shutdown());
  }

  get isClosed(): boolean { return this.closed; }

  /** The socket served (with directIo, not the one given to the constructor). */
  get sock(): Socket { return this.socket; }

  /** Sends a request; the promise settles with the reply's result, or rejects
   * with JsonRpcError (error reply) or JsonRpcClosedError. */
  request(method: string, params: unknown[]): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.closed) { reject(new JsonRpcClosedError(`${this.name}: connection closed`)); return; }
      this.pending.set(id, { resolve, reject });
      this.send({ method, params, id });
    });
  }

  /** Sends a request whose reply is delivered to 'callback' (no promise:
   * cheaper on hot paths).  Returns the id used. */
  requestCb(method: string, params: unknown[], callback: (error: unknown, result: unknown) => void): number {
    const id = this.nextId++;
    this.pending.set(id, {
      resolve: (r) => callback(null, r),
      reject: (e) => callback(e instanceof JsonRpcError ? e.error : e.message, null),
    });
    this.send({ method, params, id });
    return id;
  }

  notify(method: string, params: unknown[]): void {
    this.send({ method, params, id: null });
  }

  reply(id: JsonId, result: unknown): void {
    this.send({ id, result, error: null });
  }

  /** Sends an error reply; like OVS's, it has no "result" member. */
  replyError(id: JsonId, error: unknown): void {
    this.send({ id, error });
  }

  /** Queues one message; everything queued in this tick goes out in one write. */
  send(msg: object): void {
    if (this.closed) return;
    this.sendText(this.stringify(msg));
  }

  /** Queues an already serialized message (for fan-out of one update to many). */
  sendText(text: string): void {
    if (this.closed) return;
    this.out.push(text);
    // While a chunk is being handled, receive() writes the replies at its end.
    if (!this.flushScheduled && !this.receiving) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  /** Bytes written but not yet accepted by the kernel. */
  get backlog(): number { return this.socket.writableLength; }

  close(): void {
    this.flush();
    this.socket.end();
    this.shutdown();
  }

  /** Writes what is queued now rather than at the end of this tick. */
  flushOutput(): void {
    if (this.out.length !== 0) this.flush();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.out.length === 0) return;
    const text = this.out.length === 1 ? this.out[0]! : this.out.join('');
    this.out = [];
    if (this.fd >= 0) {
      this.txBytes += writeDirect(this.socket, this.fd, text);
    } else {
      this.txBytes += Buffer.byteLength(text);
      this.socket.write(text);
    }
  }

  private receive(chunk: Buffer): void {
    this.rxBytes += chunk.length;
    this.lastReceived = Date.now();
    this.receiving = true;
    try {
      this.parser.push(chunk, this.onMessage);
      this.receiving = false;
      if (this.out.length !== 0 && !this.flushScheduled) this.flush();
    } catch (e) {
      this.receiving = false;
      if (e instanceof JsonFramingError || e instanceof JsonRpcProtocolError) {
        log.warnRl(rl, `${this.name}: error parsing stream: ${e.message}`);
        this.protocolError(e.message);
      } else {
        throw e;
      }
    }
  }

  private protocolError(reason: string): void {
    this.flush();
    this.socket.destroy();
    this.shutdown(`protocol error: ${reason}`);
  }

  private dispatch(msg: unknown): void {
    if (this.closed) return;
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      throw new JsonRpcProtocolError('message is not a JSON object');
    }
    const m = msg as Record<string, unknown>;
    for (const k of Object.keys(m)) {
      if (!MEMBERS.has(k)) throw new JsonRpcProtocolError(`message has unexpected member "${k}"`);
    }
    if ('method' in m) {
      if (typeof m.method !== 'string') throw new JsonRpcProtocolError('"method" is not a string');
      if (!Array.isArray(m.params)) throw new JsonRpcProtocolError('"params" must be JSON array');
      if ('result' in m || 'error' in m) throw new JsonRpcProtocolError('request has "result" or "error" member');
      if (m.id === undefined || m.id === null) {
        this.onNotify(m.method, m.params);
      } else if (m.method === 'echo') {
        this.reply(m.id, m.params);
      } else {
        this.onRequest(m.method, m.params, m.id);
      }
      return;
    }
    if (!('id' in m) || m.id === null) throw new JsonRpcProtocolError('message has no "method" and no "id"');
    const p = typeof m.id === 'number' ? this.pending.get(m.id) : undefined;
    if (!p) {
      this.onUnexpectedReply(m);
      return;
    }
    this.pending.delete(m.id as number);
    if (m.error !== undefined && m.error !== null) p.reject(new JsonRpcError(m.error));
    else p.resolve(m.result);
  }

  private shutdown(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.out = [];
    if (!this.socket.destroyed) this.socket.destroy();
    const err = new JsonRpcClosedError(`${this.name}: connection closed${reason ? ` (${reason})` : ''}`);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.onClose(reason);
  }
}

class JsonRpcProtocolError extends Error {}
