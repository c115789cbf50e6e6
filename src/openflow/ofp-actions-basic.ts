/* ofp-actions-basic: the standard OpenFlow actions and instructions and the
 * simple Nicira ones.
 *
 * output, group, controller (Nicira controller/controller2), enqueue,
 * VLAN/MPLS/L2/L3/L4 header rewrites (with their OF1.0, OF1.1 and
 * Set-Field encodings), dec_ttl (with controller ids), set_tunnel,
 * set_queue/pop_queue, fin_timeout, resubmit, conjunction, note, exit,
 * sample, clone, output_trunc, debug actions, and the instructions
 * (meter, clear_actions, write_actions, write_metadata, goto_table).
 * Each registers decode/encode/parse/format/check handlers with
 * ofp-actions.ts; text forms follow OVS's lib/ofp-actions.c exactly.
 */
import {
  registry, inconsistentMatch, putInstructionActions, finishInstructionActions, Inst,
  type Ofpact, type OfpactOf, type DecodeCtx, type CheckCtx, type TableNames,
} from './ofp-actions.js';
import { putRaw, padAction, actionsRl } from './ofp-actions-raw.js';
import { OfpError, type OfpErrName } from './ofp-errors.js';
import { MF, Proto, prereqsOk, P } from './meta-flow.js';
import { putSetField, putRegLoad, encodeSetIpEcn } from './ofp-actions-field.js';
import { parseSubfield } from './nx-match.js';
import { parseKeyValues, strToU8, strToU16, strToU32, strToU64 } from './ofp-parse.js';
import { formatEth, parseEth, parseIp, formatIp } from './addr-text.js';
import {
  parsePort, formatPort, portFromOfp11, portToOfp11, OFPP_MAX, OFPP_IN_PORT, OFPP_TABLE, OFPP_NORMAL,
  OFPP_FLOOD, OFPP_ALL, OFPP_CONTROLLER, OFPP_LOCAL, OFPP_NONE, parseTable, formatTable,
} from './ofp-port-map.js';
import {
  FL, get16, get32, put16, put32, flowDlType, ETH_TYPE_IP, ETH_TYPE_IPV6, ETH_TYPE_MPLS,
  ETH_TYPE_MPLS_MCAST, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, VLAN_CFI, FLOW_NW_FRAG_LATER, PT_ETH,
} from './flow.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_actions');

const rd16 = (d: Uint8Array, o: number): number => (d[o]! << 8) | d[o + 1]!;
const rd32 = (d: Uint8Array, o: number): number => ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
const allZero = (d: Uint8Array, from: number, to: number): boolean => {
  for (let i = from; i < to; i++) if (d[i]) return false;
  return true;
};

/** ofpact_check_output_port. */
export function checkOutputPort(port: number, maxPorts: number): OfpErrName | null {
  switch (port) {
    case OFPP_IN_PORT: case OFPP_TABLE: case OFPP_NORMAL: case OFPP_FLOOD: case OFPP_ALL:
    case OFPP_CONTROLLER: case OFPP_LOCAL:
      return null;
    case OFPP_NONE:
      return 'OFPBAC_BAD_OUT_PORT';
    default:
      return port < maxPorts ? null : 'OFPBAC_BAD_OUT_PORT';
  }
}
const errOr = <T>(e: OfpErrName | null, v: T): T | OfpError => (e ? new OfpError(e) : v);

/** Hex bytes separated by dots (format_hex_arg). */
function formatHexArg(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('.');
}
/** Parses hex digit pairs separated by optional " .\t\r\n" (ofpbuf_put_hex); undefined on a bad digit. */
export function parseHexArg(s: string): Uint8Array | undefined {
  const out: number[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && ' .\t\r\n'.includes(s[i]!)) i++;
    if (i >= s.length) break;
    const h = s.slice(i, i + 2);
    if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
    out.push(parseInt(h, 16));
    i += 2;
  }
  return Uint8Array.from(out);
}

/* ---- output ---- */

registry.decode('OFPAT_RAW10_OUTPUT', (c) => {
  const port = rd16(c.d, c.pos + 4);
  return errOr(checkOutputPort(port, OFPP_MAX), { type: 'OUTPUT', port, maxLen: rd16(c.d, c.pos + 6) });
});
registry.decode('OFPAT_RAW11_OUTPUT', (c) => {
  const port = portFromOfp11(rd32(c.d, c.pos + 4));
  if (port === undefined) return new OfpError('OFPBAC_BAD_OUT_PORT');
  return errOr(checkOutputPort(port, OFPP_MAX), { type: 'OUTPUT', port, maxLen: rd16(c.d, c.pos + 8) });
});
registry.encode('OUTPUT', (a, c) => {
  if (c.version === 1) {
    const s = putRaw(c.w, 'OFPAT_RAW10_OUTPUT', 1);
    c.w.set16(s + 4, a.port); c.w.set16(s + 6, a.maxLen);
  } else {
    const s = putRaw(c.w, 'OFPAT_RAW11_OUTPUT', c.version);
    c.w.set32(s + 4, portToOfp11(a.port)); c.w.set16(s + 8, a.maxLen);
  }
});
function parseOutput(arg: string, c: Parameters<Parameters<typeof registry.parse>[1]>[1]): string | null {
  if (arg.includes('port') && arg.includes('max_len')) {
    const t: OfpactOf<'OUTPUT_TRUNC'> = { type: 'OUTPUT_TRUNC', port: 0, maxLen: 0 };
    for (const { key, value } of parseKeyValues(arg)) {
      if (key === 'port') {
        const p = parsePort(value, c.ports);
        if (p === undefined) return `output to unknown truncate port: ${value}`;
        if (p > OFPP_MAX && p !== OFPP_LOCAL && p !== OFPP_IN_PORT) return `output to unsupported truncate port: ${value}`;
        t.port = p;
      } else if (key === 'max_len') {
        const v = strToU32(value);
        if (typeof v === 'string') return v;
        if (v < 14) return `max_len ${v} is less than the minimum value 14`;
        t.maxLen = v;
      } else {
        return `invalid key '${key}' in output_trunc argument`;
      }
    }
    c.put(t);
    return null;
  }
  const port = parsePort(arg, c.ports);
  if (port !== undefined) {
    c.put({ type: 'OUTPUT', port, maxLen: port === OFPP_CONTROLLER ? 0xffff : 0 });
    return null;
  }
  const sf = parseSubfield(arg);
  if (typeof sf !== 'string') {
    c.put({ type: 'OUTPUT_REG', src: sf, maxLen: 0xffff });
    return null;
  }
  return `${arg}: output to unknown port`;
}
registry.parse('output', parseOutput);
registry.parse('output_reg', parseOutput);
registry.format('OUTPUT', (a, c) => {
  let s = a.port < OFPP_MAX ? 'output:' : '';
  s += formatPort(a.port, c.ports);
  if (a.port === OFPP_CONTROLLER) s += `:${a.maxLen}`;
  return s;
});
registry.check('OUTPUT', (a, c) => checkOutputPort(a.port, c.maxPorts));

/* ---- output_trunc ---- */

registry.decode('NXAST_RAW_OUTPUT_TRUNC', (c) => {
  const maxLen = rd32(c.d, c.pos + 12);
  if (maxLen < 14) return new OfpError('OFPBAC_BAD_ARGUMENT');
  return { type: 'OUTPUT_TRUNC', port: rd16(c.d, c.pos + 10), maxLen };
});
registry.encode('OUTPUT_TRUNC', (a, c) => {
  const s = putRaw(c.w, 'NXAST_RAW_OUTPUT_TRUNC', c.version);
  c.w.set16(s + 10, a.port); c.w.set32(s + 12, a.maxLen);
});
registry.parse('output_trunc', (arg) => `unknown action ${arg}`);
registry.format('OUTPUT_TRUNC', (a, c) => `output(port=${formatPort(a.port, c.ports)},max_len=${a.maxLen})`);
registry.check('OUTPUT_TRUNC', (a, c) => checkOutputPort(a.port, c.maxPorts));

/* ---- group ---- */

