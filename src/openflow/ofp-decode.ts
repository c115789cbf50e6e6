/* ofp-decode: one entry point that turns received bytes into a typed,
 * version-independent message, for connmgr/ofproto: identify the raw
 * message (ofp-msgs.ts), then run its family decoder (DECODERS).  Never
 * throws: malformed input yields an OfpError carrying the error type/code
 * the switch must answer with (encodeErrorMsg in ofp-errors.ts). */
import { OfpError } from './ofp-errors.js';
import { decodeMsgThrow, msgBody, type OfpMsg, type OfpType } from './ofp-msgs.js';
import { decodeHello } from './ofp-hello.js';
import { decodeErrorBody } from './ofp-errors.js';
import { decodeFeaturesReply, decodeGetConfigReply, decodeSetConfig, decodeDescReply } from './ofp-switch.js';
import {
  decodePortStatus, decodePortMod, decodePortStatsRequest, decodePortStatsReply, decodePortDescRequest,
  decodePhyPorts,
} from './ofp-port.js';
import { OfpReader } from './ofp-buffer.js';
import { decodeQueueGetConfigRequest, decodeQueueConfigReply, decodeQueueStatsRequest, decodeQueueStatsReply } from './ofp-queue.js';
import {
  decodeRoleMessage, decodeRoleStatus, decodeAsyncConfig, decodeSetPacketInFormat, decodeFlowModTableId,
  decodeControllerId,
} from './ofp-connection.js';
import { decodeMeterMod, decodeMeterRequest, decodeMeterConfigReply, decodeMeterStatsReply, decodeMeterFeatures } from './ofp-meter.js';
import { decodeBundleCtrl, decodeBundleAdd } from './ofp-bundle.js';
import { decodeCtFlush, decodeCtFlushZone } from './ofp-ct.js';
import { decodeTlvTableMod, decodeTlvTableReply } from './ofp-tlv.js';
import { decodeIpfixStats } from './ofp-ipfix.js';
import {
  decodeGroupMod, decodeGroupDescRequest, decodeGroupDescReply, decodeGroupStatsRequest, decodeGroupStatsReply,
  decodeGroupFeatures,
} from './ofp-group.js';
import { decodeFlowMod, decodeFlowStatsRequest, decodeFlowStatsReply, decodeAggregateReply } from './ofp-flow.js';
import { decodeFlowRemoved, decodeFlowMonitorRequests, decodeFlowUpdates, decodeFlowMonitorCancel } from './ofp-monitor.js';
import { decodePacketIn, decodePacketOut } from './ofp-packet.js';
import { decodeTableMod, decodeTableDescReply, decodeTableStatus } from './ofp-table.js';

type Decoder = (msg: OfpMsg) => unknown;

/** Message type -> decoder of its body into a version-independent value.
 * Types without an entry have no body worth decoding (requests such as
 * FEATURES_REQUEST, BARRIER_*), or carry their bytes (echo). */
