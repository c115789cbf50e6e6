/* vswitch-idl: the Open_vSwitch database schema compiled into the IDL (OVS's
 * generated lib/vswitch-idl.[ch]).
 *
 * vswitchIdlClass() gives the IdlClass of the Open_vSwitch schema (version
 * VSWITCH_SCHEMA_VERSION) that ovs-vsctl and ovs-vswitchd build their Idl on;
 * the schema comes from the package's schemas/vswitch.ovsschema.
 * The interfaces below declare each table's columns as TypeScript sees them
 * through view(): a scalar column is its value, an optional one the value or
 * null, a set an array, a map a Map, and a reference the referenced row's
 * view (rows missing from the replica are left out).  Integers are numbers.
 *
 *     const br = view<'Bridge'>(row);
 *     for (const port of br.ports) console.log(port.name, port.tag);
 *
 * Writes go through IdlTxn (idl-txn.ts) with datums; views are read-only.
 */
import { readFileSync } from 'node:fs';
import { errorText } from '../lib/program.js';
import { join } from 'node:path';
import { packageRoot } from '../lib/dirs.js';
import type { Datum } from './datum.js';
import type { Atom, AtomicType, BaseType, Type } from './types.js';
import { IdlClass, type IdlTable } from './idl-schema.js';
import type { IdlRow } from './idl.js';

/** The schema version the tools report ("DB Schema 8.3.1"). */
export const VSWITCH_SCHEMA_VERSION = '8.3.1';

/** The Open_vSwitch schema document: the package's schemas/vswitch.ovsschema
 * (the file databases are created from; read on first use of the class). */