registry.decode('OFPAT_RAW_GROUP', (c) => ({ type: 'GROUP', groupId: c.argNum }));
registry.encode('GROUP', (a, c) => { putRaw(c.w, 'OFPAT_RAW_GROUP', c.version, a.groupId); });
registry.parse('group', (arg, c) => {
  const v = strToU32(arg);
  if (typeof v === 'string') return v;
  c.put({ type: 'GROUP', groupId: v });
  return null;
});
registry.format('GROUP', (a) => `group:${a.groupId >>> 0}`);
registry.check('GROUP', () => null);

/* ---- controller ---- */

const OFPR_ACTION = 1;
const NX_CTLR_NO_METER = 0xffffffff;
const REASONS = ['no_match', 'action', 'invalid_ttl', 'action_set', 'group', 'packet_out', '', ''];

/** Text of a packet-in reason (ofputil_packet_in_reason_to_string). */
export function packetInReasonName(r: number): string { return r < REASONS.length ? REASONS[r]! : String(r); }

registry.decode('NXAST_RAW_CONTROLLER', (c) => ({
  type: 'CONTROLLER', raw: 'NXAST_RAW_CONTROLLER', maxLen: rd16(c.d, c.pos + 10),
  controllerId: rd16(c.d, c.pos + 12), reason: c.d[c.pos + 14]!, userdata: new Uint8Array(0),
  pause: false, meterId: NX_CTLR_NO_METER,
}));
registry.decode('NXAST_RAW_CONTROLLER2', (c) => {
  const d = c.d, end = c.pos + c.len;
  if (!allZero(d, c.pos + 10, c.pos + 16)) return new OfpError('NXBRC_MUST_BE_ZERO');
  const a: OfpactOf<'CONTROLLER'> = {
    type: 'CONTROLLER', raw: 'NXAST_RAW_CONTROLLER2', maxLen: 0xffff, controllerId: 0, reason: OFPR_ACTION,
    userdata: new Uint8Array(0), pause: false, meterId: NX_CTLR_NO_METER,
  };
  let p = c.pos + 16;
  while (p < end) {
    if (end - p < 4) return new OfpError('OFPBPC_BAD_LEN');
    const type = rd16(d, p), len = rd16(d, p + 2);
    const padded = Math.ceil(len / 8) * 8;
    if (len < 4 || padded > end - p) return new OfpError('OFPBPC_BAD_LEN');
    if (type === 0xffff) return new OfpError('OFPBPC_BAD_EXP_TYPE');
    const body = d.subarray(p + 4, p + len);
    switch (type) {
      case 0: if (body.length < 2) return new OfpError('OFPBPC_BAD_LEN'); a.maxLen = rd16(body, 0); break;
      case 1: if (body.length < 2) return new OfpError('OFPBPC_BAD_LEN'); a.controllerId = rd16(body, 0); break;
      case 2: if (body.length < 1) return new OfpError('OFPBPC_BAD_LEN'); a.reason = body[0]!; break;
      case 3: a.userdata = body.slice(); break;
      case 4: a.pause = true; break;
      case 5: if (body.length !== 4) return new OfpError('OFPBPC_BAD_LEN'); a.meterId = rd32(body, 0); break;
      default:
        log.warnRl(actionsRl, `unknown NXAST_RAW_CONTROLLER2 property type ${type}`);
        return new OfpError('OFPBPC_BAD_TYPE');
    }
    p += padded;
  }
  return a;
});
registry.encode('CONTROLLER', (a, c) => {
  const w = c.w;
  if (a.userdata.length || a.pause || a.meterId !== NX_CTLR_NO_METER || a.raw === 'NXAST_RAW_CONTROLLER2') {
    const start = putRaw(w, 'NXAST_RAW_CONTROLLER2', c.version);
    const prop = (type: number, body: Uint8Array): void => {
      const at = w.len;
      w.u16(type).u16(4 + body.length).bytes(body);
      const pad = (8 - ((w.len - at) % 8)) % 8;
      const z = w.len; w.zeros(pad); w.buf.fill(0, z, z + pad);
    };
    if (a.maxLen !== 0xffff) prop(0, Uint8Array.of(a.maxLen >> 8, a.maxLen & 0xff, 0, 0));
    if (a.controllerId) prop(1, Uint8Array.of(a.controllerId >> 8, a.controllerId & 0xff, 0, 0));
    if (a.reason !== OFPR_ACTION) prop(2, Uint8Array.of(a.reason));
    if (a.userdata.length) prop(3, a.userdata);
    if (a.pause) prop(4, new Uint8Array(0));
    if (a.meterId !== NX_CTLR_NO_METER) {
      const b = new Uint8Array(4); b[0] = a.meterId >>> 24; b[1] = (a.meterId >>> 16) & 0xff; b[2] = (a.meterId >>> 8) & 0xff; b[3] = a.meterId & 0xff;
      prop(5, b);
    }
    padAction(w, start);
  } else {
    const s = putRaw(w, 'NXAST_RAW_CONTROLLER', c.version);
    w.set16(s + 10, a.maxLen); w.set16(s + 12, a.controllerId); w.buf[s + 14] = a.reason;
  }
});
registry.parse('controller', (arg, c) => {
  let reason = OFPR_ACTION, controllerId = 0, maxLen = 0xffff, meterId = NX_CTLR_NO_METER, pause = false;
  let userdata: string | null = null;
  if (!arg) { /* defaults */ }
  else if (/^[0-9]+$/.test(arg)) {
    const v = strToU16(arg, 'max_len');
    if (typeof v === 'string') return v;
    maxLen = v;
  } else {
    for (const { key, value } of parseKeyValues(arg)) {
      if (key === 'reason') {
        const r = REASONS.findIndex((x) => x.toLowerCase() === value.toLowerCase());
        if (r < 0) return `unknown reason "${value}"`;
        reason = r;
      } else if (key === 'max_len') {
        const v = strToU16(value, 'max_len');
        if (typeof v === 'string') return v;
        maxLen = v;
      } else if (key === 'id') {
        const v = strToU16(value, 'id');
        if (typeof v === 'string') return v;
        controllerId = v;
      } else if (key === 'userdata') {
        userdata = value;
      } else if (key === 'pause') {
        pause = true;
      } else if (key === 'meter_id') {
        const v = strToU32(value);
        if (typeof v === 'string') return v;
        meterId = v;
      } else {
        return `unknown key "${key}" parsing controller action`;
      }
    }
  }
  if (reason === OFPR_ACTION && !controllerId && userdata === null && !pause && meterId === NX_CTLR_NO_METER) {
    c.put({ type: 'OUTPUT', port: OFPP_CONTROLLER, maxLen });
    return null;
  }
  let ud: Uint8Array = new Uint8Array(0);
  if (userdata !== null) {
    const u = parseHexArg(userdata);
    if (!u) return "bad hex digit in `controller' action `userdata'";
    ud = u;
  }
  c.put({ type: 'CONTROLLER', maxLen, reason, controllerId, pause, meterId, userdata: ud });
  return null;
});
registry.format('CONTROLLER', (a) => {
  if (a.reason === OFPR_ACTION && !a.controllerId && !a.userdata.length && !a.pause && a.meterId === NX_CTLR_NO_METER) {
    return `CONTROLLER:${a.maxLen}`;
  }
  let s = 'controller(';
  if (a.reason !== OFPR_ACTION) s += `reason=${packetInReasonName(a.reason)},`;
  if (a.maxLen !== 0xffff) s += `max_len=${a.maxLen},`;
  if (a.controllerId) s += `id=${a.controllerId},`;
  if (a.userdata.length) s += `userdata=${formatHexArg(a.userdata)},`;
  if (a.pause) s += 'pause,';
  if (a.meterId !== NX_CTLR_NO_METER) s += `meter_id=${a.meterId >>> 0},`;
  if (s.endsWith(',')) s = s.slice(0, -1);
  return s + ')';
});
registry.check('CONTROLLER', () => null);

/* ---- enqueue ---- */

