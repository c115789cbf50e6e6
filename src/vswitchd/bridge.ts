/* bridge: turns the Open_vSwitch database into running bridges (OVS's
 * vswitchd/bridge.c).  It only reconciles: it reads Open_vSwitch, Bridge,
 * Port, Interface and Controller rows through the IDL, creates, changes and
 * destroys bridges, ports and interfaces to match, and writes back what the
 * switch reports (Interface ofport and state, Bridge datapath_id, Controller
 * connection status, Open_vSwitch cur_cfg and capabilities).  OpenFlow and
 * packet logic live in ofproto/ and datapath/.
 *
 * Writing cur_cfg = next_cfg after each reconfiguration is what lets
 * `ovs-vsctl` (without --no-wait) return once a change has taken effect.
 */
import { join } from 'node:path';
import { Idl, type IdlRow } from '../ovsdb/idl.js';
import { vswitchIdlClass, VSWITCH_SCHEMA_VERSION } from '../ovsdb/vswitch-idl.js';
import { Datum, datumSingle, datumEmpty } from '../ovsdb/datum.js';
import type { Atom } from '../ovsdb/types.js';
import { Connmgr, type ControllerConfig } from '../ofproto/connmgr.js';
import { OfpError } from '../openflow/ofp-errors.js';
import { ovsRundir } from '../lib/dirs.js';
import { OVS_VERSION } from '../lib/program.js';
import { vlogModule } from '../lib/vlog.js';
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';

const log = vlogModule('bridge');

/** OpenFlow port number of a bridge's local port. */
export const OFPP_LOCAL = 0xfffe;
const OFPP_MAX = 0xff00;

const PROTOCOL_BITS: Record<string, number> = {
  OpenFlow10: 1 << 1, OpenFlow11: 1 << 2, OpenFlow12: 1 << 3,
  OpenFlow13: 1 << 4, OpenFlow14: 1 << 5, OpenFlow15: 1 << 6,
};

export interface BridgeOptions {
  /** The database, e.g. "unix:/var/run/openvswitch/db.sock". */
  remote: string;
  /** --enable-dummy: null (off), 'yes', or 'override' (every port becomes dummy). */
  enableDummy: null | 'yes' | 'override';
}

/** An interface as the switch runs it. */
export interface Iface {
  name: string;
  type: string;
  ofport: number;
  /** Why the interface could not be created, if it could not. */
  error: string | null;
  mac: string;
  mtu: number;
}

/** A port: one or more interfaces (more for a bond). */
export interface Port {
  name: string;
  uuid: string;
  ifaces: Iface[];
  tag: number | null;
  trunks: number[];
  vlanMode: string | null;
}

/** One running bridge. */
export class Bridge {
  readonly ports = new Map<string, Port>();
  readonly ifaces = new Map<string, Iface>();
  readonly connmgr: Connmgr;
  datapathId = '';
  failMode: 'standalone' | 'secure' = 'standalone';

  constructor(readonly name: string, public uuid: string, readonly datapathType: string) {
    this.connmgr = new Connmgr(name, {
      handleMessage: () => { throw new OfpError('OFPBRC_BAD_TYPE'); },
    });
  }

  /** The OpenFlow port numbers in use. */
  usedOfports(): Set<number> {
    return new Set([...this.ifaces.values()].map((i) => i.ofport).filter((p) => p > 0));
  }

  destroy(): void {
    this.connmgr.destroy();
  }
}