export function vswitchSchemaText(): string {
  const file = join(packageRoot(), 'schemas', 'vswitch.ovsschema');
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: could not read the Open_vSwitch schema (${errorText(e)})`);
  }
}

let cls: IdlClass | null = null;

/** The IdlClass of the Open_vSwitch schema (built once, on first use). */
export function vswitchIdlClass(): IdlClass {
  return cls ??= IdlClass.fromSchema(JSON.parse(vswitchSchemaText()));
}

/** What every row view has besides its columns. */
export interface RowView {
  /** The row's UUID. */
  readonly _uuid: string;
  /** The underlying replica row. */
  readonly _row: IdlRow;
}

/** A row of the AutoAttach table. */
export interface OvsrecAutoAttach extends RowView {
  readonly mappings: Map<number, number>;
  readonly system_description: string;
  readonly system_name: string;
}
/** A row of the Bridge table. */
export interface OvsrecBridge extends RowView {
  readonly auto_attach: OvsrecAutoAttach | null;
  readonly controller: OvsrecController[];
  readonly datapath_id: string | null;
  readonly datapath_type: string;
  readonly datapath_version: string;
  readonly external_ids: Map<string, string>;
  readonly fail_mode: string | null;
  readonly flood_vlans: number[];
  readonly flow_tables: Map<number, OvsrecFlowTable>;
  readonly ipfix: OvsrecIPFIX | null;
  readonly mcast_snooping_enable: boolean;
  readonly mirrors: OvsrecMirror[];
  readonly name: string;
  readonly netflow: OvsrecNetFlow | null;
  readonly other_config: Map<string, string>;
  readonly ports: OvsrecPort[];
  readonly protocols: string[];
  readonly rstp_enable: boolean;
  readonly rstp_status: Map<string, string>;
  readonly sflow: OvsrecsFlow | null;
  readonly status: Map<string, string>;
  readonly stp_enable: boolean;
}
/** A row of the CT_Timeout_Policy table. */
export interface OvsrecCTTimeoutPolicy extends RowView {
  readonly external_ids: Map<string, string>;
  readonly timeouts: Map<string, number>;
}
/** A row of the CT_Zone table. */
export interface OvsrecCTZone extends RowView {
  readonly external_ids: Map<string, string>;
  readonly timeout_policy: OvsrecCTTimeoutPolicy | null;
}
/** A row of the Controller table. */
export interface OvsrecController extends RowView {
  readonly connection_mode: string | null;
  readonly controller_burst_limit: number | null;
  readonly controller_queue_size: number | null;
  readonly controller_rate_limit: number | null;
  readonly enable_async_messages: boolean | null;
  readonly external_ids: Map<string, string>;
  readonly inactivity_probe: number | null;
  readonly is_connected: boolean;
  readonly local_gateway: string | null;
  readonly local_ip: string | null;
  readonly local_netmask: string | null;
  readonly max_backoff: number | null;
  readonly other_config: Map<string, string>;
  readonly role: string | null;
  readonly status: Map<string, string>;
  readonly target: string;
  readonly type: string | null;
}
/** A row of the Datapath table. */
export interface OvsrecDatapath extends RowView {
  readonly capabilities: Map<string, string>;
  readonly ct_zones: Map<number, OvsrecCTZone>;
  readonly datapath_version: string;
  readonly external_ids: Map<string, string>;
}
/** A row of the Flow_Sample_Collector_Set table. */
export interface OvsrecFlowSampleCollectorSet extends RowView {
  readonly bridge: OvsrecBridge;
  readonly external_ids: Map<string, string>;
  readonly id: number;
  readonly ipfix: OvsrecIPFIX | null;
}
/** A row of the Flow_Table table. */
export interface OvsrecFlowTable extends RowView {
  readonly external_ids: Map<string, string>;
  readonly flow_limit: number | null;
  readonly groups: string[];
  readonly name: string | null;
  readonly overflow_policy: string | null;
  readonly prefixes: string[];
}
/** A row of the IPFIX table. */
export interface OvsrecIPFIX extends RowView {
  readonly cache_active_timeout: number | null;
  readonly cache_max_flows: number | null;
  readonly external_ids: Map<string, string>;
  readonly obs_domain_id: number | null;
  readonly obs_point_id: number | null;
  readonly other_config: Map<string, string>;
  readonly sampling: number | null;
  readonly targets: string[];
}
/** A row of the Interface table. */
export interface OvsrecInterface extends RowView {
  readonly admin_state: string | null;
  readonly bfd: Map<string, string>;
  readonly bfd_status: Map<string, string>;
  readonly cfm_fault: boolean | null;
  readonly cfm_fault_status: string[];
  readonly cfm_flap_count: number | null;
  readonly cfm_health: number | null;
  readonly cfm_mpid: number | null;
  readonly cfm_remote_mpids: number[];
  readonly cfm_remote_opstate: string | null;
  readonly duplex: string | null;
  readonly error: string | null;
  readonly external_ids: Map<string, string>;
  readonly ifindex: number | null;
  readonly ingress_policing_burst: number;
  readonly ingress_policing_kpkts_burst: number;
  readonly ingress_policing_kpkts_rate: number;
  readonly ingress_policing_rate: number;
  readonly lacp_current: boolean | null;
  readonly link_resets: number | null;
  readonly link_speed: number | null;
  readonly link_state: string | null;
  readonly lldp: Map<string, string>;
  readonly mac: string | null;
  readonly mac_in_use: string | null;
  readonly mtu: number | null;
  readonly mtu_request: number | null;
  readonly name: string;
  readonly ofport: number | null;
  readonly ofport_request: number | null;
  readonly options: Map<string, string>;
  readonly other_config: Map<string, string>;
  readonly statistics: Map<string, number>;
  readonly status: Map<string, string>;
  readonly type: string;
}
/** A row of the Manager table. */
export interface OvsrecManager extends RowView {
  readonly connection_mode: string | null;
  readonly external_ids: Map<string, string>;
  readonly inactivity_probe: number | null;
  readonly is_connected: boolean;
  readonly max_backoff: number | null;
  readonly other_config: Map<string, string>;
  readonly status: Map<string, string>;
  readonly target: string;
}
/** A row of the Mirror table. */
export interface OvsrecMirror extends RowView {
  readonly external_ids: Map<string, string>;
  readonly name: string;
  readonly output_port: OvsrecPort | null;
  readonly output_vlan: number | null;
  readonly select_all: boolean;
  readonly select_dst_port: OvsrecPort[];
  readonly select_src_port: OvsrecPort[];
  readonly select_vlan: number[];
  readonly snaplen: number | null;
  readonly statistics: Map<string, number>;
}
/** A row of the NetFlow table. */
export interface OvsrecNetFlow extends RowView {
  readonly active_timeout: number;
  readonly add_id_to_interface: boolean;
  readonly engine_id: number | null;
  readonly engine_type: number | null;
  readonly external_ids: Map<string, string>;
  readonly targets: string[];
}
/** A row of the Open_vSwitch table. */
export interface OvsrecOpenvSwitch extends RowView {
  readonly bridges: OvsrecBridge[];
  readonly cur_cfg: number;
  readonly datapath_types: string[];
  readonly datapaths: Map<string, OvsrecDatapath>;
  readonly db_version: string | null;
  readonly dpdk_initialized: boolean;
  readonly dpdk_version: string | null;
  readonly external_ids: Map<string, string>;
  readonly iface_types: string[];
  readonly manager_options: OvsrecManager[];
  readonly next_cfg: number;
  readonly other_config: Map<string, string>;
  readonly ovs_version: string | null;
  readonly ssl: OvsrecSSL | null;
  readonly statistics: Map<string, string>;
  readonly system_type: string | null;
  readonly system_version: string | null;
}
/** A row of the Port table. */
export interface OvsrecPort extends RowView {
  readonly bond_active_slave: string | null;
  readonly bond_downdelay: number;
  readonly bond_fake_iface: boolean;
  readonly bond_mode: string | null;
  readonly bond_updelay: number;
  readonly cvlans: number[];
  readonly external_ids: Map<string, string>;
  readonly fake_bridge: boolean;
  readonly interfaces: OvsrecInterface[];
  readonly lacp: string | null;
  readonly mac: string | null;
  readonly name: string;
  readonly other_config: Map<string, string>;
  readonly protected: boolean;
  readonly qos: OvsrecQoS | null;
  readonly rstp_statistics: Map<string, number>;
  readonly rstp_status: Map<string, string>;
  readonly statistics: Map<string, number>;
  readonly status: Map<string, string>;
  readonly tag: number | null;
  readonly trunks: number[];
  readonly vlan_mode: string | null;
}
/** A row of the QoS table. */
export interface OvsrecQoS extends RowView {
  readonly external_ids: Map<string, string>;
  readonly other_config: Map<string, string>;
  readonly queues: Map<number, OvsrecQueue>;
  readonly type: string;
}
/** A row of the Queue table. */
export interface OvsrecQueue extends RowView {
  readonly dscp: number | null;
  readonly external_ids: Map<string, string>;
  readonly other_config: Map<string, string>;
}
/** A row of the SSL table. */
export interface OvsrecSSL extends RowView {
  readonly bootstrap_ca_cert: boolean;
  readonly ca_cert: string;
  readonly certificate: string;
  readonly external_ids: Map<string, string>;
  readonly private_key: string;
}
/** A row of the sFlow table. */
export interface OvsrecsFlow extends RowView {
  readonly agent: string | null;
  readonly external_ids: Map<string, string>;
  readonly header: number | null;
  readonly polling: number | null;
  readonly sampling: number | null;
  readonly targets: string[];
}

/** Row view types by table name. */
export interface VswitchRows {
  AutoAttach: OvsrecAutoAttach;
  Bridge: OvsrecBridge;
  CT_Timeout_Policy: OvsrecCTTimeoutPolicy;
  CT_Zone: OvsrecCTZone;
  Controller: OvsrecController;
  Datapath: OvsrecDatapath;
  Flow_Sample_Collector_Set: OvsrecFlowSampleCollectorSet;
  Flow_Table: OvsrecFlowTable;
  IPFIX: OvsrecIPFIX;
  Interface: OvsrecInterface;
  Manager: OvsrecManager;
  Mirror: OvsrecMirror;
  NetFlow: OvsrecNetFlow;
  Open_vSwitch: OvsrecOpenvSwitch;
  Port: OvsrecPort;
  QoS: OvsrecQoS;
  Queue: OvsrecQueue;
  SSL: OvsrecSSL;
  sFlow: OvsrecsFlow;
}

function atomValue(a: Atom, base: BaseType, row: IdlRow): unknown {
  if (base.type === 'integer') return Number(a);
  if (base.type === 'uuid' && base.refTableName) {
    const r = row.tableState.idl.getRow(base.refTableName, a as string);
    return r ? viewOf(r) : null;
  }
  return a;
}

function convert(d: Datum, type: Type, row: IdlRow): unknown {
  const kt = type.key;
  if (type.value) {
    const m = new Map<unknown, unknown>();
    for (let i = 0; i < d.keys.length; i++) {
      const v = atomValue(d.values![i]!, type.value, row);
      if (v !== null) m.set(atomValue(d.keys[i]!, kt, row), v);
    }
    return m;
  }
  if (type.max === 1) {
    if (d.keys.length === 0) return type.min === 0 ? null : defaultOf(kt.type);
    return atomValue(d.keys[0]!, kt, row);
  }
  const out: unknown[] = [];
  for (const a of d.keys) {
    const v = atomValue(a, kt, row);
    if (v !== null) out.push(v);
  }
  return out;
}

function defaultOf(t: AtomicType): unknown {
  return t === 'integer' || t === 'real' ? 0 : t === 'boolean' ? false : '';
}

class ViewBase {
  constructor(readonly _row: IdlRow) {}
  get _uuid(): string { return this._row.uuid; }
}

const protos = new Map<IdlTable, object>();

function protoFor(table: IdlTable): object {
  let p = protos.get(table);
  if (!p) {
    p = Object.create(ViewBase.prototype) as object;
    for (const c of table.columns) {
      Object.defineProperty(p, c.name, {
        get(this: ViewBase) { return convert(this._row.get(c), c.type, this._row); },
        enumerable: true,
      });
    }
    protos.set(table, p);
  }
  return p;
}

function viewOf(row: IdlRow): RowView {
  const v = Object.create(protoFor(row.table)) as { _row: IdlRow };
  Object.defineProperty(v, '_row', { value: row });
  return v as unknown as RowView;
}

/** A typed, read-only view of 'row' (a row of table T). */
export function view<T extends keyof VswitchRows>(row: IdlRow): VswitchRows[T] {
  return viewOf(row) as VswitchRows[T];
}