registry.decode('OFPAT_RAW10_ENQUEUE', (c) => {
  const port = rd16(c.d, c.pos + 4);
  if (port >= OFPP_MAX && port !== OFPP_IN_PORT && port !== OFPP_LOCAL) return new OfpError('OFPBAC_BAD_OUT_PORT');
  return { type: 'ENQUEUE', port, queue: rd32(c.d, c.pos + 12) };
});
registry.encode('ENQUEUE', (a, c) => {
  if (c.version === 1) {
    const s = putRaw(c.w, 'OFPAT_RAW10_ENQUEUE', 1);
    c.w.set16(s + 4, a.port); c.w.set32(s + 12, a.queue);
  } else {
    putRaw(c.w, 'OFPAT_RAW_SET_QUEUE', c.version, a.queue);
    const s = putRaw(c.w, 'OFPAT_RAW11_OUTPUT', c.version);
    c.w.set32(s + 4, portToOfp11(a.port)); c.w.set16(s + 8, 0xffff);
    putRaw(c.w, 'NXAST_RAW_POP_QUEUE', c.version);
  }
});
registry.parse('enqueue', (arg, c) => {
  // strtok_r(arg, ":q,") then the rest.
  let i = 0;
  while (i < arg.length && ':q,'.includes(arg[i]!)) i++;
  let j = i;
  while (j < arg.length && !':q,'.includes(arg[j]!)) j++;
  const portS = j > i ? arg.slice(i, j) : null;
  let rest = arg.slice(j + 1);
  while (rest.length && ':q,'.includes(rest[0]!) && false) rest = rest.slice(1);
  const queueS = j < arg.length && rest.length ? rest : null;
  if (portS === null || queueS === null) return '"enqueue" syntax is "enqueue:PORT:QUEUE" or "enqueue(PORT,QUEUE)"';
  const port = parsePort(portS, c.ports);
  if (port === undefined) return `${portS}: enqueue to unknown port`;
  const q = strToU32(queueS);
  if (typeof q === 'string') return q;
  c.put({ type: 'ENQUEUE', port, queue: q });
  return null;
});
registry.format('ENQUEUE', (a, c) => `enqueue:${formatPort(a.port, c.ports)}:${a.queue >>> 0}`);
registry.check('ENQUEUE', (a, c) =>
  (a.port >= c.maxPorts && a.port !== OFPP_IN_PORT && a.port !== OFPP_LOCAL ? 'OFPBAC_BAD_OUT_PORT' : null));

/* ---- VLAN ---- */

function checkVlanSet(a: { flowHasVlan?: boolean; pushVlanIfNeeded: boolean }, c: CheckCtx): null {
  const T = FL.VLANS + 2;
  const tci = get16(c.match.flow, T);
  a.flowHasVlan = (tci & VLAN_CFI) !== 0;
  if (!a.flowHasVlan && !a.pushVlanIfNeeded) inconsistentMatch(c.usable);
  put16(c.match.flow, T, tci | VLAN_CFI);
  return null;
}

registry.decode('OFPAT_RAW10_SET_VLAN_VID', (c) =>
  (c.argNum & ~0xfff ? new OfpError('OFPBAC_BAD_ARGUMENT') : { type: 'SET_VLAN_VID', vid: c.argNum, pushVlanIfNeeded: true }));
registry.decode('OFPAT_RAW11_SET_VLAN_VID', (c) =>
  (c.argNum & ~0xfff ? new OfpError('OFPBAC_BAD_ARGUMENT') : { type: 'SET_VLAN_VID', vid: c.argNum, pushVlanIfNeeded: false }));
registry.encode('SET_VLAN_VID', (a, c) => {
  if (c.version > 1 && a.pushVlanIfNeeded && !a.flowHasVlan) putRaw(c.w, 'OFPAT_RAW11_PUSH_VLAN', c.version, 0x8100);
  if (c.version === 1) putRaw(c.w, 'OFPAT_RAW10_SET_VLAN_VID', 1, a.vid);
  else if (c.version === 2) putRaw(c.w, 'OFPAT_RAW11_SET_VLAN_VID', 2, a.vid);
  else putSetField(c.w, c.version, MF.VLAN_VID, a.vid | 0x1000);
});
function parseVid(push: boolean) {
  return (arg: string, c: Parameters<Parameters<typeof registry.parse>[1]>[1]): string | null => {
    const v = strToU16(arg, 'VLAN VID');
    if (typeof v === 'string') return v;
    if (v & ~0xfff) return `${arg}: not a valid VLAN VID`;
    c.put({ type: 'SET_VLAN_VID', vid: v, pushVlanIfNeeded: push });
    return null;
  };
}
registry.parse('set_vlan_vid', parseVid(false));
registry.parse('mod_vlan_vid', parseVid(true));
registry.format('SET_VLAN_VID', (a) => `${a.pushVlanIfNeeded ? 'mod_vlan_vid' : 'set_vlan_vid'}:${a.vid}`);
registry.check('SET_VLAN_VID', checkVlanSet);

registry.decode('OFPAT_RAW10_SET_VLAN_PCP', (c) =>
  (c.argNum & ~7 ? new OfpError('OFPBAC_BAD_ARGUMENT') : { type: 'SET_VLAN_PCP', pcp: c.argNum, pushVlanIfNeeded: true }));
registry.decode('OFPAT_RAW11_SET_VLAN_PCP', (c) =>
  (c.argNum & ~7 ? new OfpError('OFPBAC_BAD_ARGUMENT') : { type: 'SET_VLAN_PCP', pcp: c.argNum, pushVlanIfNeeded: false }));
registry.encode('SET_VLAN_PCP', (a, c) => {
  if (c.version > 1 && a.pushVlanIfNeeded && !a.flowHasVlan) putRaw(c.w, 'OFPAT_RAW11_PUSH_VLAN', c.version, 0x8100);
  if (c.version === 1) putRaw(c.w, 'OFPAT_RAW10_SET_VLAN_PCP', 1, a.pcp);
  else if (c.version === 2) putRaw(c.w, 'OFPAT_RAW11_SET_VLAN_PCP', 2, a.pcp);
  else putSetField(c.w, c.version, MF.VLAN_PCP, a.pcp);
});
function parsePcp(push: boolean) {
  return (arg: string, c: Parameters<Parameters<typeof registry.parse>[1]>[1]): string | null => {
    const v = strToU8(arg, 'VLAN PCP');
    if (typeof v === 'string') return v;
    if (v & ~7) return `${arg}: not a valid VLAN PCP`;
    c.put({ type: 'SET_VLAN_PCP', pcp: v, pushVlanIfNeeded: push });
    return null;
  };
}
registry.parse('set_vlan_pcp', parsePcp(false));
registry.parse('mod_vlan_pcp', parsePcp(true));
registry.format('SET_VLAN_PCP', (a) => `${a.pushVlanIfNeeded ? 'mod_vlan_pcp' : 'set_vlan_pcp'}:${a.pcp}`);
registry.check('SET_VLAN_PCP', checkVlanSet);

registry.decode('OFPAT_RAW10_STRIP_VLAN', () => ({ type: 'STRIP_VLAN', raw: 'OFPAT_RAW10_STRIP_VLAN' }));
registry.decode('OFPAT_RAW11_POP_VLAN', () => ({ type: 'STRIP_VLAN', raw: 'OFPAT_RAW11_POP_VLAN' }));
registry.encode('STRIP_VLAN', (_a, c) => {
  putRaw(c.w, c.version === 1 ? 'OFPAT_RAW10_STRIP_VLAN' : 'OFPAT_RAW11_POP_VLAN', c.version);
});
registry.parse('strip_vlan', (_arg, c) => { c.put({ type: 'STRIP_VLAN', raw: 'OFPAT_RAW10_STRIP_VLAN' }); return null; });
registry.parse('pop_vlan', (_arg, c) => { c.put({ type: 'STRIP_VLAN', raw: 'OFPAT_RAW11_POP_VLAN' }); return null; });
registry.format('STRIP_VLAN', (a) => (a.raw === 'OFPAT_RAW11_POP_VLAN' ? 'pop_vlan' : 'strip_vlan'));
registry.check('STRIP_VLAN', (_a, c) => {
  const f = c.match.flow;
  if (!(get16(f, FL.VLANS + 2) & VLAN_CFI)) inconsistentMatch(c.usable);
  // flow_pop_vlan: shift the second header up and clear the last.
  f.copyWithin(FL.VLANS, FL.VLANS + 4, FL.VLANS + 8);
  f.fill(0, FL.VLANS + 4, FL.VLANS + 8);
  return null;
});

