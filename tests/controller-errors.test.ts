/* A controller that sends malformed or unsupported OpenFlow messages, against
 * our ovs-vswitchd and the real one.
 *
 * The test is the controller: it listens on a TCP port, the switch (fail-mode
 * secure, dummy datapath) connects to it, and the test negotiates OpenFlow 1.3.
 * Then, one by one, it sends messages the switch must refuse (unknown types,
 * unknown experimenters, truncated bodies, bad tables, ports, groups, roles,
 * actions, instructions and match fields), each followed by a barrier: every
 * reply before the barrier's (the OFPT_ERROR, with its type, code and the
 * start of the offending message) must be byte for byte what the real switch
 * sends.  Afterwards the connection still answers an echo request, and the
 * daemon is still running.  Without the real OVS, the expected error names
 * are checked against ours alone.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Sandbox, haveReal, realPath, alive } from './helpers/sandbox.js';
import { vswitchSchema } from './helpers/ovsdb-peer.js';
import { decodeErrorBody } from '../src/openflow/ofp-errors.js';

const haveRealOvs = ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovsdb-tool'].every(haveReal);

/** A switch under test with its controller side. */
interface Switch { name: string; sb: Sandbox; server: Server; ctl: Ctl | null }
const started: Switch[] = [];
after(async () => {
  for (const s of started) {
    s.ctl?.sock.destroy();
    s.server.close();
    await s.sb.cleanup();
  }
});

/** The controller's end of one switch connection: framed messages in arrival order. */
class Ctl {
  private buf = Buffer.alloc(0);
  readonly msgs: Buffer[] = [];
  private waiter: (() => void) | null = null;
  closed = false;
  constructor(readonly sock: Socket) {
    sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 8 && this.buf.readUInt16BE(2) >= 8 && this.buf.length >= this.buf.readUInt16BE(2)) {
        const n = this.buf.readUInt16BE(2);
        const m = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        // Keep-alive: answer the switch's echo requests.
        if (m[1] === 2) { const r = Buffer.from(m); r[1] = 3; sock.write(r); continue; }
        this.msgs.push(Buffer.from(m));
      }
      this.waiter?.();
    });
    sock.on('close', () => { this.closed = true; this.waiter?.(); });
    sock.on('error', () => { /* reported as closed */ });
  }

  /** Waits for a message with 'xid' (and returns everything before it too), or null on timeout/close. */
  async until(xid: number, ms: number): Promise<Buffer[] | null> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.msgs.findIndex((m) => m.readUInt32BE(4) === xid);
      if (i >= 0) return this.msgs.splice(0, i + 1);
      if (this.closed || Date.now() > deadline) return null;
      await new Promise<void>((r) => { this.waiter = r; setTimeout(r, 50); });
      this.waiter = null;
    }
  }
}

const V = 4; // OpenFlow 1.3
/** An OpenFlow 1.3 message: header with 'type' and 'xid', then 'body' (hex, spaces ignored). */
function msg(type: number, xid: number, body = '', version = V): Buffer {
  const b = Buffer.from(body.replace(/\s+/g, ''), 'hex');
  const h = Buffer.alloc(8);
  h[0] = version; h[1] = type; h.writeUInt16BE(8 + b.length, 2); h.writeUInt32BE(xid, 4);
  return Buffer.concat([h, b]);
}
/** A header whose length field says 'len' (so the body is short or long). */
function withLength(m: Buffer, len: number): Buffer { const c = Buffer.from(m); c.writeUInt16BE(len, 2); return c; }

// OF1.3 flow_mod body: cookie, cookie_mask, table, command, idle, hard, priority, buffer_id,
// out_port, out_group, flags, pad; then a match and instructions.
const flowMod = (table: string, match: string, insts: string, command = '00') =>
  `0000000000000000 0000000000000000 ${table} ${command} 0000 0000 8000 ffffffff ffffffff ffffffff 0000 0000 ${match} ${insts}`;
const EMPTY_MATCH = '0001 0004 00000000';
const applyActions = (acts: string) => {
  const n = 8 + Buffer.from(acts.replace(/\s+/g, ''), 'hex').length;
  return `0004 ${n.toString(16).padStart(4, '0')} 00000000 ${acts}`;
};
const output = (port: string) => `0000 0010 ${port} ffff 000000000000`;

