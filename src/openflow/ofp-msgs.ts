/* ofp-msgs: the table of every raw OpenFlow message OVS speaks, OpenFlow
 * 1.0 to 1.5 plus the Nicira (NXT/NXST) and ONF extensions, and the code that
 * maps a message's headers to its table entry and back.
 *
 * Each entry gives the raw name (OVS's OFPRAW_* without the prefix), the
 * header kind, the versions it exists in, its number (OFPT type, stats type
 * or experimenter subtype), the minimum body size after the headers, the
 * element size of any trailing array (0 none, 1 bytes, N records) and the
 * version-independent message type it belongs to.  Per-family files
 * (ofp-switch.ts, ofp-flow.ts, ...) decode and encode bodies; ofp-print.ts
 * formats them; ofp-decode.ts ties a type to its family.
 */
import { OfpError, NX_VENDOR_ID, ONF_VENDOR_ID, type OfpErrName } from './ofp-errors.js';
import { OfpWriter } from './ofp-buffer.js';
import { vlogModule } from '../lib/vlog.js';

const log = vlogModule('ofp_msgs');

export const OFPT_VENDOR = 4;
export const OFPT10_STATS_REQUEST = 16;
export const OFPT10_STATS_REPLY = 17;
export const OFPT11_STATS_REQUEST = 18;
export const OFPT11_STATS_REPLY = 19;
export const OFPST_VENDOR = 0xffff;
/** Multipart reply flag: more replies follow. */
export const OFPSF_REPLY_MORE = 1;

/** Header kinds, as in OVS's ofp-msgs.h. */
export type RawKind = 'OFPT' | 'OFPST' | 'NXT' | 'NXST' | 'ONFT' | 'ONFST';