const isVlanType = (t: number): boolean => t === 0x8100 || t === 0x88a8;
registry.decode('OFPAT_RAW11_PUSH_VLAN', (c) =>
  (isVlanType(c.argNum) ? { type: 'PUSH_VLAN', ethertype: c.argNum } : new OfpError('OFPBAC_BAD_ARGUMENT')));
registry.encode('PUSH_VLAN', (a, c) => { if (c.version > 1) putRaw(c.w, 'OFPAT_RAW11_PUSH_VLAN', c.version, a.ethertype); });
registry.parse('push_vlan', (arg, c) => {
  c.usable.p &= Proto.OF11_UP;
  const v = strToU16(arg, 'ethertype');
  if (typeof v === 'string') return v;
  if (!isVlanType(v)) return `${arg}: not a valid VLAN ethertype`;
  c.put({ type: 'PUSH_VLAN', ethertype: v });
  return null;
});
registry.format('PUSH_VLAN', (a) => `push_vlan:0x${a.ethertype.toString(16)}`);
registry.check('PUSH_VLAN', (_a, c) => {
  const f = c.match.flow;
  if (get16(f, FL.VLANS + 6) & VLAN_CFI) return 'OFPBAC_BAD_TAG';
  f.copyWithin(FL.VLANS + 4, FL.VLANS, FL.VLANS + 4);
  put16(f, FL.VLANS + 2, get16(f, FL.VLANS + 2) | VLAN_CFI);
  return null;
});

/* ---- Ethernet and IPv4 addresses ---- */

for (const [t, raw, field, kw] of [
  ['SET_ETH_SRC', 'OFPAT_RAW_SET_DL_SRC', MF.ETH_SRC, 'mod_dl_src'],
  ['SET_ETH_DST', 'OFPAT_RAW_SET_DL_DST', MF.ETH_DST, 'mod_dl_dst'],
] as const) {
  registry.decode(raw, (c) => ({ type: t, mac: c.d.slice(c.pos + 4, c.pos + 10) }));
  registry.encode(t, (a, c) => {
    if (c.version < 3) { const s = putRaw(c.w, raw, c.version); c.w.buf.set(a.mac, s + 4); }
    else {
      let v = 0n;
      for (const b of a.mac) v = (v << 8n) | BigInt(b);
      putSetField(c.w, c.version, field, v);
    }
  });
  registry.parse(kw, (arg, c) => {
    const mac = parseEthPrefix(arg);
    if (!mac) return `invalid mac address ${arg}`;
    c.put({ type: t, mac });
    return null;
  });
  registry.format(t, (a) => `${kw}:${formatEth(a.mac)}`);
  registry.check(t, () => null);
}

/** sscanf(ETH_ADDR_SCAN_FMT): a MAC at the start of 's', trailing text ignored. */
function parseEthPrefix(s: string): Uint8Array | undefined {
  const m = /^([0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5})/.exec(s);
  return m ? parseEth(m[1]!) : undefined;
}

for (const [t, raw, field, kw] of [
  ['SET_IPV4_SRC', 'OFPAT_RAW_SET_NW_SRC', MF.IPV4_SRC, 'mod_nw_src'],
  ['SET_IPV4_DST', 'OFPAT_RAW_SET_NW_DST', MF.IPV4_DST, 'mod_nw_dst'],
] as const) {
  registry.decode(raw, (c) => ({ type: t, ipv4: c.argNum }));
  registry.encode(t, (a, c) => {
    if (c.version < 3) putRaw(c.w, raw, c.version, a.ipv4);
    else putSetField(c.w, c.version, field, a.ipv4);
  });
  registry.parse(kw, (arg, c) => {
    const ip = parseIp(arg);
    if (ip === undefined) return `${arg}: could not convert to IP address`;
    c.put({ type: t, ipv4: ip });
    return null;
  });
  registry.format(t, (a) => `${kw}:${formatIp(a.ipv4)}`);
  registry.check(t, (_a, c) => { if (flowDlType(c.match.flow) !== ETH_TYPE_IP) inconsistentMatch(c.usable); return null; });
}

function checkSetIp(c: CheckCtx): null {
  const dl = flowDlType(c.match.flow);
  if (dl !== ETH_TYPE_IP && dl !== ETH_TYPE_IPV6) inconsistentMatch(c.usable);
  return null;
}

registry.decode('OFPAT_RAW_SET_NW_TOS', (c) =>
  (c.argNum & ~0xfc ? new OfpError('OFPBAC_BAD_ARGUMENT') : { type: 'SET_IP_DSCP', dscp: c.argNum }));
registry.encode('SET_IP_DSCP', (a, c) => {
  if (c.version < 3) putRaw(c.w, 'OFPAT_RAW_SET_NW_TOS', c.version, a.dscp);
  else putSetField(c.w, c.version, MF.IP_DSCP_SHIFTED, a.dscp >> 2);
});
registry.parse('mod_nw_tos', (arg, c) => {
  const v = strToU8(arg, 'TOS');
  if (typeof v === 'string') return v;
  if (v & ~0xfc) return `${arg}: not a valid TOS`;
  c.put({ type: 'SET_IP_DSCP', dscp: v });
  return null;
});
registry.format('SET_IP_DSCP', (a) => `mod_nw_tos:${a.dscp}`);
registry.check('SET_IP_DSCP', (_a, c) => checkSetIp(c));

registry.decode('OFPAT_RAW11_SET_NW_ECN', (c) =>
  (c.argNum & ~3 ? new OfpError('OFPBAC_BAD_ARGUMENT') : { type: 'SET_IP_ECN', ecn: c.argNum }));
registry.encode('SET_IP_ECN', (a, c) => encodeSetIpEcn(c.w, c.version, a.ecn));
registry.parse('mod_nw_ecn', (arg, c) => {
  const v = strToU8(arg, 'ECN');
  if (typeof v === 'string') return v;
  if (v & ~3) return `${arg}: not a valid ECN`;
  c.put({ type: 'SET_IP_ECN', ecn: v });
  return null;
});
registry.format('SET_IP_ECN', (a) => `mod_nw_ecn:${a.ecn}`);
registry.check('SET_IP_ECN', (_a, c) => checkSetIp(c));

registry.decode('OFPAT_RAW11_SET_NW_TTL', (c) => ({ type: 'SET_IP_TTL', ttl: c.argNum }));
registry.encode('SET_IP_TTL', (a, c) => {
  if (c.version >= 2) putRaw(c.w, 'OFPAT_RAW11_SET_NW_TTL', c.version, a.ttl);
  else putRegLoad(c.w, { field: mfField(MF.IP_TTL), ofs: 0, nBits: 8 }, BigInt(a.ttl));
});
const parseTtl = (arg: string, c: Parameters<Parameters<typeof registry.parse>[1]>[1]): string | null => {
  const v = strToU8(arg, 'TTL');
  if (typeof v === 'string') return v;
  c.put({ type: 'SET_IP_TTL', ttl: v });
  return null;
};
registry.parse('mod_nw_ttl', parseTtl);
registry.parse('set_nw_ttl', parseTtl);
registry.format('SET_IP_TTL', (a) => `mod_nw_ttl:${a.ttl}`);
registry.check('SET_IP_TTL', (_a, c) => checkSetIp(c));

import { mfFromId as mfField } from './meta-flow.js';

/* ---- L4 ports ---- */

for (const [t, raw, kw, name, fields] of [
  ['SET_L4_SRC_PORT', 'OFPAT_RAW_SET_TP_SRC', 'mod_tp_src', 'source port', [MF.TCP_SRC, MF.UDP_SRC, MF.SCTP_SRC]],
  ['SET_L4_DST_PORT', 'OFPAT_RAW_SET_TP_DST', 'mod_tp_dst', 'destination port', [MF.TCP_DST, MF.UDP_DST, MF.SCTP_DST]],
] as const) {
  registry.decode(raw, (c) => ({ type: t, port: c.argNum }));
  registry.encode(t, (a, c) => {
    const p = a.flowIpProto;
    const f = p === IPPROTO_TCP ? fields[0] : p === IPPROTO_UDP ? fields[1] : p === IPPROTO_SCTP ? fields[2] : null;
    if (c.version >= 3 && f !== null) putSetField(c.w, c.version, f, a.port);
    else putRaw(c.w, raw, c.version, a.port);
  });
  registry.parse(kw, (arg, c) => {
    const v = strToU16(arg, name);
    if (typeof v === 'string') return v;
    c.put({ type: t, port: v });
    return null;
  });
  registry.format(t, (a) => `${kw}:${a.port}`);
  registry.check(t, (a, c) => {
    const f = c.match.flow;
    const dl = flowDlType(f), proto = f[FL.NW_PROTO]!;
    if ((dl !== ETH_TYPE_IP && dl !== ETH_TYPE_IPV6) || (f[FL.NW_FRAG]! & FLOW_NW_FRAG_LATER)
      || (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP && proto !== IPPROTO_SCTP)) inconsistentMatch(c.usable);
    a.flowIpProto = proto;
    return null;
  });
}

