/* ofp-formatters: which family formatter prints each message type (the
 * switch statement of OVS's ofp_to_string__, as a table).  Types without an
 * entry print nothing after their header. */
import type { PortNames } from './ofp-port-map.js';
import type { Ds } from '../lib/dynamic-string.js';
import type { OfpMsg, OfpType } from './ofp-msgs.js';
import { formatHello, formatEcho } from './ofp-hello.js';
import { formatErrorMsg } from './ofp-error-print.js';
import { formatFeaturesReply, formatGetConfigReply, formatSetConfig, formatDescReply } from './ofp-switch.js';
import {
  formatQueueGetConfigRequest, formatQueueConfigReply, formatQueueStatsRequest, formatQueueStatsReply,
} from './ofp-queue.js';
import {
  formatRoleMessage, formatRoleStatus, formatAsyncMsg, formatSetFlowFormat, formatSetPacketInFormat,
  formatFlowModTableId, formatControllerId,
} from './ofp-connection.js';
import {
  formatMeterModMsg, formatMeterRequest, formatMeterConfigReply, formatMeterStatsReply, formatMeterFeaturesReply,
} from './ofp-meter.js';
import { formatBundleCtrl, formatBundleAdd } from './ofp-bundle.js';
import { formatCtFlush, formatCtFlushZone } from './ofp-ct.js';
import { formatTlvTableMod, formatTlvTableReply } from './ofp-tlv.js';
import { formatIpfixBridgeReply, formatIpfixFlowReply } from './ofp-ipfix.js';
import {
  formatGroupModMsg, formatGroupDescRequest, formatGroupDescReply, formatGroupStatsRequest, formatGroupStatsReply,
  formatGroupFeaturesReply,
} from './ofp-group.js';
import {
  formatFlowModMsg, formatFlowStatsRequest, formatFlowStatsReply, formatAggregateReply,
} from './ofp-flow.js';
import {
  formatFlowRemovedMsg, formatFlowMonitorRequestMsg, formatFlowMonitorReplyMsg, formatFlowMonitorCancel,
  formatRequestForward,
} from './ofp-monitor.js';
import { formatPacketInMsg, formatPacketOutMsg } from './ofp-packet.js';
import { formatTableModMsg, formatTableDescReply, formatTableStatusMsg } from './ofp-table.js';
import { formatTableStatsReply, formatTableFeaturesMsg } from './ofp-table-stats.js';
import {
  formatPortStatusMsg, formatPortModMsg, formatPortStatsReply, formatPortStatsRequest,
  formatPortDescRequest, formatPortDescReply,
} from './ofp-port.js';

/** Port (and table) names ovs-ofctl shows with --names. */
export interface PrintNames { ports?: PortNames }

type Formatter = (ds: Ds, msg: OfpMsg, verbosity: number, names?: PrintNames) => void;

/** Message type -> formatter. */
export const FORMATTERS: Partial<Record<OfpType, Formatter>> = {
  HELLO: formatHello,
  ERROR: formatErrorMsg,
  ECHO_REQUEST: formatEcho,
  ECHO_REPLY: formatEcho,
  FEATURES_REPLY: formatFeaturesReply,
  GET_CONFIG_REPLY: formatGetConfigReply,
  SET_CONFIG: formatSetConfig,
  PORT_STATUS: formatPortStatusMsg,
  PORT_MOD: formatPortModMsg,
  PORT_STATS_REQUEST: formatPortStatsRequest,
  PORT_STATS_REPLY: formatPortStatsReply,
  PORT_DESC_STATS_REQUEST: formatPortDescRequest,
  PORT_DESC_STATS_REPLY: formatPortDescReply,
  DESC_STATS_REPLY: formatDescReply,
  QUEUE_GET_CONFIG_REQUEST: formatQueueGetConfigRequest,
  QUEUE_GET_CONFIG_REPLY: formatQueueConfigReply,
  QUEUE_STATS_REQUEST: formatQueueStatsRequest,
  QUEUE_STATS_REPLY: formatQueueStatsReply,
  ROLE_REQUEST: formatRoleMessage,
  ROLE_REPLY: formatRoleMessage,
  ROLE_STATUS: formatRoleStatus,
  GET_ASYNC_REPLY: formatAsyncMsg,
  SET_ASYNC_CONFIG: formatAsyncMsg,
  SET_FLOW_FORMAT: formatSetFlowFormat,
  SET_PACKET_IN_FORMAT: formatSetPacketInFormat,
  FLOW_MOD_TABLE_ID: formatFlowModTableId,
  SET_CONTROLLER_ID: formatControllerId,
  METER_MOD: formatMeterModMsg,
  METER_STATS_REQUEST: formatMeterRequest,
  METER_CONFIG_STATS_REQUEST: formatMeterRequest,
  METER_STATS_REPLY: formatMeterStatsReply,
  METER_CONFIG_STATS_REPLY: formatMeterConfigReply,
  METER_FEATURES_STATS_REPLY: formatMeterFeaturesReply,
  BUNDLE_CONTROL: formatBundleCtrl,
  BUNDLE_ADD_MESSAGE: formatBundleAdd,
  CT_FLUSH: formatCtFlush,
  CT_FLUSH_ZONE: formatCtFlushZone,
  NXT_TLV_TABLE_MOD: formatTlvTableMod,
  NXT_TLV_TABLE_REPLY: formatTlvTableReply,
  IPFIX_BRIDGE_STATS_REPLY: formatIpfixBridgeReply,
  IPFIX_FLOW_STATS_REPLY: formatIpfixFlowReply,
  GROUP_MOD: formatGroupModMsg,
  FLOW_MOD: formatFlowModMsg,
  FLOW_STATS_REQUEST: formatFlowStatsRequest,
  AGGREGATE_STATS_REQUEST: formatFlowStatsRequest,
  FLOW_STATS_REPLY: formatFlowStatsReply,
  AGGREGATE_STATS_REPLY: formatAggregateReply,
  FLOW_REMOVED: formatFlowRemovedMsg,
  FLOW_MONITOR_STATS_REQUEST: formatFlowMonitorRequestMsg,
  FLOW_MONITOR_STATS_REPLY: formatFlowMonitorReplyMsg,
  FLOW_MONITOR_CANCEL: formatFlowMonitorCancel,
  REQUESTFORWARD: formatRequestForward,
  PACKET_IN: formatPacketInMsg,
  NXT_RESUME: formatPacketInMsg,
  PACKET_OUT: formatPacketOutMsg,
  TABLE_MOD: formatTableModMsg,
  TABLE_DESC_REPLY: formatTableDescReply,
  TABLE_STATUS: formatTableStatusMsg,
  TABLE_STATS_REPLY: formatTableStatsReply,
  TABLE_FEATURES_STATS_REQUEST: formatTableFeaturesMsg,
  TABLE_FEATURES_STATS_REPLY: formatTableFeaturesMsg,
  GROUP_DESC_STATS_REQUEST: formatGroupDescRequest,
  GROUP_DESC_STATS_REPLY: formatGroupDescReply,
  GROUP_STATS_REQUEST: formatGroupStatsRequest,
  GROUP_STATS_REPLY: formatGroupStatsReply,
  GROUP_FEATURES_STATS_REPLY: formatGroupFeaturesReply,
};