export const DECODERS: Partial<Record<OfpType, Decoder>> = {
  HELLO: (m) => decodeHello(m.data),
  ERROR: (m) => {
    const e = decodeErrorBody(m.version, msgBody(m));
    if (!e) throw new OfpError('OFPBRC_BAD_LEN');
    return e;
  },
  ECHO_REQUEST: (m) => msgBody(m),
  ECHO_REPLY: (m) => msgBody(m),
  FEATURES_REPLY: decodeFeaturesReply,
  GET_CONFIG_REPLY: decodeGetConfigReply,
  SET_CONFIG: decodeSetConfig,
  DESC_STATS_REPLY: decodeDescReply,
  PORT_STATUS: decodePortStatus,
  PORT_MOD: (m) => decodePortMod(m, false),
  PORT_STATS_REQUEST: decodePortStatsRequest,
  PORT_STATS_REPLY: decodePortStatsReply,
  PORT_DESC_STATS_REQUEST: decodePortDescRequest,
  PORT_DESC_STATS_REPLY: (m) => decodePhyPorts(m.version, new OfpReader(msgBody(m))),
  QUEUE_GET_CONFIG_REQUEST: decodeQueueGetConfigRequest,
  QUEUE_GET_CONFIG_REPLY: (m) => decodeQueueConfigReply(m),
  QUEUE_STATS_REQUEST: decodeQueueStatsRequest,
  QUEUE_STATS_REPLY: decodeQueueStatsReply,
  ROLE_REQUEST: decodeRoleMessage,
  ROLE_REPLY: decodeRoleMessage,
  ROLE_STATUS: decodeRoleStatus,
  GET_ASYNC_REPLY: (m) => decodeAsyncConfig(m, true),
  SET_ASYNC_CONFIG: (m) => decodeAsyncConfig(m, false),
  SET_PACKET_IN_FORMAT: decodeSetPacketInFormat,
  FLOW_MOD_TABLE_ID: decodeFlowModTableId,
  SET_CONTROLLER_ID: decodeControllerId,
  METER_MOD: decodeMeterMod,
  METER_STATS_REQUEST: decodeMeterRequest,
  METER_CONFIG_STATS_REQUEST: decodeMeterRequest,
  METER_CONFIG_STATS_REPLY: (m) => decodeMeterConfigReply(m),
  METER_STATS_REPLY: decodeMeterStatsReply,
  METER_FEATURES_STATS_REPLY: decodeMeterFeatures,
  BUNDLE_CONTROL: decodeBundleCtrl,
  BUNDLE_ADD_MESSAGE: decodeBundleAdd,
  CT_FLUSH: decodeCtFlush,
  CT_FLUSH_ZONE: decodeCtFlushZone,
  NXT_TLV_TABLE_MOD: decodeTlvTableMod,
  NXT_TLV_TABLE_REPLY: decodeTlvTableReply,
  IPFIX_BRIDGE_STATS_REPLY: decodeIpfixStats,
  IPFIX_FLOW_STATS_REPLY: decodeIpfixStats,
  GROUP_MOD: decodeGroupMod,
  GROUP_DESC_STATS_REQUEST: decodeGroupDescRequest,
  GROUP_DESC_STATS_REPLY: decodeGroupDescReply,
  GROUP_STATS_REQUEST: decodeGroupStatsRequest,
  GROUP_STATS_REPLY: decodeGroupStatsReply,
  GROUP_FEATURES_STATS_REPLY: decodeGroupFeatures,
  FLOW_MOD: (m) => decodeFlowMod(m, false),
  FLOW_STATS_REQUEST: decodeFlowStatsRequest,
  AGGREGATE_STATS_REQUEST: decodeFlowStatsRequest,
  FLOW_STATS_REPLY: (m) => decodeFlowStatsReply(m),
  AGGREGATE_STATS_REPLY: decodeAggregateReply,
  FLOW_REMOVED: decodeFlowRemoved,
  FLOW_MONITOR_STATS_REQUEST: decodeFlowMonitorRequests,
  FLOW_MONITOR_STATS_REPLY: decodeFlowUpdates,
  FLOW_MONITOR_CANCEL: decodeFlowMonitorCancel,
  PACKET_IN: (m) => decodePacketIn(m, false),
  NXT_RESUME: (m) => decodePacketIn(m, false),
  PACKET_OUT: decodePacketOut,
  TABLE_MOD: decodeTableMod,
  TABLE_DESC_REPLY: decodeTableDescReply,
  TABLE_STATUS: decodeTableStatus,
};

/** A decoded message: its identity and its decoded body (undefined for
 * bodiless types). */
export interface DecodedMessage { msg: OfpMsg; body: unknown }

/** Decodes one framed message; throws OfpError (and only OfpError) on bad
 * input. */
export function decodeMessageThrow(data: Uint8Array): DecodedMessage {
  const msg = decodeMsgThrow(data);
  const d = DECODERS[msg.info.type];
  return { msg, body: d ? d(msg) : undefined };
}

/** Decodes one framed message; returns an OfpError on bad input. */
export function decodeMessage(data: Uint8Array): DecodedMessage | OfpError {
  try {
    return decodeMessageThrow(data);
  } catch (e) {
    if (e instanceof OfpError) return e;
    return new OfpError('OFPBRC_BAD_LEN', e instanceof Error ? e.message : String(e));
  }
}