/* ---- dec_ttl ---- */

registry.decode('OFPAT_RAW_DEC_NW_TTL', () => ({ type: 'DEC_TTL', cntIds: [0] }));
registry.decode('NXAST_RAW_DEC_TTL_CNT_IDS', (c) => {
  const d = c.d, p = c.pos;
  const count = rd16(d, p + 10);
  if (!allZero(d, p + 12, p + 16)) return new OfpError('NXBRC_MUST_BE_ZERO');
  const idsSize = c.len - 16;
  if (idsSize < count * 2) {
    log.warnRl(actionsRl, `Nicira action dec_ttl_cnt_ids only has ${idsSize} bytes allocated for controller ids.  ${count * 2} bytes are required for ${count} controllers.`);
    return new OfpError('OFPBAC_BAD_LEN');
  }
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(rd16(d, p + 16 + 2 * i));
  return { type: 'DEC_TTL', raw: 'NXAST_RAW_DEC_TTL_CNT_IDS', cntIds: ids };
});
registry.encode('DEC_TTL', (a, c) => {
  if (a.raw === 'NXAST_RAW_DEC_TTL_CNT_IDS' || a.cntIds.length !== 1 || a.cntIds[0] !== 0) {
    const s = putRaw(c.w, 'NXAST_RAW_DEC_TTL_CNT_IDS', c.version);
    c.w.set16(s + 10, a.cntIds.length);
    const idsLen = Math.ceil((2 * a.cntIds.length) / 8) * 8;
    const at = c.w.len;
    c.w.zeros(idsLen);
    c.w.buf.fill(0, at, at + idsLen);
    a.cntIds.forEach((id, i) => c.w.set16(at + 2 * i, id));
    c.w.set16(s + 2, 16 + idsLen);
  } else {
    putRaw(c.w, 'OFPAT_RAW_DEC_NW_TTL', c.version);
  }
});
registry.parse('dec_ttl', (arg, c) => {
  if (!arg) { c.put({ type: 'DEC_TTL', cntIds: [0] }); return null; }
  const ids = arg.split(/[, ]+/).filter((x) => x).map((x) => (parseInt(x, 10) || 0) & 0xffff);
  if (!ids.length) return 'dec_ttl_cnt_ids: expected at least one controller id.';
  c.put({ type: 'DEC_TTL', raw: 'NXAST_RAW_DEC_TTL_CNT_IDS', cntIds: ids });
  return null;
});
registry.format('DEC_TTL', (a) => (a.raw === 'NXAST_RAW_DEC_TTL_CNT_IDS' ? `dec_ttl(${a.cntIds.join(',')})` : 'dec_ttl'));
registry.check('DEC_TTL', (_a, c) => checkSetIp(c));

/* ---- MPLS ---- */

const isMpls = (t: number): boolean => t === ETH_TYPE_MPLS || t === ETH_TYPE_MPLS_MCAST;
function checkSetMpls(c: CheckCtx): null {
  if (!isMpls(flowDlType(c.match.flow))) inconsistentMatch(c.usable);
  return null;
}

registry.decode('OFPAT_RAW_SET_MPLS_LABEL', (c) => ({ type: 'SET_MPLS_LABEL', label: c.argNum }));
registry.encode('SET_MPLS_LABEL', (a, c) => {
  if (c.version < 3) putRaw(c.w, 'OFPAT_RAW_SET_MPLS_LABEL', c.version, a.label);
  else putSetField(c.w, c.version, MF.MPLS_LABEL, a.label);
});
registry.parse('set_mpls_label', (arg, c) => {
  if (!arg) return 'set_mpls_label: expected label.';
  const v = strToU32(arg);
  if (typeof v === 'string') return v;
  if (v & ~0xfffff) return `${arg}: not a valid MPLS label`;
  c.put({ type: 'SET_MPLS_LABEL', label: v });
  return null;
});
registry.format('SET_MPLS_LABEL', (a) => `set_mpls_label(${a.label >>> 0})`);
registry.check('SET_MPLS_LABEL', (_a, c) => checkSetMpls(c));

registry.decode('OFPAT_RAW_SET_MPLS_TC', (c) => ({ type: 'SET_MPLS_TC', tc: c.argNum }));
registry.encode('SET_MPLS_TC', (a, c) => {
  if (c.version < 3) putRaw(c.w, 'OFPAT_RAW_SET_MPLS_TC', c.version, a.tc);
  else putSetField(c.w, c.version, MF.MPLS_TC, a.tc);
});
registry.parse('set_mpls_tc', (arg, c) => {
  if (!arg) return 'set_mpls_tc: expected tc.';
  const v = strToU8(arg, 'MPLS TC');
  if (typeof v === 'string') return v;
  if (v & ~7) return `${arg}: not a valid MPLS TC`;
  c.put({ type: 'SET_MPLS_TC', tc: v });
  return null;
});
registry.format('SET_MPLS_TC', (a) => `set_mpls_tc(${a.tc})`);
registry.check('SET_MPLS_TC', (_a, c) => checkSetMpls(c));

registry.decode('OFPAT_RAW_SET_MPLS_TTL', (c) => ({ type: 'SET_MPLS_TTL', ttl: c.argNum }));
registry.encode('SET_MPLS_TTL', (a, c) => { putRaw(c.w, 'OFPAT_RAW_SET_MPLS_TTL', c.version, a.ttl); });
registry.parse('set_mpls_ttl', (arg, c) => {
  if (!arg) return 'set_mpls_ttl: expected ttl.';
  const v = strToU8(arg, 'MPLS TTL');
  if (typeof v === 'string') return v;
  c.put({ type: 'SET_MPLS_TTL', ttl: v });
  return null;
});
registry.format('SET_MPLS_TTL', (a) => `set_mpls_ttl(${a.ttl})`);
registry.check('SET_MPLS_TTL', (_a, c) => checkSetMpls(c));

registry.decode('OFPAT_RAW_DEC_MPLS_TTL', () => ({ type: 'DEC_MPLS_TTL' }));
registry.encode('DEC_MPLS_TTL', (_a, c) => { putRaw(c.w, 'OFPAT_RAW_DEC_MPLS_TTL', c.version); });
registry.parse('dec_mpls_ttl', (_arg, c) => { c.put({ type: 'DEC_MPLS_TTL' }); return null; });
registry.format('DEC_MPLS_TTL', () => 'dec_mpls_ttl');
registry.check('DEC_MPLS_TTL', (_a, c) => checkSetMpls(c));

registry.decode('OFPAT_RAW_PUSH_MPLS', (c) =>
  (isMpls(c.argNum) ? { type: 'PUSH_MPLS', ethertype: c.argNum } : new OfpError('OFPBAC_BAD_ARGUMENT')));
registry.encode('PUSH_MPLS', (a, c) => { putRaw(c.w, 'OFPAT_RAW_PUSH_MPLS', c.version, a.ethertype); });
registry.parse('push_mpls', (arg, c) => {
  const v = strToU16(arg, 'push_mpls');
  if (typeof v === 'string') return v;
  c.put({ type: 'PUSH_MPLS', ethertype: v });
  return null;
});
registry.format('PUSH_MPLS', (a) => `push_mpls:0x${a.ethertype.toString(16).padStart(4, '0')}`);
registry.check('PUSH_MPLS', (a, c) => {
  const f = c.match.flow;
  if (get32(f, FL.PACKET_TYPE) !== PT_ETH) inconsistentMatch(c.usable);
  put16(f, FL.DL_TYPE, a.ethertype);
  f[FL.NW_PROTO] = 0;
  return null;
});