// [raw, kind, versions, number, min body, element size, type]
const RAW_TABLE = [
  ['OFPT_HELLO', 'OFPT', '<all>', 0, 0, 1, 'HELLO'],
  ['OFPT_ERROR', 'OFPT', '<all>', 1, 4, 1, 'ERROR'],
  ['OFPT_ECHO_REQUEST', 'OFPT', '<all>', 2, 0, 1, 'ECHO_REQUEST'],
  ['OFPT_ECHO_REPLY', 'OFPT', '<all>', 3, 0, 1, 'ECHO_REPLY'],
  ['OFPT_FEATURES_REQUEST', 'OFPT', '1.0+', 5, 0, 0, 'FEATURES_REQUEST'],
  ['OFPT10_FEATURES_REPLY', 'OFPT', '1.0', 6, 24, 48, 'FEATURES_REPLY'],
  ['OFPT11_FEATURES_REPLY', 'OFPT', '1.1-1.2', 6, 24, 64, 'FEATURES_REPLY'],
  ['OFPT13_FEATURES_REPLY', 'OFPT', '1.3+', 6, 24, 0, 'FEATURES_REPLY'],
  ['OFPT_GET_CONFIG_REQUEST', 'OFPT', '1.0+', 7, 0, 0, 'GET_CONFIG_REQUEST'],
  ['OFPT_GET_CONFIG_REPLY', 'OFPT', '1.0+', 8, 4, 0, 'GET_CONFIG_REPLY'],
  ['OFPT_SET_CONFIG', 'OFPT', '1.0+', 9, 4, 0, 'SET_CONFIG'],
  ['OFPT10_PACKET_IN', 'OFPT', '1.0', 10, 10, 1, 'PACKET_IN'],
  ['OFPT11_PACKET_IN', 'OFPT', '1.1', 10, 16, 1, 'PACKET_IN'],
  ['OFPT12_PACKET_IN', 'OFPT', '1.2', 10, 8, 1, 'PACKET_IN'],
  ['OFPT13_PACKET_IN', 'OFPT', '1.3+', 10, 16, 1, 'PACKET_IN'],
  ['NXT_PACKET_IN', 'NXT', '1.0+', 17, 24, 1, 'PACKET_IN'],
  ['NXT_PACKET_IN2', 'NXT', '1.0+', 30, 0, 8, 'PACKET_IN'],
  ['OFPT10_FLOW_REMOVED', 'OFPT', '1.0', 11, 80, 0, 'FLOW_REMOVED'],
  ['OFPT11_FLOW_REMOVED', 'OFPT', '1.1-1.4', 11, 40, 8, 'FLOW_REMOVED'],
  ['OFPT15_FLOW_REMOVED', 'OFPT', '1.5+', 11, 16, 8, 'FLOW_REMOVED'],
  ['NXT_FLOW_REMOVED', 'NXT', '1.0+', 14, 40, 8, 'FLOW_REMOVED'],
  ['OFPT10_PORT_STATUS', 'OFPT', '1.0', 12, 56, 0, 'PORT_STATUS'],
  ['OFPT11_PORT_STATUS', 'OFPT', '1.1-1.3', 12, 72, 0, 'PORT_STATUS'],
  ['OFPT14_PORT_STATUS', 'OFPT', '1.4+', 12, 48, 8, 'PORT_STATUS'],
  ['OFPT10_PACKET_OUT', 'OFPT', '1.0', 13, 8, 1, 'PACKET_OUT'],
  ['OFPT11_PACKET_OUT', 'OFPT', '1.1-1.4', 13, 16, 1, 'PACKET_OUT'],
  ['OFPT15_PACKET_OUT', 'OFPT', '1.5+', 13, 8, 1, 'PACKET_OUT'],
  ['OFPT10_FLOW_MOD', 'OFPT', '1.0', 14, 64, 8, 'FLOW_MOD'],
  ['OFPT11_FLOW_MOD', 'OFPT', '1.1+', 14, 40, 8, 'FLOW_MOD'],
  ['NXT_FLOW_MOD', 'NXT', '1.0+', 13, 32, 8, 'FLOW_MOD'],
  ['NXT_GROUP_MOD', 'NXT', '1.0', 31, 16, 8, 'GROUP_MOD'],
  ['OFPT11_GROUP_MOD', 'OFPT', '1.1-1.4', 15, 8, 8, 'GROUP_MOD'],
  ['OFPT15_GROUP_MOD', 'OFPT', '1.5+', 15, 16, 8, 'GROUP_MOD'],
  ['OFPT10_PORT_MOD', 'OFPT', '1.0', 15, 24, 0, 'PORT_MOD'],
  ['OFPT11_PORT_MOD', 'OFPT', '1.1-1.3', 16, 32, 0, 'PORT_MOD'],
  ['OFPT14_PORT_MOD', 'OFPT', '1.4+', 16, 24, 8, 'PORT_MOD'],
  ['OFPT11_TABLE_MOD', 'OFPT', '1.1-1.3', 17, 8, 0, 'TABLE_MOD'],
  ['OFPT14_TABLE_MOD', 'OFPT', '1.4+', 17, 8, 8, 'TABLE_MOD'],
  ['OFPT10_BARRIER_REQUEST', 'OFPT', '1.0', 18, 0, 0, 'BARRIER_REQUEST'],
  ['OFPT11_BARRIER_REQUEST', 'OFPT', '1.1+', 20, 0, 0, 'BARRIER_REQUEST'],
  ['OFPT10_BARRIER_REPLY', 'OFPT', '1.0', 19, 0, 0, 'BARRIER_REPLY'],
  ['OFPT11_BARRIER_REPLY', 'OFPT', '1.1+', 21, 0, 0, 'BARRIER_REPLY'],
  ['OFPT10_QUEUE_GET_CONFIG_REQUEST', 'OFPT', '1.0', 20, 4, 0, 'QUEUE_GET_CONFIG_REQUEST'],
  ['OFPT11_QUEUE_GET_CONFIG_REQUEST', 'OFPT', '1.1-1.3', 22, 8, 0, 'QUEUE_GET_CONFIG_REQUEST'],
  ['OFPT10_QUEUE_GET_CONFIG_REPLY', 'OFPT', '1.0', 21, 8, 8, 'QUEUE_GET_CONFIG_REPLY'],
  ['OFPT11_QUEUE_GET_CONFIG_REPLY', 'OFPT', '1.1-1.3', 23, 8, 8, 'QUEUE_GET_CONFIG_REPLY'],
  ['OFPT12_ROLE_REQUEST', 'OFPT', '1.2+', 24, 16, 0, 'ROLE_REQUEST'],
  ['NXT_ROLE_REQUEST', 'NXT', '1.0+', 10, 4, 0, 'ROLE_REQUEST'],
  ['OFPT12_ROLE_REPLY', 'OFPT', '1.2+', 25, 16, 0, 'ROLE_REPLY'],
  ['NXT_ROLE_REPLY', 'NXT', '1.0+', 11, 4, 0, 'ROLE_REPLY'],
  ['OFPT13_GET_ASYNC_REQUEST', 'OFPT', '1.3', 26, 0, 0, 'GET_ASYNC_REQUEST'],
  ['OFPT14_GET_ASYNC_REQUEST', 'OFPT', '1.4+', 26, 0, 0, 'GET_ASYNC_REQUEST'],
  ['OFPT13_GET_ASYNC_REPLY', 'OFPT', '1.3', 27, 24, 0, 'GET_ASYNC_REPLY'],
  ['OFPT14_GET_ASYNC_REPLY', 'OFPT', '1.4+', 27, 0, 8, 'GET_ASYNC_REPLY'],
  ['OFPT13_SET_ASYNC', 'OFPT', '1.3', 28, 24, 0, 'SET_ASYNC_CONFIG'],
  ['NXT_SET_ASYNC_CONFIG', 'NXT', '1.0+', 19, 24, 0, 'SET_ASYNC_CONFIG'],
  ['NXT_SET_ASYNC_CONFIG2', 'NXT', '1.0-1.3', 27, 0, 8, 'SET_ASYNC_CONFIG'],
  ['OFPT14_SET_ASYNC', 'OFPT', '1.4+', 28, 0, 8, 'SET_ASYNC_CONFIG'],
  ['OFPT13_METER_MOD', 'OFPT', '1.3+', 29, 8, 8, 'METER_MOD'],
  ['ONFT13_ROLE_STATUS', 'ONFT', '1.3', 1911, 16, 8, 'ROLE_STATUS'],
  ['OFPT14_ROLE_STATUS', 'OFPT', '1.4+', 30, 16, 8, 'ROLE_STATUS'],
  ['OFPT14_TABLE_STATUS', 'OFPT', '1.4+', 31, 8, 8, 'TABLE_STATUS'],
  ['NXT_REQUESTFORWARD', 'NXT', '1.0-1.2', 132, 8, 8, 'REQUESTFORWARD'],
  ['ONFT13_REQUESTFORWARD', 'ONFT', '1.3', 2350, 8, 8, 'REQUESTFORWARD'],
  ['OFPT14_REQUESTFORWARD', 'OFPT', '1.4+', 32, 8, 8, 'REQUESTFORWARD'],
  ['OFPT14_BUNDLE_CONTROL', 'OFPT', '1.4+', 33, 8, 8, 'BUNDLE_CONTROL'],
  ['ONFT13_BUNDLE_CONTROL', 'ONFT', '1.3', 2300, 8, 8, 'BUNDLE_CONTROL'],
  ['OFPT14_BUNDLE_ADD_MESSAGE', 'OFPT', '1.4+', 34, 8, 1, 'BUNDLE_ADD_MESSAGE'],
  ['ONFT13_BUNDLE_ADD_MESSAGE', 'ONFT', '1.3', 2301, 8, 1, 'BUNDLE_ADD_MESSAGE'],
  ['OFPST_DESC_REQUEST', 'OFPST', '1.0+', 0, 0, 0, 'DESC_STATS_REQUEST'],
  ['OFPST_DESC_REPLY', 'OFPST', '1.0+', 0, 1056, 0, 'DESC_STATS_REPLY'],
  ['OFPST10_FLOW_REQUEST', 'OFPST', '1.0', 1, 44, 0, 'FLOW_STATS_REQUEST'],
  ['OFPST11_FLOW_REQUEST', 'OFPST', '1.1+', 1, 32, 8, 'FLOW_STATS_REQUEST'],
  ['NXST_FLOW_REQUEST', 'NXST', '1.0', 0, 8, 8, 'FLOW_STATS_REQUEST'],
  ['OFPST10_FLOW_REPLY', 'OFPST', '1.0', 1, 0, 1, 'FLOW_STATS_REPLY'],
  ['OFPST11_FLOW_REPLY', 'OFPST', '1.1-1.2', 1, 0, 1, 'FLOW_STATS_REPLY'],
  ['OFPST13_FLOW_REPLY', 'OFPST', '1.3-1.4', 1, 0, 1, 'FLOW_STATS_REPLY'],
  ['OFPST15_FLOW_REPLY', 'OFPST', '1.5+', 1, 0, 1, 'FLOW_STATS_REPLY'],
  ['NXST_FLOW_REPLY', 'NXST', '1.0', 0, 0, 1, 'FLOW_STATS_REPLY'],
  ['OFPST10_AGGREGATE_REQUEST', 'OFPST', '1.0', 2, 44, 0, 'AGGREGATE_STATS_REQUEST'],
  ['OFPST11_AGGREGATE_REQUEST', 'OFPST', '1.1-1.4', 2, 32, 8, 'AGGREGATE_STATS_REQUEST'],
  ['OFPST15_AGGREGATE_REQUEST', 'OFPST', '1.5+', 2, 32, 8, 'AGGREGATE_STATS_REQUEST'],
  ['NXST_AGGREGATE_REQUEST', 'NXST', '1.0', 1, 8, 8, 'AGGREGATE_STATS_REQUEST'],
  ['OFPST_AGGREGATE_REPLY', 'OFPST', '1.0-1.4', 2, 24, 0, 'AGGREGATE_STATS_REPLY'],
  ['OFPST15_AGGREGATE_REPLY', 'OFPST', '1.5+', 2, 0, 1, 'AGGREGATE_STATS_REPLY'],
  ['NXST_AGGREGATE_REPLY', 'NXST', '1.0', 1, 24, 0, 'AGGREGATE_STATS_REPLY'],
  ['OFPST_TABLE_REQUEST', 'OFPST', '1.0+', 3, 0, 0, 'TABLE_STATS_REQUEST'],
  ['OFPST10_TABLE_REPLY', 'OFPST', '1.0', 3, 0, 64, 'TABLE_STATS_REPLY'],
  ['OFPST11_TABLE_REPLY', 'OFPST', '1.1', 3, 0, 88, 'TABLE_STATS_REPLY'],
  ['OFPST12_TABLE_REPLY', 'OFPST', '1.2', 3, 0, 128, 'TABLE_STATS_REPLY'],
  ['OFPST13_TABLE_REPLY', 'OFPST', '1.3+', 3, 0, 24, 'TABLE_STATS_REPLY'],
  ['OFPST10_PORT_REQUEST', 'OFPST', '1.0', 4, 8, 0, 'PORT_STATS_REQUEST'],
  ['OFPST11_PORT_REQUEST', 'OFPST', '1.1+', 4, 8, 0, 'PORT_STATS_REQUEST'],
  ['OFPST10_PORT_REPLY', 'OFPST', '1.0', 4, 0, 104, 'PORT_STATS_REPLY'],
  ['OFPST11_PORT_REPLY', 'OFPST', '1.1-1.2', 4, 0, 104, 'PORT_STATS_REPLY'],
  ['OFPST13_PORT_REPLY', 'OFPST', '1.3', 4, 0, 112, 'PORT_STATS_REPLY'],
  ['OFPST14_PORT_REPLY', 'OFPST', '1.4+', 4, 0, 8, 'PORT_STATS_REPLY'],
  ['OFPST10_QUEUE_REQUEST', 'OFPST', '1.0', 5, 8, 0, 'QUEUE_STATS_REQUEST'],
  ['OFPST11_QUEUE_REQUEST', 'OFPST', '1.1+', 5, 8, 0, 'QUEUE_STATS_REQUEST'],
  ['OFPST10_QUEUE_REPLY', 'OFPST', '1.0', 5, 0, 32, 'QUEUE_STATS_REPLY'],
  ['OFPST11_QUEUE_REPLY', 'OFPST', '1.1-1.2', 5, 0, 32, 'QUEUE_STATS_REPLY'],
  ['OFPST13_QUEUE_REPLY', 'OFPST', '1.3', 5, 0, 40, 'QUEUE_STATS_REPLY'],
  ['OFPST14_QUEUE_REPLY', 'OFPST', '1.4+', 5, 0, 8, 'QUEUE_STATS_REPLY'],
  ['NXST_GROUP_REQUEST', 'NXST', '1.0', 7, 8, 0, 'GROUP_STATS_REQUEST'],
  ['OFPST11_GROUP_REQUEST', 'OFPST', '1.1+', 6, 8, 0, 'GROUP_STATS_REQUEST'],
  ['NXST_GROUP_REPLY', 'NXST', '1.0', 7, 0, 8, 'GROUP_STATS_REPLY'],
  ['OFPST11_GROUP_REPLY', 'OFPST', '1.1-1.2', 6, 0, 8, 'GROUP_STATS_REPLY'],
  ['OFPST13_GROUP_REPLY', 'OFPST', '1.3+', 6, 0, 8, 'GROUP_STATS_REPLY'],
  ['NXST_GROUP_DESC_REQUEST', 'NXST', '1.0', 8, 8, 0, 'GROUP_DESC_STATS_REQUEST'],
  ['OFPST11_GROUP_DESC_REQUEST', 'OFPST', '1.1-1.4', 7, 0, 0, 'GROUP_DESC_STATS_REQUEST'],
  ['OFPST15_GROUP_DESC_REQUEST', 'OFPST', '1.5+', 7, 8, 0, 'GROUP_DESC_STATS_REQUEST'],
  ['NXST_GROUP_DESC_REPLY', 'NXST', '1.0', 8, 0, 8, 'GROUP_DESC_STATS_REPLY'],
  ['OFPST11_GROUP_DESC_REPLY', 'OFPST', '1.1+', 7, 0, 8, 'GROUP_DESC_STATS_REPLY'],
  ['NXST_GROUP_FEATURES_REQUEST', 'NXST', '1.0-1.1', 9, 0, 0, 'GROUP_FEATURES_STATS_REQUEST'],
  ['OFPST12_GROUP_FEATURES_REQUEST', 'OFPST', '1.2+', 8, 0, 0, 'GROUP_FEATURES_STATS_REQUEST'],
  ['NXST_GROUP_FEATURES_REPLY', 'NXST', '1.0-1.1', 9, 40, 0, 'GROUP_FEATURES_STATS_REPLY'],
  ['OFPST12_GROUP_FEATURES_REPLY', 'OFPST', '1.2+', 8, 40, 0, 'GROUP_FEATURES_STATS_REPLY'],
  ['OFPST13_METER_REQUEST', 'OFPST', '1.3+', 9, 8, 0, 'METER_STATS_REQUEST'],
  ['OFPST13_METER_REPLY', 'OFPST', '1.3+', 9, 0, 8, 'METER_STATS_REPLY'],
  ['OFPST13_METER_CONFIG_REQUEST', 'OFPST', '1.3+', 10, 8, 0, 'METER_CONFIG_STATS_REQUEST'],
  ['OFPST13_METER_CONFIG_REPLY', 'OFPST', '1.3+', 10, 0, 8, 'METER_CONFIG_STATS_REPLY'],
  ['OFPST13_METER_FEATURES_REQUEST', 'OFPST', '1.3+', 11, 0, 0, 'METER_FEATURES_STATS_REQUEST'],
  ['OFPST13_METER_FEATURES_REPLY', 'OFPST', '1.3+', 11, 16, 0, 'METER_FEATURES_STATS_REPLY'],
  ['OFPST13_TABLE_FEATURES_REQUEST', 'OFPST', '1.3+', 12, 0, 8, 'TABLE_FEATURES_STATS_REQUEST'],
  ['OFPST13_TABLE_FEATURES_REPLY', 'OFPST', '1.3+', 12, 64, 8, 'TABLE_FEATURES_STATS_REPLY'],
  ['OFPST14_TABLE_DESC_REQUEST', 'OFPST', '1.4+', 14, 0, 0, 'TABLE_DESC_REQUEST'],
  ['OFPST14_TABLE_DESC_REPLY', 'OFPST', '1.4+', 14, 8, 8, 'TABLE_DESC_REPLY'],
  ['OFPST10_PORT_DESC_REQUEST', 'OFPST', '1.0-1.4', 13, 0, 0, 'PORT_DESC_STATS_REQUEST'],
  ['OFPST15_PORT_DESC_REQUEST', 'OFPST', '1.5+', 13, 8, 0, 'PORT_DESC_STATS_REQUEST'],
  ['OFPST10_PORT_DESC_REPLY', 'OFPST', '1.0', 13, 0, 48, 'PORT_DESC_STATS_REPLY'],
  ['OFPST11_PORT_DESC_REPLY', 'OFPST', '1.1-1.3', 13, 0, 64, 'PORT_DESC_STATS_REPLY'],
  ['OFPST14_PORT_DESC_REPLY', 'OFPST', '1.4+', 13, 0, 8, 'PORT_DESC_STATS_REPLY'],
  ['OFPST14_QUEUE_DESC_REQUEST', 'OFPST', '1.4+', 15, 8, 0, 'QUEUE_GET_CONFIG_REQUEST'],
  ['OFPST14_QUEUE_DESC_REPLY', 'OFPST', '1.4+', 15, 0, 8, 'QUEUE_GET_CONFIG_REPLY'],
  ['OFPST14_FLOW_MONITOR_REQUEST', 'OFPST', '1.4+', 16, 0, 8, 'FLOW_MONITOR_STATS_REQUEST'],
  ['ONFST13_FLOW_MONITOR_REQUEST', 'ONFST', '1.3', 1870, 0, 8, 'FLOW_MONITOR_STATS_REQUEST'],
  ['NXST_FLOW_MONITOR_REQUEST', 'NXST', '1.0-1.2', 2, 0, 8, 'FLOW_MONITOR_STATS_REQUEST'],
  ['OFPST14_FLOW_MONITOR_REPLY', 'OFPST', '1.4+', 16, 0, 8, 'FLOW_MONITOR_STATS_REPLY'],
  ['ONFST13_FLOW_MONITOR_REPLY', 'ONFST', '1.3', 1870, 0, 8, 'FLOW_MONITOR_STATS_REPLY'],
  ['NXST_FLOW_MONITOR_REPLY', 'NXST', '1.0-1.2', 2, 0, 8, 'FLOW_MONITOR_STATS_REPLY'],
  ['ONFT13_FLOW_MONITOR_CANCEL', 'ONFT', '1.3', 1870, 4, 0, 'FLOW_MONITOR_CANCEL'],
  ['NXT_FLOW_MONITOR_CANCEL', 'NXT', '1.0-1.2', 21, 4, 0, 'FLOW_MONITOR_CANCEL'],
  ['ONFT13_FLOW_MONITOR_PAUSED', 'ONFT', '1.3', 1871, 0, 0, 'FLOW_MONITOR_PAUSED'],
  ['NXT_FLOW_MONITOR_PAUSED', 'NXT', '1.0-1.2', 22, 0, 0, 'FLOW_MONITOR_PAUSED'],
  ['ONFT13_FLOW_MONITOR_RESUMED', 'ONFT', '1.3', 1872, 0, 0, 'FLOW_MONITOR_RESUMED'],
  ['NXT_FLOW_MONITOR_RESUMED', 'NXT', '1.0-1.2', 23, 0, 0, 'FLOW_MONITOR_RESUMED'],
  ['NXT_SET_FLOW_FORMAT', 'NXT', '1.0', 12, 4, 0, 'SET_FLOW_FORMAT'],
  ['NXT_FLOW_MOD_TABLE_ID', 'NXT', '1.0+', 15, 8, 0, 'FLOW_MOD_TABLE_ID'],
  ['NXT_SET_PACKET_IN_FORMAT', 'NXT', '1.0+', 16, 4, 0, 'SET_PACKET_IN_FORMAT'],
  ['NXT_FLOW_AGE', 'NXT', '1.0+', 18, 0, 0, 'FLOW_AGE'],
  ['NXT_SET_CONTROLLER_ID', 'NXT', '1.0+', 20, 8, 0, 'SET_CONTROLLER_ID'],
  ['NXT_TLV_TABLE_MOD', 'NXT', '1.0+', 24, 8, 8, 'NXT_TLV_TABLE_MOD'],
  ['NXT_TLV_TABLE_REQUEST', 'NXT', '1.0+', 25, 0, 0, 'NXT_TLV_TABLE_REQUEST'],
  ['NXT_TLV_TABLE_REPLY', 'NXT', '1.0+', 26, 16, 8, 'NXT_TLV_TABLE_REPLY'],
  ['NXT_RESUME', 'NXT', '1.0+', 28, 0, 8, 'NXT_RESUME'],
  ['NXT_CT_FLUSH_ZONE', 'NXT', '1.0+', 29, 8, 0, 'CT_FLUSH_ZONE'],
  ['NXT_CT_FLUSH', 'NXT', '1.0+', 32, 8, 8, 'CT_FLUSH'],
  ['NXST_IPFIX_BRIDGE_REQUEST', 'NXST', '1.0+', 3, 0, 0, 'IPFIX_BRIDGE_STATS_REQUEST'],
  ['NXST_IPFIX_BRIDGE_REPLY', 'NXST', '1.0+', 3, 88, 0, 'IPFIX_BRIDGE_STATS_REPLY'],
  ['NXST_IPFIX_FLOW_REQUEST', 'NXST', '1.0+', 4, 0, 0, 'IPFIX_FLOW_STATS_REQUEST'],
  ['NXST_IPFIX_FLOW_REPLY', 'NXST', '1.0+', 4, 0, 88, 'IPFIX_FLOW_STATS_REPLY'],
] as const;