/** A locally administered MAC derived from 'seed', stable across restarts. */
function macFromName(seed: string): string {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619) >>> 0;
  const b = [0x02 | (h & 0xfc), (h >>> 8) & 0xff, (h >>> 16) & 0xff, (h >>> 24) & 0xff,
    seed.length & 0xff, (h >>> 4) & 0xff];
  b[0] = (b[0]! & 0xfe) | 0x02;
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export class Bridges {
  readonly idl: Idl;
  readonly bridges = new Map<string, Bridge>();
  private scheduled = false;
  private statusTimer: NodeJS.Timeout | null = null;
  private lastCfg = -1;
  private readonly cls = vswitchIdlClass();

  constructor(readonly opts: BridgeOptions) {
    this.idl = new Idl(this.cls, opts.remote, { monitorEverything: true });
    this.idl.onChange.add(() => this.schedule());
    this.registerCommands();
  }

  start(): void {
    this.idl.setLock('ovs_vswitchd');
    this.idl.start();
    // Statistics and link states are refreshed every few seconds, as OVS does.
    this.statusTimer = setInterval(() => this.schedule(), 5000);
    this.statusTimer.unref();
  }

  stop(): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    for (const br of this.bridges.values()) br.destroy();
    this.bridges.clear();
    this.idl.close();
  }

  /** Runs one reconfiguration soon (changes arriving together are merged). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.reconfigure().catch((e) => log.err(`reconfiguration failed: ${(e as Error).stack ?? e}`));
    });
  }

  private async reconfigure(): Promise<void> {
    if (!this.idl.hasEverConnected) return;
    const ovs = this.idl.first('Open_vSwitch');
    if (!ovs) return;
    const wanted = new Map<string, IdlRow>();
    for (const br of ovs.refs('bridges')) {
      const name = br.str('name');
      if (!name) continue;
      if (wanted.has(name)) {
        log.warn(`bridge ${name} specified twice`);
        continue;
      }
      wanted.set(name, br);
    }
    for (const [name, br] of this.bridges) {
      if (!wanted.has(name)) {
        log.info(`bridge ${name}: deleted`);
        br.destroy();
        this.bridges.delete(name);
      }
    }
    for (const [name, row] of wanted) {
      let br = this.bridges.get(name);
      if (!br) {
        const dpType = row.str('datapath_type') || 'system';
        br = new Bridge(name, row.uuid, dpType);
        this.bridges.set(name, br);
        log.info(`bridge ${name}: added interface ${name} on port 65534`);
        try {
          await br.connmgr.setManagementSocket(join(ovsRundir(), `${name}.mgmt`));
        } catch (e) {
          log.err(`bridge ${name}: could not create management socket (${(e as Error).message})`);
        }
      }
      br.uuid = row.uuid;
      this.reconfigureBridge(br, row);
    }
    await this.writeStatus(ovs);
  }

  private reconfigureBridge(br: Bridge, row: IdlRow): void {
    const protocols = row.get('protocols').keys as string[];
    br.connmgr.allowedVersions = protocols.length
      ? protocols.reduce((m, p) => m | (PROTOCOL_BITS[p] ?? 0), 0) : 0x7e;
    br.failMode = row.str('fail_mode') === 'secure' ? 'secure' : 'standalone';

    // Ports and interfaces.
    const wantedIfaces = new Map<string, { port: IdlRow; iface: IdlRow }>();
    const wantedPorts = new Map<string, IdlRow>();
    for (const p of row.refs('ports')) {
      const pname = p.str('name');
      if (!pname) continue;
      wantedPorts.set(pname, p);
      for (const i of p.refs('interfaces')) {
        const iname = i.str('name');
        if (iname && !wantedIfaces.has(iname)) wantedIfaces.set(iname, { port: p, iface: i });
      }
    }
    for (const [iname, iface] of br.ifaces) {
      if (!wantedIfaces.has(iname)) {
        log.info(`bridge ${br.name}: deleted interface ${iname} on port ${iface.ofport}`);
        br.ifaces.delete(iname);
      }
    }
    // Interfaces that ask for a port number are placed first, so they get it.
    const order = [...wantedIfaces.entries()].sort(([, a], [, b]) =>
      Number(b.iface.int('ofport_request') !== null) - Number(a.iface.int('ofport_request') !== null));
    for (const [iname, { iface }] of order) {
      const type = this.ifaceType(br, iname, iface.str('type') ?? '');
      let cur = br.ifaces.get(iname);
      if (cur && cur.type !== type) {
        br.ifaces.delete(iname);
        cur = undefined;
      }
      const request = iface.int('ofport_request');
      if (cur && request !== null && cur.ofport !== request && !br.usedOfports().has(request)) {
        cur.ofport = request;
      }
      if (!cur) {
        const error = this.checkType(type);
        const ofport = error ? -1 : iname === br.name ? OFPP_LOCAL : this.allocOfport(br, request);
        cur = { name: iname, type, ofport, error, mac: macFromName(`${br.name}/${iname}`), mtu: 1500 };
        br.ifaces.set(iname, cur);
        if (error) log.warn(`could not open network device ${iname} (${error})`);
        else log.info(`bridge ${br.name}: added interface ${iname} on port ${ofport}`);
      }
    }
    br.ports.clear();
    for (const [pname, p] of wantedPorts) {
      br.ports.set(pname, {
        name: pname,
        uuid: p.uuid,
        ifaces: p.refs('interfaces').map((i) => br.ifaces.get(i.str('name') ?? '')).filter((i): i is Iface => !!i),
        tag: p.int('tag'),
        trunks: p.get('trunks').keys as number[],
        vlanMode: p.str('vlan_mode'),
      });
    }

    // The datapath ID: other_config:datapath-id, else from the local port's MAC.
    const dpidOverride = row.map('other_config').get('datapath-id');
    const local = br.ifaces.get(br.name);
    br.datapathId = dpidOverride && /^(0x)?[0-9a-fA-F]{16}$/.test(dpidOverride)
      ? dpidOverride.replace(/^0x/, '').toLowerCase()
      : '0000' + (local?.mac ?? macFromName(br.name)).replace(/:/g, '');

    // Controllers.
    const controllers: ControllerConfig[] = row.refs('controller').map((c) => ({
      target: c.str('target') ?? '',
      probeInterval: c.int('inactivity_probe') ?? 5000,
      maxBackoff: c.int('max_backoff') ?? 8000,
    })).filter((c) => c.target);
    void br.connmgr.setControllers(controllers);
  }

  /** The netdev type an interface runs as ('' means "system"). */
  private ifaceType(br: Bridge, name: string, type: string): string {
    if (name === br.name && type === '') return 'internal';
    const t = type || 'system';
    if (this.opts.enableDummy === 'override' && (t === 'system' || t === 'internal' || t === 'tap')) return 'dummy';
    return t;
  }

  /** Null if this switch can run interfaces of 'type', else the reason. */
  private checkType(type: string): string | null {
    const ok = ['system', 'internal', 'tap', 'patch'];
    if (this.opts.enableDummy) ok.push('dummy', 'dummy-internal', 'dummy-pmd');
    return ok.includes(type) ? null : 'Address family not supported by protocol';
  }

  /** 'request' if free and valid, else the lowest free port number. */
  private allocOfport(br: Bridge, request: number | null): number {
    const used = br.usedOfports();
    if (request !== null && request >= 1 && request < OFPP_MAX && !used.has(request)) return request;
    for (let p = 1; p < OFPP_MAX; p++) if (!used.has(p)) return p;
    return -1;
  }

  /** Writes back what the switch knows, and cur_cfg once a new configuration
   * has been applied. */
  private async writeStatus(ovs: IdlRow): Promise<void> {
    const txn = this.idl.txn();
    let changed = false;
    const set = (row: IdlRow, col: string, d: Datum): void => {
      const column = row.table.col(col);
      if (datumKeyOf(row.get(col)) === datumKeyOf(d)) return;
      txn.write(row, column, d);
      changed = true;
    };
    const ovsT = this.cls.tbl('Open_vSwitch');
    const nextCfg = ovs.int('next_cfg') ?? 0;
    set(ovs, 'ovs_version', datumSingle(OVS_VERSION));
    set(ovs, 'db_version', datumSingle(VSWITCH_SCHEMA_VERSION));
    set(ovs, 'datapath_types', setOf(['netdev', 'system']));
    set(ovs, 'iface_types', setOf(this.opts.enableDummy
      ? ['dummy', 'dummy-internal', 'dummy-pmd', 'internal', 'patch', 'system', 'tap']
      : ['internal', 'patch', 'system', 'tap']));
    if ((ovs.int('cur_cfg') ?? 0) !== nextCfg) {
      set(ovs, 'cur_cfg', datumSingle(nextCfg));
    }

    for (const br of this.bridges.values()) {
      const brRow = this.idl.getRow('Bridge', br.uuid);
      if (!brRow) continue;
      set(brRow, 'datapath_id', datumSingle(br.datapathId));
      for (const portRow of brRow.refs('ports')) {
        for (const ifRow of portRow.refs('interfaces')) {
          const iface = br.ifaces.get(ifRow.str('name') ?? '');
          if (!iface) continue;
          set(ifRow, 'ofport', datumSingle(iface.ofport));
          if (iface.error) {
            set(ifRow, 'error', datumSingle(`could not open network device ${iface.name} (${iface.error})`));
            continue;
          }
          set(ifRow, 'error', datumEmpty(ifRow.table.col('error').type));
          set(ifRow, 'mac_in_use', datumSingle(iface.mac));
          set(ifRow, 'admin_state', datumSingle('up'));
          set(ifRow, 'link_state', datumSingle('up'));
          set(ifRow, 'mtu', datumSingle(iface.mtu));
        }
      }
      const status = br.connmgr.controllerStatus();
      for (const cRow of brRow.refs('controller')) {
        const st = status.get(cRow.str('target') ?? '');
        set(cRow, 'is_connected', datumSingle(st?.isConnected ?? false));
        if (st) {
          set(cRow, 'role', datumSingle(st.role));
          const m: [string, string][] = [['state', st.state]];
          if (st.lastError) m.push(['last_error', st.lastError]);
          if (st.secSinceConnect !== undefined) m.push(['sec_since_connect', String(st.secSinceConnect)]);
          if (st.secSinceDisconnect !== undefined) m.push(['sec_since_disconnect', String(st.secSinceDisconnect)]);
          set(cRow, 'status', mapOf(m));
        }
      }
    }
    void ovsT;
    if (!changed) { txn.abort(); return; }
    const result = await txn.commit();
    if (result === 'success' || result === 'unchanged') {
      if (nextCfg !== this.lastCfg) log.dbg(`configuration ${nextCfg} applied`);
      this.lastCfg = nextCfg;
    } else if (result === 'try-again') {
      this.schedule();
    } else {
      log.warn(`status update failed: ${result}`);
    }
  }

  private registerCommands(): void {
    unixctlCommandRegister('bridge/reconnect', '[bridge]', 0, 1, (args) => {
      const brs = args.length ? [this.bridges.get(args[0]!)] : [...this.bridges.values()];
      if (brs.some((b) => !b)) throw new UnixctlError('no such bridge');
    });
    unixctlCommandRegister('ofproto/list', '', 0, 0, () =>
      [...this.bridges.keys()].sort().map((n) => n + '\n').join(''));
  }
}

function setOf(items: Atom[]): Datum {
  return new Datum([...items].sort(), null);
}

function mapOf(pairs: [string, string][]): Datum {
  const sorted = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Datum(sorted.map((p) => p[0]), sorted.map((p) => p[1]));
}

function datumKeyOf(d: Datum): string {
  return JSON.stringify([d.keys.map(String), d.values?.map(String) ?? null]);
}