registry.decode('OFPAT_RAW_POP_MPLS', (c) => ({ type: 'POP_MPLS', ethertype: c.argNum }));
registry.encode('POP_MPLS', (a, c) => { putRaw(c.w, 'OFPAT_RAW_POP_MPLS', c.version, a.ethertype); });
registry.parse('pop_mpls', (arg, c) => {
  const v = strToU16(arg, 'pop_mpls');
  if (typeof v === 'string') return v;
  c.put({ type: 'POP_MPLS', ethertype: v });
  return null;
});
registry.format('POP_MPLS', (a) => `pop_mpls:0x${a.ethertype.toString(16).padStart(4, '0')}`);
registry.check('POP_MPLS', (a, c) => {
  const f = c.match.flow;
  if (get32(f, FL.PACKET_TYPE) !== PT_ETH || !isMpls(flowDlType(f))) inconsistentMatch(c.usable);
  put16(f, FL.DL_TYPE, a.ethertype);
  return null;
});

/* ---- set_tunnel, set_queue, pop_queue ---- */

registry.decode('NXAST_RAW_SET_TUNNEL', (c) => ({ type: 'SET_TUNNEL', raw: 'NXAST_RAW_SET_TUNNEL', tunId: c.arg }));
registry.decode('NXAST_RAW_SET_TUNNEL64', (c) => ({ type: 'SET_TUNNEL', raw: 'NXAST_RAW_SET_TUNNEL64', tunId: c.arg }));
registry.encode('SET_TUNNEL', (a, c) => {
  if (c.version < 3) {
    if (a.tunId <= 0xffffffffn && a.raw !== 'NXAST_RAW_SET_TUNNEL64') putRaw(c.w, 'NXAST_RAW_SET_TUNNEL', c.version, a.tunId);
    else putRaw(c.w, 'NXAST_RAW_SET_TUNNEL64', c.version, a.tunId);
  } else {
    putSetField(c.w, c.version, MF.TUN_ID, a.tunId);
  }
});
for (const [kw, raw] of [['set_tunnel', 'NXAST_RAW_SET_TUNNEL'], ['set_tunnel64', 'NXAST_RAW_SET_TUNNEL64']] as const) {
  registry.parse(kw, (arg, c) => {
    const v = strToU64(arg);
    if (typeof v === 'string') return v;
    c.put({ type: 'SET_TUNNEL', raw, tunId: v });
    return null;
  });
}
registry.format('SET_TUNNEL', (a) =>
  `set_tunnel${a.tunId > 0xffffffffn || a.raw === 'NXAST_RAW_SET_TUNNEL64' ? '64' : ''}:${a.tunId ? '0x' + a.tunId.toString(16) : '0'}`);
registry.check('SET_TUNNEL', () => null);

registry.decode('OFPAT_RAW_SET_QUEUE', (c) => ({ type: 'SET_QUEUE', queueId: c.argNum }));
registry.encode('SET_QUEUE', (a, c) => { putRaw(c.w, 'OFPAT_RAW_SET_QUEUE', c.version, a.queueId); });
registry.parse('set_queue', (arg, c) => {
  const v = strToU32(arg);
  if (typeof v === 'string') return v;
  c.put({ type: 'SET_QUEUE', queueId: v });
  return null;
});
registry.format('SET_QUEUE', (a) => `set_queue:${a.queueId >>> 0}`);
registry.check('SET_QUEUE', () => null);

/** Registers a no-argument action. */
function simple(t: 'POP_QUEUE' | 'EXIT' | 'CT_CLEAR' | 'DEC_NSH_TTL' | 'DEBUG_RECIRC' | 'DEBUG_SLOW',
  raw: string, kw: string, check: (c: CheckCtx) => OfpErrName | null = () => null): void {
  registry.decode(raw, () => ({ type: t }));
  registry.encode(t, (_a, c) => { putRaw(c.w, raw, c.version); });
  registry.parse(kw, (_arg, c) => { c.put({ type: t }); return null; });
  registry.format(t, () => kw);
  registry.check(t, (_a, c) => check(c));
}
simple('POP_QUEUE', 'NXAST_RAW_POP_QUEUE', 'pop_queue');
simple('EXIT', 'NXAST_RAW_EXIT', 'exit');
simple('CT_CLEAR', 'NXAST_RAW_CT_CLEAR', 'ct_clear');
simple('DEC_NSH_TTL', 'NXAST_RAW_DEC_NSH_TTL', 'dec_nsh_ttl', (c) => {
  const f = c.match.flow;
  if (get32(f, FL.PACKET_TYPE) !== 0x1894f && get16(f, FL.DL_TYPE) !== 0x894f) inconsistentMatch(c.usable);
  return null;
});
simple('DEBUG_RECIRC', 'NXAST_RAW_DEBUG_RECIRC', 'debug_recirc');
simple('DEBUG_SLOW', 'NXAST_RAW_DEBUG_SLOW', 'debug_slow');

/* The debug actions decode only when enabled (ovs-vswitchd --enable-dummy). */
let debugEnabled = false;
/** Lets debug_recirc and debug_slow be decoded from the wire (ofpact_dummy_enable). */
export function enableDebugActions(): void { debugEnabled = true; }
for (const [t, raw] of [['DEBUG_RECIRC', 'NXAST_RAW_DEBUG_RECIRC'], ['DEBUG_SLOW', 'NXAST_RAW_DEBUG_SLOW']] as const) {
  registry.decode(raw, () => (debugEnabled ? { type: t } : new OfpError('OFPBAC_BAD_VENDOR_TYPE')));
}

/* ---- fin_timeout ---- */

registry.decode('NXAST_RAW_FIN_TIMEOUT', (c) => ({ type: 'FIN_TIMEOUT', idle: rd16(c.d, c.pos + 10), hard: rd16(c.d, c.pos + 12) }));
registry.encode('FIN_TIMEOUT', (a, c) => {
  const s = putRaw(c.w, 'NXAST_RAW_FIN_TIMEOUT', c.version);
  c.w.set16(s + 10, a.idle); c.w.set16(s + 12, a.hard);
});
registry.parse('fin_timeout', (arg, c) => {
  const a: OfpactOf<'FIN_TIMEOUT'> = { type: 'FIN_TIMEOUT', idle: 0, hard: 0 };
  c.put(a);
  for (const { key, value } of parseKeyValues(arg)) {
    let v: number | string;
    if (key === 'idle_timeout') { v = strToU16(value, key); if (typeof v !== 'string') a.idle = v; }
    else if (key === 'hard_timeout') { v = strToU16(value, key); if (typeof v !== 'string') a.hard = v; }
    else v = `invalid key '${key}' in 'fin_timeout' argument`;
    if (typeof v === 'string') return v;
  }
  return null;
});
registry.format('FIN_TIMEOUT', (a) => {
  const parts: string[] = [];
  if (a.idle) parts.push(`idle_timeout=${a.idle}`);
  if (a.hard) parts.push(`hard_timeout=${a.hard}`);
  return `fin_timeout(${parts.join(',')})`;
});
registry.check('FIN_TIMEOUT', (_a, c) => { if (c.match.flow[FL.NW_PROTO] !== IPPROTO_TCP) inconsistentMatch(c.usable); return null; });

/* ---- resubmit ---- */