/** Version-independent message type (OVS's OFPTYPE_* without the prefix). */
export type OfpType = (typeof RAW_TABLE)[number][6];
/** Raw message name (OVS's OFPRAW_* without the prefix). */
export type RawName = (typeof RAW_TABLE)[number][0];

/** One raw message. */
export interface RawInfo {
  raw: RawName;
  kind: RawKind;
  minVersion: number;
  maxVersion: number;
  number: number;
  minBody: number;
  extraMultiple: number;
  type: OfpType;
  /** Name as printed, e.g. "OFPT_FEATURES_REPLY" or "OFPST_FLOW request". */
  name: string;
  isStat: boolean;
  isRequest: boolean;
}

/** The header fields that identify a message. */
export interface OfpHdrs {
  version: number;
  type: number;
  stat: number;
  vendor: number;
  subtype: number;
}

const VERSIONS: Record<string, number> = { '1.0': 1, '1.1': 2, '1.2': 3, '1.3': 4, '1.4': 5, '1.5': 6 };

function versionRange(s: string): [number, number] {
  if (s === '<all>') return [1, 0xff];
  if (s.endsWith('+')) return [VERSIONS[s.slice(0, -1)]!, 6];
  const dash = s.indexOf('-');
  if (dash < 0) return [VERSIONS[s]!, VERSIONS[s]!];
  return [VERSIONS[s.slice(0, dash)]!, VERSIONS[s.slice(dash + 1)]!];
}

