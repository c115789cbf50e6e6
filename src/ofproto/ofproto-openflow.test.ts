/* Tests for ofproto-openflow: a real Ofproto (the in-memory testbed provider)
 * served by OfprotoOpenflow and its connmgr on a unix socket, driven by the
 * tools' Vconn client, with replies decoded by the openflow layer. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vconn } from '../openflow/vconn.js';
import { encodeBarrierRequest } from '../openflow/ofp-hello.js';
import { encodeSetConfig } from '../openflow/ofp-switch.js';
import { decodeMsg, allocXid, type OfpMsg } from '../openflow/ofp-msgs.js';
import { OfpError, decodeErrorBody } from '../openflow/ofp-errors.js';
import { encodeFeaturesRequest, decodeFeaturesReply } from '../openflow/ofp-switch.js';
import {
  encodeFlowMod, encodeFlowStatsRequest, decodeFlowStatsReply, OFPFC_ADD, OFPFC_DELETE, FF_SEND_FLOW_REM,
  type FlowMod,
} from '../openflow/ofp-flow.js';
import { parseFlowModStr } from '../openflow/ofp-flow-parse.js';
import { encodeBundleCtrl, encodeBundleAdd, decodeBundleCtrl, OFPBF_ATOMIC } from '../openflow/ofp-bundle.js';
import { encodeFlowMonitorRequest, decodeFlowUpdates, OFPFMF_INITIAL, OFPFMF_ADD, OFPFMF_REMOVED, OFPFMC_ADD } from '../openflow/ofp-monitor.js';
import { encodePortDescRequest, decodePhyPorts, OFPP_ANY } from '../openflow/ofp-port.js';
import { OfpReader } from '../openflow/ofp-buffer.js';
import { Match } from '../openflow/match.js';
import { Ofproto } from './ofproto.js';
import { OfprotoOpenflow } from './ofproto-openflow.js';
import './xlate-testbed.js';

let dir = '';
let openflow: OfprotoOpenflow;
let ofproto: Ofproto;
const clients: Vconn[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ofproto-openflow-'));
  const r = Ofproto.create('br0', 'testbed');
  if ('error' in r) throw new Error(r.message);
  ofproto = r.ofproto;
  ofproto.datapathId = 0xfedcba9876543210n;
  openflow = new OfprotoOpenflow(ofproto);
  await openflow.connmgr.setManagementSocket(join(dir, 'br0.mgmt'));
  for (const n of [1, 2]) {
    ofproto.portInstall({
      ofpPort: n, netdev: null, dp: null,
      pp: { portNo: n, name: `p${n}`, hwAddr: new Uint8Array([0xaa, 0x55, 0xaa, 0x55, 0, n]), config: 0, state: 4,
        curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0 },
    });
  }
});

after(() => {
  for (const c of clients) c.close();
  openflow.connmgr.destroy();
  ofproto.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(version: number): Promise<Vconn> {
  const c = await Vconn.open(`unix:${join(dir, 'br0.mgmt')}`, 1 << version);
  clients.push(c);
  return c;
}

function decode(m: Uint8Array): OfpMsg {
  const d = decodeMsg(m);
  if (d instanceof OfpError) throw d;
  return d;
}

function flowMod(text: string, command = OFPFC_ADD): FlowMod {
  const p = parseFlowModStr(text, command);
  if (typeof p === 'string') throw new Error(p);
  return p.fm;
}

/** Sends 'req' and a barrier; returns everything received before the barrier reply. */
async function exchange(c: Vconn, req: Uint8Array): Promise<OfpMsg[]> {
  c.send(req);
  const bx = allocXid();
  c.send(encodeBarrierRequest(c.version, bx));
  const out: OfpMsg[] = [];
  for (;;) {
    const m = decode(await c.recv());
    if (m.info.type === 'BARRIER_REPLY' && m.xid === bx) return out;
    out.push(m);
  }
}

function errorName(m: OfpMsg): string | null {
  assert.equal(m.info.type, 'ERROR');
  return decodeErrorBody(m.version, m.data.subarray(m.hdrsLen))?.error ?? null;
}

test('features reply lists the datapath id, visible tables and ports', async () => {
  const c = await connect(1);
  const f = decodeFeaturesReply(decode(await c.transact(encodeFeaturesRequest(1, allocXid()))));
  assert.equal(f.datapathId, 0xfedcba9876543210n);
  assert.equal(f.nTables, 254);
  assert.deepEqual(f.ports.map((p) => p.name).sort(), ['p1', 'p2']);
});