registry.decode('NXAST_RAW_RESUBMIT', (c) => ({ type: 'RESUBMIT', raw: 'NXAST_RAW_RESUBMIT', inPort: c.argNum, tableId: 0xff, withCtOrig: false }));
for (const [raw, ct] of [['NXAST_RAW_RESUBMIT_TABLE', false], ['NXAST_RAW_RESUBMIT_TABLE_CT', true]] as const) {
  registry.decode(raw, (c) => {
    const d = c.d, p = c.pos;
    if (d[p + 13] || d[p + 14] || d[p + 15]) return new OfpError('OFPBAC_BAD_ARGUMENT');
    return { type: 'RESUBMIT', raw, inPort: rd16(d, p + 10), tableId: d[p + 12]!, withCtOrig: ct };
  });
}
registry.encode('RESUBMIT', (a, c) => {
  if (a.tableId === 0xff && a.raw === 'NXAST_RAW_RESUBMIT') putRaw(c.w, 'NXAST_RAW_RESUBMIT', c.version, a.inPort);
  else {
    const s = putRaw(c.w, a.withCtOrig ? 'NXAST_RAW_RESUBMIT_TABLE_CT' : 'NXAST_RAW_RESUBMIT_TABLE', c.version);
    c.w.buf[s + 12] = a.tableId; c.w.set16(s + 10, a.inPort);
  }
});
registry.parse('resubmit', (arg, c) => {
  const parts = arg.split(',');
  const a: OfpactOf<'RESUBMIT'> = { type: 'RESUBMIT', inPort: OFPP_IN_PORT, tableId: 255, withCtOrig: false };
  c.put(a);
  const inPortS = parts[0], tableS = parts[1], ctS = parts[2];
  if (inPortS) {
    const p = parsePort(inPortS, c.ports);
    if (p === undefined) return `${inPortS}: resubmit to unknown port`;
    a.inPort = p;
  }
  if (tableS) {
    const t = parseTable(tableS, c.tables);
    if (t === undefined) return `${tableS}: resubmit to unknown table`;
    a.tableId = t;
  }
  if (ctS) {
    if (ctS !== 'ct') return `${ctS}: unknown parameter`;
    a.withCtOrig = true;
  }
  if (a.inPort === OFPP_IN_PORT && a.tableId === 255) return 'at least one "in_port" or "table" must be specified on resubmit';
  if (!(a.tableId === 0xff && !a.withCtOrig && parts.length === 1)) a.raw = undefined;
  else a.raw = 'NXAST_RAW_RESUBMIT';
  return null;
});
registry.format('RESUBMIT', (a, c) => {
  if (a.inPort !== OFPP_IN_PORT && a.tableId === 255) return `resubmit:${formatPort(a.inPort, c.ports)}`;
  let s = 'resubmit(';
  if (a.inPort !== OFPP_IN_PORT) s += formatPort(a.inPort, c.ports);
  s += ',';
  if (a.tableId !== 255) s += formatTable(a.tableId, c.tables);
  if (a.withCtOrig) s += ',ct';
  return s + ')';
});
registry.check('RESUBMIT', (a, c) => {
  if (a.withCtOrig && !prereqsOk(P.CT, c.match.flow, c.match.wc)) return 'OFPBAC_MATCH_INCONSISTENT';
  return null;
});

/* ---- conjunction ---- */

registry.decode('NXAST_RAW_CONJUNCTION', (c) => {
  const clause = c.d[c.pos + 10]!, nClauses = c.d[c.pos + 11]!;
  if (nClauses < 2 || nClauses > 64 || clause >= nClauses) return new OfpError('NXBAC_BAD_CONJUNCTION');
  return { type: 'CONJUNCTION', id: rd32(c.d, c.pos + 12), clause, nClauses };
});
registry.encode('CONJUNCTION', (a, c) => {
  const s = putRaw(c.w, 'NXAST_RAW_CONJUNCTION', c.version);
  c.w.buf[s + 10] = a.clause; c.w.buf[s + 11] = a.nClauses; c.w.set32(s + 12, a.id);
});
registry.parse('conjunction', (arg, c) => {
  const m = /^\s*([-+]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*))\s*,\s*([0-9]+)\s*\/\s*([0-9]+)\s*$/.exec(arg);
  if (!m) return '"conjunction" syntax is "conjunction(id,i/n)"';
  const id = Number(BigInt.asUintN(32, BigInt(m[1]!.startsWith('0') && !/^0[xX]/.test(m[1]!) && m[1]!.length > 1 ? '0o' + m[1]!.slice(1) : m[1]!)));
  const clause = Number(m[2]) & 0xff, nClauses = Number(m[3]) & 0xff;
  if (nClauses < 2) return 'conjunction must have at least 2 clauses';
  if (nClauses > 64) return 'conjunction must have at most 64 clauses';
  if (clause < 1) return 'clause index must be positive';
  if (clause > nClauses) return 'clause index must be less than or equal to number of clauses';
  c.put({ type: 'CONJUNCTION', id, clause: clause - 1, nClauses });
  return null;
});
registry.format('CONJUNCTION', (a) => `conjunction(${a.id >>> 0},${a.clause + 1}/${a.nClauses})`);
registry.check('CONJUNCTION', () => null);

/* ---- note ---- */

registry.decode('NXAST_RAW_NOTE', (c) => ({ type: 'NOTE', data: c.d.slice(c.pos + 10, c.pos + c.len) }));
registry.encode('NOTE', (a, c) => {
  const s = putRaw(c.w, 'NXAST_RAW_NOTE', c.version);
  c.w.len = s + 10;
  c.w.bytes(a.data);
  padAction(c.w, s);
});
registry.parse('note', (arg, c) => {
  const d = parseHexArg(arg);
  if (!d) return "bad hex digit in `note' argument";
  c.put({ type: 'NOTE', data: d });
  return null;
});
registry.format('NOTE', (a) => `note:${formatHexArg(a.data)}`);
registry.check('NOTE', () => null);

/* ---- sample ---- */

const SAMPLE_DEFAULT = 0, SAMPLE_INGRESS = 1, SAMPLE_EGRESS = 2;
registry.decode('NXAST_RAW_SAMPLE', (c) => {
  const d = c.d, p = c.pos;
  const a: OfpactOf<'SAMPLE'> = {
    type: 'SAMPLE', raw: 'NXAST_RAW_SAMPLE', probability: rd16(d, p + 10), collectorSetId: rd32(d, p + 12),
    obsDomainId: rd32(d, p + 16), obsPointId: rd32(d, p + 20), samplingPort: OFPP_NONE, direction: SAMPLE_DEFAULT,
  };
  return a.probability ? a : new OfpError('OFPBAC_BAD_ARGUMENT');
});
function decodeSample2(c: DecodeCtx, raw: string, direction: number): Ofpact | OfpError {
  const d = c.d, p = c.pos;
  const a: OfpactOf<'SAMPLE'> = {
    type: 'SAMPLE', raw, probability: rd16(d, p + 10), collectorSetId: rd32(d, p + 12),
    obsDomainId: rd32(d, p + 16), obsPointId: rd32(d, p + 20), samplingPort: rd16(d, p + 24), direction,
  };
  return a.probability ? a : new OfpError('OFPBAC_BAD_ARGUMENT');
}
registry.decode('NXAST_RAW_SAMPLE2', (c) => decodeSample2(c, 'NXAST_RAW_SAMPLE2', SAMPLE_DEFAULT));
registry.decode('NXAST_RAW_SAMPLE3', (c) => {
  const dir = c.d[c.pos + 26]!;
  if (!allZero(c.d, c.pos + 27, c.pos + 32)) return new OfpError('NXBRC_MUST_BE_ZERO');
  if (dir > 2) { log.warnRl(actionsRl, `invalid sample direction ${dir}`); return new OfpError('OFPBAC_BAD_ARGUMENT'); }
  return decodeSample2(c, 'NXAST_RAW_SAMPLE3', dir);
});
registry.encode('SAMPLE', (a, c) => {
  const w = c.w;
  const raw = a.raw === 'NXAST_RAW_SAMPLE3' || a.direction !== SAMPLE_DEFAULT ? 'NXAST_RAW_SAMPLE3'
    : a.raw === 'NXAST_RAW_SAMPLE2' || a.samplingPort !== OFPP_NONE ? 'NXAST_RAW_SAMPLE2' : 'NXAST_RAW_SAMPLE';
  const s = putRaw(w, raw, c.version);
  w.set16(s + 10, a.probability); w.set32(s + 12, a.collectorSetId); w.set32(s + 16, a.obsDomainId);
  w.set32(s + 20, a.obsPointId);
  if (raw !== 'NXAST_RAW_SAMPLE') { w.set16(s + 24, a.samplingPort); w.buf[s + 26] = a.direction; }
});
registry.parse('sample', (arg, c) => {
  const a: OfpactOf<'SAMPLE'> = {
    type: 'SAMPLE', probability: 0, collectorSetId: 0, obsDomainId: 0, obsPointId: 0,
    samplingPort: OFPP_NONE, direction: SAMPLE_DEFAULT,
  };
  c.put(a);
  for (const { key, value } of parseKeyValues(arg)) {
    let err: string | null = null;
    const u32 = (set: (v: number) => void): void => { const v = strToU32(value); if (typeof v === 'string') err = v; else set(v); };
    if (key === 'probability') {
      const v = strToU16(value, 'probability');
      if (typeof v === 'string') err = v;
      else if (!v) err = `invalid probability value "${value}"`;
      else a.probability = v;
    } else if (key === 'collector_set_id') u32((v) => { a.collectorSetId = v; });
    else if (key === 'obs_domain_id') u32((v) => { a.obsDomainId = v; });
    else if (key === 'obs_point_id') u32((v) => { a.obsPointId = v; });
    else if (key === 'sampling_port') {
      const p = parsePort(value, c.ports);
      if (p === undefined) err = `${value}: unknown port`; else a.samplingPort = p;
    } else if (key === 'ingress') a.direction = SAMPLE_INGRESS;
    else if (key === 'egress') a.direction = SAMPLE_EGRESS;
    else err = `invalid key "${key}" in "sample" argument`;
    if (err) return err;
  }
  if (!a.probability) return 'non-zero "probability" must be specified on sample';
  return null;
});
registry.format('SAMPLE', (a, c) => {
  let s = `sample(probability=${a.probability},collector_set_id=${a.collectorSetId >>> 0},obs_domain_id=${a.obsDomainId >>> 0},obs_point_id=${a.obsPointId >>> 0}`;
  if (a.samplingPort !== OFPP_NONE) s += `,sampling_port=${formatPort(a.samplingPort, c.ports)}`;
  if (a.direction === SAMPLE_INGRESS) s += ',ingress';
  else if (a.direction === SAMPLE_EGRESS) s += ',egress';
  return s + ')';
});
registry.check('SAMPLE', () => null);