function humanName(raw: string, kind: string): string {
  const name = kind + raw.slice(raw.indexOf('_'));
  if (kind.endsWith('ST')) {
    if (name.endsWith('_REQUEST')) return name.slice(0, -8) + ' request';
    if (name.endsWith('_REPLY')) return name.slice(0, -6) + ' reply';
  }
  return name;
}

/** Every raw message, in table order. */
export const RAWS: RawInfo[] = RAW_TABLE.map(([raw, kind, vers, number, minBody, extra, type]) => {
  const [minVersion, maxVersion] = versionRange(vers);
  const isStat = kind.endsWith('ST');
  return {
    raw, kind, minVersion, maxVersion, number, minBody, extraMultiple: extra, type,
    name: humanName(raw, kind), isStat, isRequest: raw.endsWith('_REQUEST'),
  };
});

const byName = new Map<string, RawInfo>(RAWS.map((r) => [r.raw, r]));
const byHdrs = new Map<number, RawInfo>();

/** A number naming headers 'h' (exact: below 2^51), or -1 for headers no
 * raw message has (unknown vendor, subtype out of range). */
function hdrsKey(h: OfpHdrs): number {
  const vendor = h.vendor === 0 ? 0 : h.vendor === NX_VENDOR_ID ? 1 : h.vendor === ONF_VENDOR_ID ? 2 : -1;
  if (vendor < 0 || h.subtype > 0xffff) return -1;
  return (((vendor * 256 + h.version) * 256 + h.type) * 65536 + h.stat) * 65536 + h.subtype;
}

