/* ofp-switch: the switch-level messages: features request/reply (datapath
 * id, tables, buffers, capabilities, OF1.0 action bitmap, ports before
 * OF1.3) and get/set config (fragment handling, miss_send_len). */
import { OfpReader } from './ofp-buffer.js';
import { OfpError } from './ofp-errors.js';
import { startMsg, msgBody, type OfpMsg } from './ofp-msgs.js';
import { bitNames } from './ofp-format.js';
import { formatActionBitmap } from './ofpact-bitmap.js';
import { formatPhyPorts, putPhyPort, decodePhyPorts, type PhyPort } from './ofp-port.js';
import type { Ds } from '../lib/dynamic-string.js';

/* Version-independent capability bits (OVS's OFPUTIL_C_*). */
export const C_FLOW_STATS = 1, C_TABLE_STATS = 2, C_PORT_STATS = 4, C_STP = 8, C_GROUP_STATS = 16,
  C_IP_REASM = 32, C_QUEUE_STATS = 64, C_ARP_MATCH_IP = 128, C_PORT_BLOCKED = 256,
  C_BUNDLES = 512, C_FLOW_MONITORING = 1024;

const CAP_NAMES: Record<number, string> = {
  1: 'FLOW_STATS', 2: 'TABLE_STATS', 4: 'PORT_STATS', 32: 'IP_REASM', 64: 'QUEUE_STATS',
  128: 'ARP_MATCH_IP', 8: 'STP', 16: 'GROUP_STATS', 256: 'PORT_BLOCKED', 512: 'BUNDLES',
  1024: 'FLOW_MONITORING',
};

function capabilitiesMask(version: number): number {
  const common = C_FLOW_STATS | C_TABLE_STATS | C_PORT_STATS | C_IP_REASM | C_QUEUE_STATS;
  if (version <= 2) return common | C_ARP_MATCH_IP;
  if (version <= 4) return common | C_PORT_BLOCKED;
  return common | C_PORT_BLOCKED | C_BUNDLES | C_FLOW_MONITORING;
}

/** Features reply contents (OVS's ofputil_switch_features). */
export interface SwitchFeatures {
  datapathId: bigint;
  nBuffers: number;
  nTables: number;
  auxiliaryId: number;
  capabilities: number;
  /** OF1.0 supported-actions bitmap (wire bits), 0 otherwise. */
  actions10: number;
  /** Ports listed in the reply (OF1.0-1.2). */
  ports: PhyPort[];
}

function pullFeatures(msg: OfpMsg, r: OfpReader): SwitchFeatures {
  const datapathId = r.u64();
  const nBuffers = r.u32();
  const nTables = r.u8();
  const aux = r.u8();
  r.skip(2);
  const capsRaw = r.u32();
  const actions = r.u32();
  let capabilities = capsRaw & capabilitiesMask(msg.version);
  let actions10 = 0;
  let auxiliaryId = 0;
  if (msg.info.raw === 'OFPT10_FEATURES_REPLY') {
    if (capsRaw & 8) capabilities |= C_STP;
    actions10 = actions & 0xfff;
  } else {
    if (capsRaw & 8) capabilities |= C_GROUP_STATS;
    if (msg.info.raw === 'OFPT13_FEATURES_REPLY') auxiliaryId = aux;
  }
  return { datapathId, nBuffers, nTables, auxiliaryId, capabilities, actions10, ports: [] };
}

/** Decodes a features reply including its ports. */
export function decodeFeaturesReply(msg: OfpMsg): SwitchFeatures {
  const r = new OfpReader(msgBody(msg));
  const f = pullFeatures(msg, r);
  f.ports = decodePhyPorts(msg.version, r);
  return f;
}

/** Encodes a features reply; ports are included before OF1.3 while they fit. */
export function encodeFeaturesReply(f: SwitchFeatures, version: number, xid: number): Uint8Array {
  const raw = version === 1 ? 'OFPT10_FEATURES_REPLY' : version <= 3 ? 'OFPT11_FEATURES_REPLY' : 'OFPT13_FEATURES_REPLY';
  const w = startMsg(raw, version, xid);
  let caps = f.capabilities & capabilitiesMask(version);
  if (version === 1 && f.capabilities & C_STP) caps |= 8;
  if (version > 1 && f.capabilities & C_GROUP_STATS) caps |= 8;
  w.u64(f.datapathId).u32(f.nBuffers).u8(f.nTables).u8(version >= 4 ? f.auxiliaryId : 0).zeros(2)
    .u32(caps).u32(version === 1 ? f.actions10 : 0);
  if (version < 4) {
    for (const p of f.ports) {
      const start = w.len;
      putPhyPort(w, version, p);
      if (w.len > 0xffff) { w.len = start; break; }
    }
  }
  return w.finishMsg();
}