/* ---- clone ---- */

registry.decode('NXAST_RAW_CLONE', (c) => {
  const acts = c.nested(c.pos + 16, c.len - 16, 'CLONE');
  return acts instanceof OfpError ? acts : { type: 'CLONE', actions: acts };
});
registry.encode('CLONE', (a, c) => {
  const s = putRaw(c.w, 'NXAST_RAW_CLONE', c.version);
  c.nested(a.actions);
  c.w.set16(s + 2, c.w.len - s);
});
registry.parse('clone', (arg, c) => {
  const acts = c.nested(arg, 'CLONE');
  if (typeof acts === 'string') return acts;
  c.put({ type: 'CLONE', actions: acts });
  return null;
});
registry.format('CLONE', (a, c) => `clone(${c.nested(a.actions)})`);
registry.check('CLONE', (a, c) => c.nested(a.actions, true));

/* ---- unroll_xlate (internal) ---- */

registry.parse('unroll_xlate', () => "UNROLL is an internal action that shouldn't be used via OpenFlow");
registry.format('UNROLL_XLATE', (a, c) =>
  `unroll_xlate(table=${formatTable(a.ruleTableId, c.tables)}, cookie=${BigInt.asUintN(64, a.ruleCookie)})`);
registry.check('UNROLL_XLATE', () => 'OFPBAC_BAD_TYPE');
registry.encode('UNROLL_XLATE', () => { /* never encoded */ });

/* ---- instructions ---- */

registry.decode('OFPAT_RAW15_METER', (c) => ({ type: 'METER', meterId: c.argNum }));
registry.encode('METER', (a, c) => {
  if (c.version === 4 || c.version === 5) c.w.u16(6).u16(8).u32(a.meterId);
  else if (c.version >= 6) putRaw(c.w, 'OFPAT_RAW15_METER', c.version, a.meterId);
});
registry.parse('meter', (arg, c) => {
  c.usable.p &= Proto.OF13_UP;
  const v = strToU32(arg);
  if (typeof v === 'string') return v;
  c.put({ type: 'METER', meterId: v });
  return null;
});
registry.format('METER', (a) => `meter:${a.meterId >>> 0}`);
registry.check('METER', (a) => (a.meterId === 0 || a.meterId >>> 0 > 0xffff0000 ? 'OFPMMFC_INVALID_METER' : null));

registry.encode('CLEAR_ACTIONS', (_a, c) => { if (c.version > 1) c.w.u16(5).u16(8).u32(0); });
registry.parse('clear_actions', (_arg, c) => { c.put({ type: 'CLEAR_ACTIONS' }); return null; });
registry.format('CLEAR_ACTIONS', () => 'clear_actions');
registry.check('CLEAR_ACTIONS', () => null);

registry.encode('WRITE_ACTIONS', (a, c) => {
  if (c.version > 1) {
    const ofs = putInstructionActions(c.w, Inst.WRITE_ACTIONS);
    c.nested(a.actions);
    finishInstructionActions(c.w, ofs);
  }
});
registry.parse('write_actions', (arg, c) => {
  const acts = c.nested(arg, 'WRITE_ACTIONS');
  if (typeof acts === 'string') return acts;
  c.put({ type: 'WRITE_ACTIONS', actions: acts });
  return null;
});
registry.format('WRITE_ACTIONS', (a, c) => `write_actions(${c.nested(a.actions)})`);
registry.check('WRITE_ACTIONS', (a, c) => c.nested(a.actions, false));

registry.decode('NXAST_RAW_WRITE_METADATA', (c) => {
  const d = c.d, p = c.pos;
  if (!allZero(d, p + 10, p + 16)) return new OfpError('NXBRC_MUST_BE_ZERO');
  const b = (o: number): bigint => (BigInt(rd32(d, o)) << 32n) | BigInt(rd32(d, o + 4));
  return { type: 'WRITE_METADATA', metadata: b(p + 16), mask: b(p + 24) };
});
registry.encode('WRITE_METADATA', (a, c) => {
  if (c.version === 1) {
    const s = putRaw(c.w, 'NXAST_RAW_WRITE_METADATA', 1);
    const w = c.w;
    w.set32(s + 16, Number(a.metadata >> 32n)); w.set32(s + 20, Number(a.metadata & 0xffffffffn));
    w.set32(s + 24, Number(a.mask >> 32n)); w.set32(s + 28, Number(a.mask & 0xffffffffn));
  } else {
    c.w.u16(2).u16(24).u32(0).u64(a.metadata).u64(a.mask);
  }
});
registry.parse('write_metadata', (arg, c) => {
  c.usable.p &= Proto.NXM_OF11_UP;
  const slash = arg.indexOf('/');
  let mask = 0xffffffffffffffffn;
  if (slash >= 0) {
    const m = strToU64(arg.slice(slash + 1));
    if (typeof m === 'string') return m;
    mask = m;
  }
  const v = strToU64(slash >= 0 ? arg.slice(0, slash) : arg);
  if (typeof v === 'string') return v;
  c.put({ type: 'WRITE_METADATA', metadata: v, mask });
  return null;
});
registry.format('WRITE_METADATA', (a) => {
  const h = (x: bigint): string => (x ? '0x' + x.toString(16) : '0');
  return `write_metadata:${h(a.metadata)}` + (a.mask !== 0xffffffffffffffffn ? `/${h(a.mask)}` : '');
});
registry.check('WRITE_METADATA', () => null);

registry.encode('GOTO_TABLE', (a, c) => {
  if (c.version === 1) {
    const s = putRaw(c.w, 'NXAST_RAW_RESUBMIT_TABLE', 1);
    c.w.buf[s + 12] = a.tableId; c.w.set16(s + 10, OFPP_IN_PORT);
  } else {
    c.w.u16(1).u16(8).u8(a.tableId).u8(0).u16(0);
  }
});
registry.parse('goto_table', (arg, c) => {
  const t = parseTable(arg, c.tables);
  if (t === undefined) return `unknown table "${arg}"`;
  c.put({ type: 'GOTO_TABLE', tableId: t });
  return null;
});
registry.format('GOTO_TABLE', (a, c) => `goto_table:${formatTable(a.tableId, c.tables)}`);
registry.check('GOTO_TABLE', (a, c) =>
  ((c.tableId !== 255 && a.tableId <= c.tableId) || (c.nTables !== 255 && a.tableId >= c.nTables) ? 'OFPBIC_BAD_TABLE_ID' : null));

export type { TableNames };
export { put32 };