/** The headers 'raw' has in 'version'. */
export function rawHdrs(info: RawInfo, version: number): OfpHdrs {
  const v10 = version === 1;
  const req = v10 ? OFPT10_STATS_REQUEST : OFPT11_STATS_REQUEST;
  const rep = v10 ? OFPT10_STATS_REPLY : OFPT11_STATS_REPLY;
  switch (info.kind) {
    case 'OFPT': return { version, type: info.number, stat: 0, vendor: 0, subtype: 0 };
    case 'OFPST': return { version, type: info.isRequest ? req : rep, stat: info.number, vendor: 0, subtype: 0 };
    case 'NXT': return { version, type: OFPT_VENDOR, stat: 0, vendor: NX_VENDOR_ID, subtype: info.number };
    case 'ONFT': return { version, type: OFPT_VENDOR, stat: 0, vendor: ONF_VENDOR_ID, subtype: info.number };
    case 'NXST': return { version, type: info.isRequest ? req : rep, stat: OFPST_VENDOR, vendor: NX_VENDOR_ID, subtype: info.number };
    case 'ONFST': return { version, type: info.isRequest ? req : rep, stat: OFPST_VENDOR, vendor: ONF_VENDOR_ID, subtype: info.number };
  }
}

for (const info of RAWS) {
  const top = Math.min(info.maxVersion, 0xff);
  for (let v = info.minVersion; v <= top; v++) byHdrs.set(hdrsKey(rawHdrs(info, v)), info);
}

