/* ofproto-dpif-xlate-normal: the NORMAL action, an L2 learning switch.
 *
 * Part of ofproto-dpif-xlate.ts: for a packet that reaches "output:NORMAL",
 * works out its VLAN from the input bundle's VLAN mode (access, trunk,
 * native-tagged, native-untagged, dot1q-tunnel), learns its source MAC in
 * the bridge's MAC table (mac-learning.ts), and forwards it to the port
 * learned for its destination, or floods it to every floodable bundle that
 * carries the VLAN, tagging or untagging for each output bundle.
 */
import { FL, get16, put16, ETH_TYPE_ARP, ETH_TYPE_VLAN, VLAN_CFI, VLAN_VID_MASK, VLAN_PCP_MASK, PT_ETH, get32 } from '../openflow/flow.js';
import { ethToNumber, formatMac, macIsMulticast } from './mac-learning.js';
import { wcMask } from '../openflow/mf-flow.js';
import { TraceType } from './ofproto-dpif-trace.js';
import type { XlateCtx, XBundle, XPort } from './ofproto-dpif-xlate.js';

const OFPP_NONE = 0xffff, OFPP_CONTROLLER = 0xfffd;
const ETH_TYPE_VLAN_8021AD = 0x88a8;

/** The bundle OVS uses for packets a controller injects with in_port NONE/CONTROLLER. */
export const OFPP_NONE_BUNDLE: XBundle = {
  name: 'OFPP_NONE', ofbundle: null, ports: [], vlanMode: 'trunk', vlan: -1, trunks: null, cvlans: null,
  qinqEthtype: ETH_TYPE_VLAN_8021AD, usePriorityTags: false, floodable: false, protected: false, isBond: false,
  mirrorOut: false,
};

/** Up to two VLAN headers as NORMAL sees them (struct xvlan). */
interface XVlan { v: { tpid: number; vid: number; pcp: number }[] }

function emptyXvlan(): XVlan { return { v: [{ tpid: 0, vid: 0, pcp: 0 }, { tpid: 0, vid: 0, pcp: 0 }] }; }
function copyXvlan(x: XVlan): XVlan { return { v: x.v.map((h) => ({ ...h })) }; }

function isVlanTpid(t: number): boolean { return t === ETH_TYPE_VLAN || t === ETH_TYPE_VLAN_8021AD; }

function xvlanExtract(flow: Uint8Array): XVlan {
  const x = emptyXvlan();
  for (let i = 0; i < 2; i++) {
    const tpid = get16(flow, FL.VLANS + 4 * i), tci = get16(flow, FL.VLANS + 4 * i + 2);
    if (!isVlanTpid(tpid) || !(tci & VLAN_CFI)) break;
    x.v[i] = { tpid, vid: tci & VLAN_VID_MASK, pcp: tci & VLAN_PCP_MASK };
  }
  return x;
}

function xvlanPop(x: XVlan): void {
  x.v[0] = x.v[1]!;
  x.v[1] = { tpid: 0, vid: 0, pcp: 0 };
}

function xvlanPushUninit(x: XVlan): void {
  x.v[1] = x.v[0]!;
  x.v[0] = { tpid: 0, vid: 0, pcp: 0 };
}

function trunksVlan(b: XBundle, vid: number): boolean {
  return b.vlanMode !== 'access' && (!b.trunks || b.trunks.has(vid));
}

function allowsCvlan(b: XBundle, vid: number): boolean {
  return !b.cvlans || b.cvlans.has(vid);
}

function inputVidIsValid(ctx: XlateCtx, vid: number, b: XBundle): boolean {
  if (b === OFPP_NONE_BUNDLE) return true;
  switch (b.vlanMode) {
    case 'access':
      if (vid) {
        ctx.reportError(`dropping VLAN ${vid} tagged packet received on port ${b.name} configured as VLAN ${b.vlan} access port`);
        return false;
      }
      return true;
    case 'native-untagged':
    case 'native-tagged':
    case 'trunk':
      if (b.vlanMode !== 'trunk' && !vid) return true;
      if (!trunksVlan(b, vid)) {
        ctx.reportError(`dropping VLAN ${vid} packet received on port ${b.name} not configured for trunking VLAN ${vid}`);
        return false;
      }
      return true;
    case 'dot1q-tunnel':
      if (!allowsCvlan(b, vid)) {
        ctx.reportError(`dropping VLAN ${vid} packet received on dot1q-tunnel port ${b.name} that excludes this VLAN`);
        return false;
      }
      return true;
  }
}