/** The script: a name, the error OVS names for it, and the message. */
const STEPS: { name: string; expect: string; make: (xid: number) => Buffer }[] = [
  { name: 'unknown message type', expect: 'OFPBRC_BAD_TYPE', make: (x) => msg(99, x) },
  { name: 'hello after the handshake', expect: 'OFPBRC_BAD_TYPE', make: (x) => msg(0, x) },
  { name: 'unknown experimenter', expect: 'OFPBRC_BAD_VENDOR', make: (x) => msg(4, x, '00abcdef 00000000') },
  { name: 'Nicira experimenter, unknown subtype', expect: 'OFPBRC_BAD_SUBTYPE', make: (x) => msg(4, x, '00002320 00007fff') },
  { name: 'truncated flow_mod', expect: 'OFPBRC_BAD_LEN', make: (x) => msg(14, x, '0000000000000000') },
  { name: 'multipart request of an unknown type', expect: 'OFPBRC_BAD_STAT', make: (x) => msg(18, x, '00ee 0000 00000000') },
  { name: 'flow_mod into table 255', expect: 'OFPFMFC_BAD_TABLE_ID', make: (x) => msg(14, x, flowMod('ff', EMPTY_MATCH, '')) },
  { name: 'flow_mod with output to port 0 (accepted, as by OVS)', expect: '', make: (x) => msg(14, x, flowMod('00', EMPTY_MATCH, applyActions(output('00000000')))) },
  { name: 'flow_mod with output to OFPP_ANY', expect: 'OFPBAC_BAD_OUT_PORT', make: (x) => msg(14, x, flowMod('00', EMPTY_MATCH, applyActions(output('ffffffff')))) },
  { name: 'flow_mod with an unknown command', expect: 'OFPFMFC_BAD_COMMAND', make: (x) => msg(14, x, flowMod('00', EMPTY_MATCH, '', '09')) },
  { name: 'flow_mod with output to a group that does not exist', expect: 'OFPBAC_BAD_OUT_GROUP', make: (x) => msg(14, x, flowMod('00', EMPTY_MATCH, applyActions('0016 0008 00000063'))) },
  { name: 'flow_mod with an unknown action', expect: 'OFPBAC_BAD_TYPE', make: (x) => msg(14, x, flowMod('00', EMPTY_MATCH, applyActions('7777 0008 00000000'))) },
  { name: 'flow_mod with a truncated action', expect: 'OFPBAC_BAD_LEN', make: (x) => msg(14, x, flowMod('00', EMPTY_MATCH, applyActions('0000 0018 00000001 ffff 000000000000 0000000000000000'))) },
  { name: 'flow_mod with goto_table backwards', expect: 'OFPBIC_BAD_TABLE_ID', make: (x) => msg(14, x, flowMod('05', EMPTY_MATCH, '0001 0008 02 000000')) },
  { name: 'flow_mod with an unknown instruction', expect: 'OFPBIC_UNKNOWN_INST', make: (x) => msg(14, x, flowMod('00', EMPTY_MATCH, '0042 0008 00000000')) },
  { name: 'flow_mod matching an unknown OXM field', expect: 'OFPBMC_BAD_FIELD', make: (x) => msg(14, x, flowMod('00', '0001 000c 80007f04 00000001 00000000', '')) },
  { name: 'flow_mod matching tcp_dst without ip/tcp', expect: 'OFPBMC_BAD_PREREQ', make: (x) => msg(14, x, flowMod('00', '0001 000a 80001c02 0050 000000000000', '')) },
  { name: 'group_mod of an unknown group type', expect: 'OFPGMFC_BAD_TYPE', make: (x) => msg(15, x, '0000 09 00 00000001') },
  { name: 'group_mod deleting... modifying a missing group', expect: 'OFPGMFC_UNKNOWN_GROUP', make: (x) => msg(15, x, '0001 00 00 00000063') },
  { name: 'packet_out from an invalid port', expect: 'OFPBRC_BAD_PORT', make: (x) => msg(13, x, 'ffffffff fffffff0 0000 000000000000') },
  { name: 'packet_out naming a buffer that does not exist', expect: 'OFPBRC_BUFFER_UNKNOWN', make: (x) => msg(13, x, '00000007 fffffffd 0000 000000000000') },
  { name: 'port_mod of a missing port', expect: 'OFPPMFC_BAD_PORT', make: (x) => msg(16, x, '00000063 00000000 000000000000 0000 00000000 00000001 00000000 00000000') },
  { name: 'role request with an unknown role', expect: 'OFPRRFC_BAD_ROLE', make: (x) => msg(24, x, '00000007 00000000 0000000000000000') },
  { name: 'meter_mod adding meter 0', expect: 'OFPMMFC_INVALID_METER', make: (x) => msg(29, x, '0000 0001 00000000 0001 0010 00000064 00000000 00000000') },
  { name: 'table_mod of table 254 (hidden)', expect: 'OFPTMFC_EPERM', make: (x) => msg(17, x, 'fe 000000 00000000') },
  { name: 'set_config with a short body', expect: 'OFPBRC_BAD_LEN', make: (x) => msg(9, x, '0000') },
  { name: 'Nicira set_packet_in_format with an unknown format', expect: 'OFPBRC_EPERM', make: (x) => msg(4, x, '00002320 00000010 00000009') },
  { name: 'a message in OpenFlow 1.0 on a 1.3 connection', expect: 'OFPBRC_BAD_VERSION', make: (x) => msg(5, x, '', 1) },
  { name: 'a message longer than its body', expect: 'OFPBRC_BAD_LEN', make: (x) => withLength(msg(5, x, '00000000'), 12) },
];