/** Looks up a raw message by name. */
export function rawInfo(raw: RawName): RawInfo {
  return byName.get(raw)!;
}

/** Raw messages of 'type' that exist in 'version'. */
export function rawsForType(type: OfpType, version: number): RawInfo[] {
  return RAWS.filter((r) => r.type === type && version >= r.minVersion && version <= r.maxVersion);
}

/** Is 'type' (an OFPT number) a stats/multipart message in 'version'? */
export function isStatType(version: number, type: number): boolean {
  return version === 1
    ? type === OFPT10_STATS_REQUEST || type === OFPT10_STATS_REPLY
    : type === OFPT11_STATS_REQUEST || type === OFPT11_STATS_REPLY;
}

/** Is it a stats/multipart request? */
export function isStatRequest(version: number, type: number): boolean {
  return version === 1 ? type === OFPT10_STATS_REQUEST : type === OFPT11_STATS_REQUEST;
}

/** Length of the headers described by 'h' (OpenFlow + stats + vendor). */
export function hdrsLen(h: OfpHdrs): number {
  if (h.type === OFPT_VENDOR) return 16;
  if (h.version === 1 && (h.type === OFPT10_STATS_REQUEST || h.type === OFPT10_STATS_REPLY)) {
    return h.stat === OFPST_VENDOR ? 24 : 12;
  }
  if (h.version !== 1 && (h.type === OFPT11_STATS_REQUEST || h.type === OFPT11_STATS_REPLY)) {
    return h.stat === OFPST_VENDOR ? 24 : 16;
  }
  return 8;
}