function xvlanInputTranslate(b: XBundle, inX: XVlan): XVlan {
  switch (b.vlanMode) {
    case 'access': {
      const x = emptyXvlan();
      x.v[0] = { tpid: inX.v[0]!.tpid || ETH_TYPE_VLAN, vid: b.vlan, pcp: inX.v[0]!.pcp };
      return x;
    }
    case 'trunk':
      return copyXvlan(inX);
    case 'native-untagged':
    case 'native-tagged': {
      const x = copyXvlan(inX);
      if (!inX.v[0]!.vid) x.v[0] = { tpid: inX.v[0]!.tpid || ETH_TYPE_VLAN, vid: b.vlan, pcp: inX.v[0]!.pcp };
      return x;
    }
    case 'dot1q-tunnel': {
      const x = copyXvlan(inX);
      xvlanPushUninit(x);
      x.v[0] = { tpid: b.qinqEthtype, vid: b.vlan, pcp: 0 };
      return x;
    }
  }
}

function xvlanOutputTranslate(b: XBundle, x: XVlan): XVlan {
  switch (b.vlanMode) {
    case 'access':
      return emptyXvlan();
    case 'trunk':
    case 'native-tagged':
      return copyXvlan(x);
    case 'native-untagged': {
      const o = copyXvlan(x);
      if (x.v[0]!.vid === b.vlan) xvlanPop(o);
      return o;
    }
    case 'dot1q-tunnel': {
      const o = copyXvlan(x);
      xvlanPop(o);
      return o;
    }
  }
}

function bundleIncludesVlan(b: XBundle, x: XVlan): boolean {
  switch (b.vlanMode) {
    case 'access': return x.v[0]!.vid === b.vlan && x.v[1]!.vid === 0;
    case 'trunk': case 'native-untagged': case 'native-tagged': return trunksVlan(b, x.v[0]!.vid);
    case 'dot1q-tunnel': return x.v[0]!.vid === b.vlan && allowsCvlan(b, x.v[1]!.vid);
  }
}

/** Writes VLAN headers into a flow (xvlan_put). */
function xvlanPut(flow: Uint8Array, x: XVlan, priorityTagsAlways: boolean): void {
  for (let i = 0; i < 2; i++) {
    const h = x.v[i]!;
    let tci = h.vid | (h.pcp & VLAN_PCP_MASK);
    if (tci || (priorityTagsAlways && h.tpid)) {
      tci |= VLAN_CFI;
      put16(flow, FL.VLANS + 4 * i, h.tpid || ETH_TYPE_VLAN);
    }
    put16(flow, FL.VLANS + 4 * i + 2, tci);
  }
}

function isGratuitousArp(flow: Uint8Array, wc: Uint8Array): boolean {
  if (get16(flow, FL.DL_TYPE) !== ETH_TYPE_ARP) return false;
  wcMask(wc, FL.DL_DST, 6);
  for (let i = 0; i < 6; i++) if (flow[FL.DL_DST + i] !== 0xff) return false;
  wc[FL.NW_PROTO] = 0xff;
  const op = flow[FL.NW_PROTO];
  if (op === 2) return true;
  if (op === 1) {
    wcMask(wc, FL.NW_SRC, 4);
    wcMask(wc, FL.NW_DST, 4);
    return get32(flow, FL.NW_SRC) === get32(flow, FL.NW_DST);
  }
  return false;
}

/** True for 01:80:c2:00:00:0x, the reserved multicast range bridges do not forward. */
function ethAddrIsReserved(flow: Uint8Array): boolean {
  const d = FL.DL_DST;
  return flow[d] === 0x01 && flow[d + 1] === 0x80 && flow[d + 2] === 0xc2 && flow[d + 3] === 0 && flow[d + 4] === 0
    && (flow[d + 5]! & 0xf0) === 0;
}

/** Outputs to one bundle with that bundle's VLAN tagging (output_normal). */
function outputNormal(ctx: XlateCtx, out: XBundle, x: XVlan): void {
  const ox = xvlanOutputTranslate(out, x);
  if (out.usePriorityTags) ox.v[0]!.pcp = get16(ctx.flow, FL.VLANS + 2) & VLAN_PCP_MASK;
  const port: XPort | undefined = out.isBond ? out.ports.find((p) => p.mayEnable) : out.ports[0];
  if (!port) return;
  const oldVlans = ctx.flow.slice(FL.VLANS, FL.VLANS + 8);
  xvlanPut(ctx.flow, ox, out.usePriorityTags);
  ctx.composeOutputAction(port.ofpPort, false, false);
  ctx.flow.set(oldVlans, FL.VLANS);
}