async function startSwitch(name: string, vswitchd: string, schemaFromReal: boolean): Promise<Switch> {
  const sb = new Sandbox(`ovs-ts-ctlerr-${name}-`);
  const server = createServer();
  const s: Switch = { name, sb, server, ctl: null };
  started.push(s);
  const conn = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const tool = (p: string) => (schemaFromReal ? realPath(p) : p);
  const c = sb.run(tool('ovsdb-tool'), ['create', join(sb.dir, 'conf.db'), vswitchSchema()]);
  assert.equal(c.status, 0, c.stderr);
  sb.startDaemon(tool('ovsdb-server'), [join(sb.dir, 'conf.db'), `--remote=punix:${join(sb.dir, 'db.sock')}`], 'ovsdb-server');
  assert.equal(sb.run(tool('ovs-vsctl'), ['--no-wait', 'init']).status, 0);
  sb.startDaemon(vswitchd, ['--enable-dummy', '--disable-system', '--disable-system-route'], 'ovs-vswitchd');
  const r = sb.run(tool('ovs-vsctl'), ['--timeout=20', 'add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath-type=dummy',
    'fail-mode=secure', 'other-config:datapath-id=fedcba9876543210', 'protocols=[OpenFlow13]',
    '--', 'add-port', 'br0', 'p1', '--', 'set', 'Interface', 'p1', 'type=dummy', 'ofport_request=1',
    '--', 'set-controller', 'br0', `tcp:127.0.0.1:${port}`]);
  assert.equal(r.status, 0, `${name}: ${r.stderr}`);
  let timer: NodeJS.Timeout | undefined;
  const sock = await Promise.race([conn, new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${name}: the switch did not connect`)), 15000);
  })]).finally(() => clearTimeout(timer));
  s.ctl = new Ctl(sock);
  sock.write(msg(0, 1, '', V));
  // The switch's hello arrives first; a barrier shows the session is up.
  sock.write(msg(20, 2));
  assert.ok(await s.ctl.until(2, 10000), `${name}: no barrier reply after the hello`);
  return s;
}

const hex = (b: Buffer): string => b.toString('hex');

/** Runs the script on one switch: for each step, the replies that came before its barrier's. */
async function runScript(s: Switch): Promise<string[][]> {
  const out: string[][] = [];
  let xid = 0x100;
  for (const step of STEPS) {
    xid += 2;
    s.ctl!.sock.write(step.make(xid));
    s.ctl!.sock.write(msg(20, xid + 1));
    const got = await s.ctl!.until(xid + 1, 5000);
    if (!got) { out.push(['connection lost']); break; }
    // Asynchronous messages (port status, ...) do not carry our xids.
    out.push(got.filter((m) => m.readUInt32BE(4) === xid || m[1] === 1).map(hex));
  }
  return out;
}

/** The error a reply names (OVS's name), or the reply's type. */
function errorName(h: string): string {
  const b = Buffer.from(h, 'hex');
  if (b[1] !== 1) return `message type ${b[1]}`;
  const e = decodeErrorBody(b[0]!, b.subarray(8));
  return e?.error ?? `unknown error ${e?.vendor}/${e?.type}/${e?.code}`;
}

test('malformed and unsupported controller messages get OFPT_ERROR; the connection and the daemon stay up', { timeout: 120000 }, async (t) => {
  const ours = await startSwitch('ours', 'ovs-vswitchd', haveRealOvs);
  const real = haveRealOvs ? await startSwitch('real', realPath('ovs-vswitchd'), true) : null;
  const [a, b] = await Promise.all([runScript(ours), real ? runScript(real) : Promise.resolve(null)]);
  const diffs: string[] = [];
  STEPS.forEach((step, i) => {
    const mine = a[i] ?? ['(not run)'];
    if (b) {
      const theirs = b[i] ?? ['(not run)'];
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
        diffs.push(`${step.name}:\n  real: ${theirs.map((h) => `${errorName(h)} ${h}`).join('\n        ')}\n  ours: ${mine.map((h) => `${errorName(h)} ${h}`).join('\n        ')}`);
      }
    }
    const names = mine.map((h) => (h === 'connection lost' ? h : errorName(h)));
    if (JSON.stringify(names) !== JSON.stringify(step.expect ? [step.expect] : [])) {
      diffs.push(`${step.name}: expected ${step.expect || 'no reply'}, ours sent ${names.join(', ') || 'nothing'}`);
    }
  });
  t.diagnostic(`${STEPS.length} messages; ${diffs.length} differences`);
  assert.deepEqual(diffs, []);
  // The connection is still up, and so is the daemon.
  ours.ctl!.sock.write(msg(2, 0x7777, 'abcd'));
  const echo = await ours.ctl!.until(0x7777, 5000);
  assert.ok(echo && echo[echo.length - 1]![1] === 3, 'no echo reply after the script');
  assert.ok(alive(ours.sb.pid('ovs-vswitchd')!), 'ovs-vswitchd exited');
  assert.doesNotMatch(ours.sb.log('ovs-vswitchd'), /\|(EMER)\|/);
});