function badVendor(vendor: number): never {
  log.warn(`OpenFlow message has unknown vendor 0x${vendor.toString(16)}`);
  throw new OfpError('OFPBRC_BAD_VENDOR');
}

function be16(d: Uint8Array, o: number): number { return (d[o]! << 8) | d[o + 1]!; }
function be32(d: Uint8Array, o: number): number {
  return ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
}

/** Reads the identifying headers of the message in 'data' (of which only
 * 'length' bytes count).  Throws OfpError. */
export function decodeHdrs(data: Uint8Array, length = data.length): OfpHdrs {
  if (length < 8) throw new OfpError('OFPBRC_BAD_LEN');
  const h: OfpHdrs = { version: data[0]!, type: data[1]!, stat: 0, vendor: 0, subtype: 0 };
  if (h.type === OFPT_VENDOR) {
    if (length < 16) throw new OfpError('OFPBRC_BAD_LEN');
    h.vendor = be32(data, 8);
    if (h.vendor !== NX_VENDOR_ID && h.vendor !== ONF_VENDOR_ID) badVendor(h.vendor);
    h.subtype = be32(data, 12);
  } else if (isStatType(h.version, h.type)) {
    const v10 = h.version === 1;
    if (length < (v10 ? 12 : 16)) throw new OfpError('OFPBRC_BAD_LEN');
    h.stat = be16(data, 8);
    if (h.stat === OFPST_VENDOR) {
      if (length < (v10 ? 16 : 20)) throw new OfpError('OFPBRC_BAD_LEN');
      h.vendor = be32(data, v10 ? 12 : 16);
      if (h.vendor !== NX_VENDOR_ID && (v10 || h.vendor !== ONF_VENDOR_ID)) badVendor(h.vendor);
      if (length < (v10 ? 24 : 24)) throw new OfpError('OFPBRC_BAD_LEN');
      h.subtype = be32(data, v10 ? 16 : 20);
    }
  }
  return h;
}

/** Finds the raw message for decoded headers.  Throws OfpError. */
export function rawFromHdrs(h: OfpHdrs): RawInfo {
  const info = byHdrs.get(hdrsKey(h));
  if (info) return info;
  let s = `version ${h.version}, type ${h.type}`;
  if (isStatType(h.version, h.type)) s += `, stat ${h.stat}`;
  if (h.vendor) s += `, vendor 0x${h.vendor.toString(16)}, subtype ${h.subtype}`;
  log.warn(`unknown OpenFlow message (${s})`);
  throw new OfpError(h.vendor ? 'OFPBRC_BAD_SUBTYPE' : isStatType(h.version, h.type) ? 'OFPBRC_BAD_STAT' : 'OFPBRC_BAD_TYPE');
}

/** Identifies the message at the start of 'data' even if truncated to
 * 'length' bytes (OVS's ofpraw_decode_partial).  Throws OfpError. */
export function decodeRawPartial(data: Uint8Array, length = data.length): RawInfo {
  return rawFromHdrs(decodeHdrs(data, length));
}