export function formatFeaturesReply(ds: Ds, msg: OfpMsg): void {
  const r = new OfpReader(msgBody(msg));
  const f = pullFeatures(msg, r);
  ds.put(` dpid:${f.datapathId.toString(16).padStart(16, '0')}\n`);
  ds.put(`n_tables:${f.nTables}, n_buffers:${f.nBuffers}`);
  if (f.auxiliaryId) ds.put(`, auxiliary_id:${f.auxiliaryId}`);
  ds.put('\ncapabilities: ' + bitNames(f.capabilities, (b) => CAP_NAMES[b]) + '\n');
  if (f.actions10) {
    ds.put('actions: ' + formatActionBitmap(f.actions10, 1) + '\n');
  }
  formatPhyPorts(ds, msg.version, r);
}

/* ---- switch config ---- */

export const FRAG_NORMAL = 0, FRAG_DROP = 1, FRAG_REASM = 2, FRAG_NX_MATCH = 3;
const FRAG_NAMES = ['normal', 'drop', 'reassemble', 'nx-match'];

/** Name of a fragment-handling mode. */
export function fragToString(frag: number): string { return FRAG_NAMES[frag & 3]!; }
/** Parses a fragment-handling mode name; null if unknown. */
export function fragFromString(s: string): number | null {
  const i = FRAG_NAMES.indexOf(s.toLowerCase());
  return i < 0 ? null : i;
}

/** Switch configuration (get-config reply / set-config). */
export interface SwitchConfig {
  frag: number;
  /** 1 or 0 before OF1.3; -1 when the version has no such bit. */
  invalidTtlToController: number;
  missSendLen: number;
}

function decodeConfig(msg: OfpMsg): { config: SwitchConfig; valid: boolean } {
  const r = new OfpReader(msgBody(msg));
  const flags = r.u16();
  const missSendLen = r.u16();
  let valid = 3;
  let ttl = -1;
  if (msg.version < 4) {
    valid |= 4;
    ttl = flags & 4 ? 1 : 0;
  }
  return { config: { frag: flags & 3, invalidTtlToController: ttl, missSendLen }, valid: !(flags & ~valid) };
}

export function decodeGetConfigReply(msg: OfpMsg): SwitchConfig { return decodeConfig(msg).config; }

/** Decodes a set-config; throws OFPSCFC_BAD_FLAGS on unknown flags. */
export function decodeSetConfig(msg: OfpMsg): SwitchConfig {
  const { config, valid } = decodeConfig(msg);
  if (!valid) throw new OfpError('OFPSCFC_BAD_FLAGS');
  return config;
}

function putConfig(raw: 'OFPT_GET_CONFIG_REPLY' | 'OFPT_SET_CONFIG', c: SwitchConfig, version: number, xid: number): Uint8Array {
  let flags = c.frag & 3;
  if (c.invalidTtlToController > 0 && version < 4) flags |= 4;
  return startMsg(raw, version, xid).u16(flags).u16(c.missSendLen).finishMsg();
}

export function encodeGetConfigReply(request: OfpMsg, c: SwitchConfig): Uint8Array {
  return putConfig('OFPT_GET_CONFIG_REPLY', c, request.version, request.xid);
}
export function encodeSetConfig(c: SwitchConfig, version: number, xid = 0): Uint8Array {
  return putConfig('OFPT_SET_CONFIG', c, version, xid);
}

function formatConfig(ds: Ds, c: SwitchConfig): void {
  ds.put(` frags=${fragToString(c.frag)}`);
  if (c.invalidTtlToController > 0) ds.put(' invalid_ttl_to_controller');
  ds.put(` miss_send_len=${c.missSendLen}\n`);
}

export function formatGetConfigReply(ds: Ds, msg: OfpMsg): void { formatConfig(ds, decodeGetConfigReply(msg)); }
export function formatSetConfig(ds: Ds, msg: OfpMsg): void { formatConfig(ds, decodeSetConfig(msg)); }

/** A features request for 'version'. */
export function encodeFeaturesRequest(version: number, xid = 0): Uint8Array {
  return startMsg('OFPT_FEATURES_REQUEST', version, xid).finishMsg();
}
export function encodeGetConfigRequest(version: number, xid = 0): Uint8Array {
  return startMsg('OFPT_GET_CONFIG_REQUEST', version, xid).finishMsg();
}

/* ---- switch description (OFPST_DESC) ---- */

/** The description strings of OFPST_DESC replies. */
export interface SwitchDesc { mfr: string; hw: string; sw: string; serial: string; dp: string }

export function decodeDescReply(msg: OfpMsg): SwitchDesc {
  const r = new OfpReader(msgBody(msg));
  return { mfr: r.str(256), hw: r.str(256), sw: r.str(256), serial: r.str(32), dp: r.str(256) };
}

export function encodeDescReply(request: OfpMsg, d: SwitchDesc): Uint8Array {
  return startMsg('OFPST_DESC_REPLY', request.version, request.xid)
    .str(d.mfr, 256).str(d.hw, 256).str(d.sw, 256).str(d.serial, 32).str(d.dp, 256).finishMsg();
}

export function formatDescReply(ds: Ds, msg: OfpMsg): void {
  const d = decodeDescReply(msg);
  ds.put(`\nManufacturer: ${d.mfr}\nHardware: ${d.hw}\nSoftware: ${d.sw}\nSerial Num: ${d.serial}\nDP Description: ${d.dp}\n`);
}