function normalFlood(ctx: XlateCtx, inB: XBundle, x: XVlan): void {
  for (const b of ctx.xbridge.bundles) {
    if (b !== inB && (b.ofbundle === null || b.ofbundle !== inB.ofbundle) && bundleIncludesVlan(b, x) && b.floodable
        && !b.mirrorOut) {
      outputNormal(ctx, b, x);
    }
  }
}

/** The NORMAL action (xlate_normal). */
export function xlateNormal(ctx: XlateCtx): void {
  const flow = ctx.flow, wc = ctx.wc, xbridge = ctx.xbridge;
  ctx.hasNormal = true;
  wcMask(wc, FL.DL_SRC, 6);
  wcMask(wc, FL.DL_DST, 6);
  put16(wc, FL.VLANS + 2, get16(wc, FL.VLANS + 2) | VLAN_VID_MASK | VLAN_CFI);

  const inPortNo = get32(flow, FL.IN_PORT);
  const inPort = xbridge.ports.get(inPortNo) ?? null;
  let inB: XBundle | null = inPort?.bundle ?? null;
  if (!inB && (inPortNo === OFPP_CONTROLLER || inPortNo === OFPP_NONE)) inB = OFPP_NONE_BUNDLE;
  if (!inB) {
    ctx.reportError(`received packet on unknown port ${inPortNo}`);
    ctx.report(TraceType.WARN, 'no input bundle, dropping');
    return;
  }
  const dl = get16(flow, FL.DL_TYPE);
  if (isVlanTpid(dl) && !(get16(flow, FL.VLANS + 2) & VLAN_CFI)) {
    if (ctx.xin.packet) ctx.reportError(`dropping packet with partial VLAN tag received on port ${inB.name}`);
    ctx.report(TraceType.WARN, 'partial VLAN tag, dropping');
    return;
  }
  if (inB.mirrorOut) {
    if (ctx.xin.packet) ctx.reportError(`dropping packet received on port ${inB.name}, which is reserved exclusively for mirroring`);
    ctx.report(TraceType.WARN, 'input port is mirror output port, dropping');
    return;
  }
  const inX = xvlanExtract(flow);
  if (!inputVidIsValid(ctx, inX.v[0]!.vid, inB)) {
    ctx.report(TraceType.WARN, 'disallowed VLAN VID for this input port, dropping');
    return;
  }
  const x = xvlanInputTranslate(inB, inX);
  const vlan = x.v[0]!.vid;

  if (inPort && !xbridge.forwardBpdu && ethAddrIsReserved(flow)) {
    ctx.report(TraceType.DETAIL, 'packet has reserved destination MAC, dropping');
    return;
  }

  /* Learn the source MAC. */
  const gratArp = isGratuitousArp(flow, wc);
  if (ctx.allowSideEffects && get32(flow, FL.PACKET_TYPE) === PT_ETH && inPort && inB !== OFPP_NONE_BUNDLE) {
    const src = ethToNumber(flow, FL.DL_SRC);
    if (xbridge.ml.update(src, vlan, gratArp, inB.isBond, inB.ofbundle)) {
      ctx.report(TraceType.DETAIL, `learned that ${formatMac(src)} is on port ${inB.name} in VLAN ${vlan}`);
    }
  }

  const dst = ethToNumber(flow, FL.DL_DST);
  const mac = macIsMulticast(dst) ? null : xbridge.ml.lookup(dst, vlan);
  const macPort = mac?.port ?? null;
  if (macPort !== null) {
    const macB = xbridge.bundles.find((b) => b.ofbundle === macPort) ?? null;
    if (macB && macB.mirrorOut) {
      ctx.report(TraceType.WARN, 'learned port is a mirror port, dropping');
    } else if (macB && macB !== inB && macB.ofbundle !== inB.ofbundle) {
      ctx.report(TraceType.DETAIL, 'forwarding to learned port');
      outputNormal(ctx, macB, x);
    } else if (!macB) {
      ctx.report(TraceType.WARN, 'learned port is unknown, dropping');
    } else {
      ctx.report(TraceType.DETAIL, 'learned port is input port, dropping');
    }
  } else {
    ctx.report(TraceType.DETAIL, 'no learned MAC for destination, flooding');
    normalFlood(ctx, inB, x);
  }
}