function checkLength(info: RawInfo, hlen: number, len: number): void {
  const min = hlen + info.minBody;
  let bad = false;
  let expect = '';
  if (info.extraMultiple === 0) {
    bad = len !== min;
    expect = `expected length ${min}`;
  } else if (info.extraMultiple === 1) {
    bad = len < min;
    expect = `expected length at least ${min} bytes`;
  } else {
    bad = len < min || (len - min) % info.extraMultiple !== 0;
    expect = `must be exactly ${min} bytes or longer by an integer multiple of ${info.extraMultiple} bytes`;
  }
  if (bad) {
    log.warn(`received ${info.name} with incorrect length ${len} (${expect})`);
    throw new OfpError('OFPBRC_BAD_LEN');
  }
}

/** A framed OpenFlow message with its identity resolved. */
export interface OfpMsg {
  info: RawInfo;
  version: number;
  xid: number;
  /** The whole message (header included). */
  data: Uint8Array;
  /** Length of the identifying headers; the body starts here. */
  hdrsLen: number;
  /** Multipart flags (0 for non-stats messages). */
  flags: number;
}

/** The body after the headers. */
export function msgBody(msg: OfpMsg): Uint8Array {
  return msg.data.subarray(msg.hdrsLen);
}

/** Identifies a complete message (its header length must equal data's
 * length) and checks its body size.  Throws OfpError. */
export function decodeMsgThrow(data: Uint8Array): OfpMsg {
  const h = decodeHdrs(data);
  const info = rawFromHdrs(h);
  const hl = hdrsLen(h);
  checkLength(info, hl, data.length);
  return { info, version: h.version, xid: be32(data, 4), data, hdrsLen: hl, flags: info.isStat ? be16(data, 10) : 0 };
}

/** Like decodeMsgThrow but returns an OfpError instead of throwing. */
export function decodeMsg(data: Uint8Array): OfpMsg | OfpError {
  try {
    return decodeMsgThrow(data);
  } catch (e) {
    if (e instanceof OfpError) return e;
    return new OfpError('OFPBRC_BAD_LEN', String(e));
  }
}

let nextXid = 1;
/** A fresh transaction id (per process, as OVS's alloc_xid). */
export function allocXid(): number {
  const x = nextXid;
  nextXid = (nextXid + 1) >>> 0 || 1;
  return x;
}

/** Starts a message: writes the headers of 'raw' in 'version' with 'xid'
 * into a new writer; the caller appends the body and calls finishMsg(). */
export function startMsg(raw: RawName | RawInfo, version: number, xid: number, flags = 0): OfpWriter {
  const info = typeof raw === 'string' ? rawInfo(raw) : raw;
  const h = rawHdrs(info, version);
  const w = new OfpWriter(64 + info.minBody);
  w.u8(version).u8(h.type).u16(0).u32(xid);
  if (h.type === OFPT_VENDOR) {
    w.u32(h.vendor).u32(h.subtype);
  } else if (isStatType(version, h.type)) {
    w.u16(h.stat).u16(flags);
    if (version !== 1) w.u32(0);
    if (h.stat === OFPST_VENDOR) {
      if (version === 1) w.u32(h.vendor).u32(h.subtype).u32(0);
      else w.u32(h.vendor).u32(h.subtype);
    }
  }
  return w;
}

/** Starts a reply to 'request' (same version and xid); for stats requests,
 * the matching reply raw is found by swapping REQUEST for REPLY. */
export function startReply(raw: RawName | RawInfo, request: OfpMsg, flags = 0): OfpWriter {
  return startMsg(raw, request.version, request.xid, flags);
}

/** The reply raw for a stats request raw (e.g. OFPST10_FLOW_REQUEST ->
 * OFPST10_FLOW_REPLY), or undefined. */
export function statsReplyRaw(info: RawInfo, version: number): RawInfo | undefined {
  const h = rawHdrs(info, version);
  h.type = version === 1 ? OFPT10_STATS_REPLY : OFPT11_STATS_REPLY;
  return byHdrs.get(hdrsKey(h));
}

/** Sets the multipart "more" flag on an encoded stats message. */
export function setStatsMore(data: Uint8Array, more: boolean): void {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const f = dv.getUint16(10);
  dv.setUint16(10, more ? f | OFPSF_REPLY_MORE : f & ~OFPSF_REPLY_MORE);
}

/** Version name as OVS prints it in headers, e.g. " (OF1.3)". */
export function versionSuffix(version: number): string {
  switch (version) {
    case 1: return '';
    case 2: return ' (OF1.1)';
    case 3: return ' (OF1.2)';
    case 4: return ' (OF1.3)';
    case 5: return ' (OF1.4)';
    case 6: return ' (OF1.5)';
    default: return ` (OF 0x${version.toString(16).padStart(2, '0')})`;
  }
}

/** Throws OfpError 'e' unless 'cond'. */
export function check(cond: boolean, e: OfpErrName = 'OFPBRC_BAD_LEN'): asserts cond {
  if (!cond) throw new OfpError(e);
}
