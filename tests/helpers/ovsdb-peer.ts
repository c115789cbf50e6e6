/* ovsdb-peer: helpers for tests that talk to an ovsdb-server (ours or the
 * real one) over its unix socket.
 *
 * startOvsdbServer() creates a database from a schema with ovsdb-tool and
 * starts a server on "<name>.sock" in a Sandbox; RawPeer is a bare JSON-RPC
 * connection that records every message received (replies, notifications,
 * and whether the server closed the connection), so tests can send malformed
 * bytes and check exactly what comes back.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Sandbox } from './sandbox.js';
import { jsonParse } from '../../src/lib/json.js';
import { ROOT, realPath } from './sandbox.js';

/** The vswitch schema: the system's if installed, else ours. */
export function vswitchSchema(): string {
  const sys = '/usr/share/openvswitch/vswitch.ovsschema';
  return existsSync(sys) ? sys : join(ROOT, 'schemas', 'vswitch.ovsschema');
}

export interface ServerHandle {
  name: string;
  sock: string;
  ctl: string;
  db: string;
}

/** Creates '<name>.db' from 'schema' and starts 'server' (ours: "ovsdb-server",
 * or an absolute path) serving it on punix:<name>.sock with control socket
 * <name>.ctl.  Extra arguments go to the server. */
export async function startOvsdbServer(sb: Sandbox, name: string, server: string, schema = vswitchSchema(),
  extra: string[] = [], tool = 'ovsdb-tool'): Promise<ServerHandle> {
  const db = join(sb.dir, `${name}.db`);
  const sock = join(sb.dir, `${name}.sock`);
  const ctl = join(sb.dir, `${name}.ctl`);
  const c = sb.run(tool, ['create', db, schema]);
  if (c.status !== 0) throw new Error(`ovsdb-tool create failed: ${c.stderr}`);
  sb.startDaemon(server, [db, `--remote=punix:${sock}`, `--unixctl=${ctl}`, ...extra], name);
  for (let i = 0; i < 100 && !existsSync(sock); i++) await sleep(50);
  return { name, sock, ctl, db };
}

export function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

/** The real ovsdb-server and ovsdb-tool, if installed. */
export const REAL_SERVER = realPath('ovsdb-server');
export const REAL_TOOL = realPath('ovsdb-tool');

/** A raw JSON-RPC connection that keeps everything it receives. */
export class RawPeer {
  readonly sock: Socket;
  /** Complete messages received, parsed. */
  readonly received: Record<string, unknown>[] = [];
  closed = false;
  private buf = '';
  private waiters: (() => void)[] = [];
  private nextId = 1000;

  constructor(path: string) {
    this.sock = connect({ path });
    this.sock.on('data', (b) => { this.buf += b.toString(); this.split(); this.wake(); });
    this.sock.on('close', () => { this.closed = true; this.wake(); });
    this.sock.on('error', () => { this.closed = true; this.wake(); });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Splits complete top-level JSON values out of the buffer. */
  private split(): void {
    let depth = 0, inStr = false, esc = false, start = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (inStr) {
        if (esc) esc = false;
        else if (c === '\\') esc = true;
        else if (c === '"') inStr = false;
      } else if (c === '"') inStr = true;
      else if (c === '{' || c === '[') { if (depth++ === 0) start = i; }
      else if (c === '}' || c === ']') {
        if (--depth === 0) {
          // Exact 64-bit integers (bigints) survive parsing.
          const msg = jsonParse(this.buf.slice(start, i + 1)) as Record<string, unknown>;
          if (msg.method === 'echo' && msg.id !== null) {
            this.write(JSON.stringify({ id: msg.id, result: msg.params, error: null }, (_k, x) =>
              (typeof x === 'bigint' ? Number(x) : x)));
          } else {
            this.received.push(msg);
          }
          this.buf = this.buf.slice(i + 1);
          i = -1;
        }
      }
    }
  }

  write(data: string | Buffer): void {
    if (!this.closed) this.sock.write(data);
  }

  /** Waits until 'pred' holds over received messages (or the peer closed). */
  async until(pred: () => boolean, ms = 5000): Promise<boolean> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) return false;
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.max(1, end - Date.now()));
        this.waiters.push(() => { clearTimeout(t); r(); });
      });
      if (this.closed && !pred()) return pred();
    }
    return true;
  }

  /** Sends a request and resolves with the reply message (or null if the
   * connection closed first). */
  async request(method: string, params: unknown, id: unknown = this.nextId++): Promise<Record<string, unknown> | null> {
    this.write(JSON.stringify({ method, params, id }));
    const find = () => this.received.find((m) => 'id' in m && JSON.stringify(m.id) === JSON.stringify(id)
      && ('result' in m || 'error' in m));
    await this.until(() => find() !== undefined || this.closed);
    return find() ?? null;
  }

  /** Notifications received with 'method'. */
  notifications(method: string): Record<string, unknown>[] {
    return this.received.filter((m) => m.method === method);
  }

  /** Resolves once connected (or failed to connect). */
  connected(): Promise<void> {
    return new Promise((r) => {
      if (this.closed || !this.sock.connecting) { r(); return; }
      this.sock.once('connect', () => r());
      this.sock.once('error', () => r());
      this.sock.once('close', () => r());
    });
  }

  close(): void { this.sock.destroy(); }
}

/** Starts a switch with dummy ports in 'sb': the real ovsdb-server on
 * db.sock, then 'vswitchd' (ours or the real one) with --enable-dummy, then
 * the real `ovs-vsctl --timeout=20 ...bridge` (the vsctl arguments that
 * build its bridges).  Throws (an assertion) naming 'name' on failure. */
export function startDummySwitch(sb: Sandbox, name: string, vswitchd: string, bridge: string[]): void {
  const c = sb.run(realPath('ovsdb-tool'), ['create', join(sb.dir, 'conf.db'), vswitchSchema()]);
  assert.equal(c.status, 0, c.stderr);
  sb.startDaemon(realPath('ovsdb-server'), [join(sb.dir, 'conf.db'), `--remote=punix:${join(sb.dir, 'db.sock')}`], 'ovsdb-server');
  const init = sb.run(realPath('ovs-vsctl'), ['--no-wait', 'init']);
  assert.equal(init.status, 0, init.stderr);
  sb.startDaemon(vswitchd, ['--enable-dummy', '--disable-system', '--disable-system-route'], 'ovs-vswitchd');
  const r = sb.run(realPath('ovs-vsctl'), ['--timeout=20', ...bridge]);
  assert.equal(r.status, 0, `${name}: ${r.stderr}`);
}