test('flow mods are applied and dumped in the requester\'s version', async () => {
  const c = await connect(4);
  for (const t of ['priority=10,in_port=1,actions=output:2', 'table=1,priority=5,ip,actions=drop']) {
    assert.deepEqual(await exchange(c, encodeFlowMod(flowMod(t), 4, { xid: allocXid() })), []);
  }
  const stats = decodeFlowStatsReply(decode(await c.transact(encodeFlowStatsRequest({
    tableId: 0xff, outPort: OFPP_ANY, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: new Match(), aggregate: false,
  }, 4, { xid: allocXid() }))));
  assert.deepEqual(stats.map((s) => [s.tableId, s.priority]).sort(), [[0, 10], [1, 5]]);
  const bad = await exchange(c, encodeFlowMod(flowMod('table=1,actions=group:4321'), 4, { xid: allocXid() }));
  assert.equal(bad.length, 1);
  assert.equal(errorName(bad[0]!), 'OFPBAC_BAD_OUT_GROUP');
});

test('a bundle applies all of its flow mods or none', async () => {
  const c = await connect(5);
  const open = await exchange(c, encodeBundleCtrl(5, { bundleId: 7, type: 0, flags: OFPBF_ATOMIC }, allocXid()));
  assert.equal(decodeBundleCtrl(open[0]!).type, 1);
  const x1 = allocXid();
  c.send(encodeBundleAdd(5, 7, OFPBF_ATOMIC, encodeFlowMod(flowMod('table=2,priority=1,actions=drop'), 5, { xid: x1 })));
  const x2 = allocXid();
  c.send(encodeBundleAdd(5, 7, OFPBF_ATOMIC, encodeFlowMod(flowMod('table=2,priority=2,actions=group:99'), 5, { xid: x2 })));
  const commit = await exchange(c, encodeBundleCtrl(5, { bundleId: 7, type: 4, flags: OFPBF_ATOMIC }, allocXid()));
  assert.deepEqual(commit.map(errorName), ['OFPBAC_BAD_OUT_GROUP', 'OFPBFC_MSG_FAILED']);
  assert.equal(ofproto.tables[2]!.nFlows, 0, 'failed bundle left no flow behind');
});

test('flow monitors report initial flows, then additions and removals', async () => {
  const watcher = await connect(1);
  const init = await exchange(watcher, encodeFlowMonitorRequest({
    id: 1, command: OFPFMC_ADD, flags: OFPFMF_INITIAL | OFPFMF_ADD | OFPFMF_REMOVED, outPort: 0xffff,
    outGroup: 0xffffffff, tableId: 0, match: new Match(),
  }, 1, allocXid()));
  assert.equal(decodeFlowUpdates(init[0]!).length, 1, 'the table-0 flow');
  const c = await connect(1);
  await exchange(c, encodeFlowMod(flowMod('priority=20,in_port=2,actions=drop'), 1, { nxm: true, xid: allocXid() }));
  const upd = decodeFlowUpdates(decode(await watcher.recv()));
  assert.equal(upd.length, 1);
  assert.equal(upd[0]!.priority, 20);
});

test('flow-removed goes to a controller connection that asked for it', async () => {
  const ctl = await connect(4);
  /* A service connection gets async messages once it sets a miss_send_len. */
  ctl.send(encodeSetConfig({ frag: 0, invalidTtlToController: -1, missSendLen: 128 }, 4, allocXid()));
  const c = await connect(4);
  const fm = flowMod('table=3,priority=9,actions=drop');
  fm.flags |= FF_SEND_FLOW_REM;
  await exchange(c, encodeFlowMod(fm, 4, { xid: allocXid() }));
  await exchange(c, encodeFlowMod(flowMod('table=3', OFPFC_DELETE), 4, { xid: allocXid() }));
  let m: OfpMsg;
  do m = decode(await ctl.recv()); while (m.info.type !== 'FLOW_REMOVED');
  assert.equal(m.info.type, 'FLOW_REMOVED');
});

test('port desc lists every port; a large flow dump is split with the "more" flag', async () => {
  const c = await connect(5);
  const parts = await exchange(c, encodePortDescRequest(5, OFPP_ANY, allocXid()));
  assert.equal(parts.length, 1);
  const ports = decodePhyPorts(5, new OfpReader(parts[0]!.data.subarray(parts[0]!.hdrsLen)));
  assert.deepEqual(ports.map((p) => p.portNo).sort(), [1, 2]);

  for (let i = 0; i < 1500; i++) ofproto.handleFlowMod(flowMod(`table=4,priority=${i + 1},actions=drop`));
  const reply = await exchange(c, encodeFlowStatsRequest({
    tableId: 4, outPort: OFPP_ANY, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n, match: new Match(), aggregate: false,
  }, 5, { xid: allocXid() }));
  assert.ok(reply.length >= 2, `${reply.length} messages`);
  assert.deepEqual(reply.map((m) => m.flags & 1), [...reply.slice(1).map(() => 1), 0]);
  assert.equal(reply.reduce((n, m) => n + decodeFlowStatsReply(m).length, 0), 1500);
});
