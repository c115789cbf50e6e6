/* bridge: turns the Open_vSwitch database into running bridges (OVS's
 * vswitchd/bridge.c).  It only reconciles: it reads Open_vSwitch, Bridge,
 * Port, Interface, Controller and Flow_Table rows through the IDL and makes
 * the switch match them —
 *   - a bridge is an Ofproto (ofproto.ts) with the ofproto-dpif provider,
 *     served over OpenFlow by OfprotoOpenflow (ofproto-openflow.ts) and its
 *     connmgr (management socket <bridge>.mgmt, controllers);
 *   - an interface is a netdev (datapath/netdev.ts) added to the bridge's
 *     datapath (dpif-backer.ts) and to ofproto as an OpenFlow port;
 *   - a port is an ofproto-dpif bundle (VLAN mode, tag, trunks);
 *   - Flow_Table rows configure table names, limits and eviction —
 * and writes back what the switch reports (Interface ofport, state, MAC,
 * MTU, statistics and errors; Bridge datapath_id; Controller status;
 * Open_vSwitch capabilities and cur_cfg).  OpenFlow and packet logic live in
 * ofproto/ and datapath/.
 *
 * Writing cur_cfg = next_cfg after each reconfiguration is what lets
 * `ovs-vsctl` (without --no-wait) return once a change has taken effect.
 */
import { join } from 'node:path';
import { Idl, type IdlRow } from '../ovsdb/idl.js';
import { vswitchIdlClass, VSWITCH_SCHEMA_VERSION } from '../ovsdb/vswitch-idl.js';
import { Datum, datumSingle, datumEmpty } from '../ovsdb/datum.js';
import type { Atom } from '../ovsdb/types.js';
import type { ControllerConfig } from '../ofproto/connmgr.js';
import { Ofproto, ofprotoNormalizeType } from '../ofproto/ofproto.js';
import { OfprotoOpenflow } from '../ofproto/ofproto-openflow.js';
import {
  type OfprotoDpif, type BundleSettings, ofprotoDpifSetBackerOpener, ofprotoDpifRegister, ofprotoDpifUnregister,
} from '../ofproto/ofproto-dpif.js';
import type { VlanMode } from '../ofproto/ofproto-dpif-xlate.js';
import { OFPRR_DELETE } from '../ofproto/ofproto-provider.js';
import { parseSubfield } from '../openflow/nx-match.js';
import { mfFromName } from '../openflow/meta-flow.js';
import { PC_PORT_DOWN, PS_LINK_DOWN, type PhyPort } from '../openflow/ofp-port.js';
import type { Netdev } from '../datapath/netdev-provider.js';
import {
  netdevOpen, netdevClose, netdevGetEtherAddr, netdevSetEtherAddr, netdevGetMtu, netdevGetCarrier, netdevGetFlags,
  netdevGetStats, netdevSetConfig, netdevGetIfindex, netdevGetCarrierResets, netdevGetStatus, netdevEnumerateTypes,
  netdevRun, netdevGetConfig,
} from '../datapath/netdev.js';
import { netdevVportIsTunnel } from '../datapath/netdev-vport.js';
import { netdevLinuxSetUserspaceTso } from '../datapath/netdev-linux.js';
import { ovsRundir } from '../lib/dirs.js';
import { hmapOrder, hashString } from '../lib/hash.js';
import { OVS_VERSION, strerror } from '../lib/program.js';
import { vlogModule } from '../lib/vlog.js';
import { unixctlCommandRegister, UnixctlError } from '../lib/unixctl.js';
import { timeMsec, timevalOnWarp } from '../lib/timeval.js';
// The fast path: dpif-netdev (EMC + megaflows) behind ofproto-dpif; dpif-backer.ts is the
// slow path that sends every packet through xlate (kept for comparison tests).
import { dpifNetdevBackerFor as dpifBackerFor, type DpifNetdevBacker as DpifBacker } from './dpif-netdev-backer.js';

const log = vlogModule('bridge');

/** Datapath port names of the tunnel types: no interface may start with them. */
const TUNNEL_DPIF_PORTS = ['genev_sys', 'gre_sys', 'vxlan_sys', 'lisp_sys', 'stt_sys', 'erspan_sys', 'ip6erspan_sys',
  'ip6gre_sys', 'gtpu_sys', 'udp_sys'];

/** OpenFlow port number of a bridge's local port. */
export const OFPP_LOCAL = 0xfffe;

const PROTOCOL_BITS: Record<string, number> = {
  OpenFlow10: 1 << 1, OpenFlow11: 1 << 2, OpenFlow12: 1 << 3,
  OpenFlow13: 1 << 4, OpenFlow14: 1 << 5, OpenFlow15: 1 << 6,
};
/** Versions a bridge allows when its protocols column is empty (OF1.0-1.5; OVS's default). */
const DEFAULT_VERSIONS = 0x7e;

export interface BridgeOptions {
  /** The database, e.g. "unix:/var/run/openvswitch/db.sock". */
  remote: string;
  /** --enable-dummy: null (off), 'yes', or 'override' (every port becomes dummy). */
  enableDummy: null | 'yes' | 'override';
}

/** An interface as the switch runs it. */
export interface Iface {
  name: string;
  /** Interface type as configured ("" means system). */
  type: string;
  /** The netdev type it was opened as. */
  netdevType: string;
  netdev: Netdev | null;
  /** OpenFlow port number, -1 if the interface could not be added. */
  ofport: number;
  /** Why the interface could not be created, if it could not ("" when the
   * name is reserved: OVS leaves the error column empty then). */
  error: string | null;
  /** Options last applied to the netdev, to spot changes. */
  optionsKey: string;
}

/** A port: one or more interfaces (more for a bond). */
export interface Port {
  name: string;
  uuid: string;
  ifaces: Iface[];
  /** Identity of the ofproto-dpif bundle. */
  readonly handle: object;
  settingsKey: string;
}

/** One running bridge. */
export class Bridge {
  readonly ports = new Map<string, Port>();
  readonly ifaces = new Map<string, Iface>();
  readonly ofproto: Ofproto;
  readonly dpif: OfprotoDpif;
  readonly openflow: OfprotoOpenflow;
  readonly backer: DpifBacker;
  datapathId = 0n;
  failMode: 'standalone' | 'secure' = 'standalone';
  private hwaddrKey = '';

  constructor(readonly name: string, public uuid: string, readonly datapathType: string, ofproto: Ofproto) {
    this.ofproto = ofproto;
    this.dpif = ofproto.dp as OfprotoDpif;
    this.backer = dpifBackerFor(ofproto.type);
    this.openflow = new OfprotoOpenflow(ofproto);
    this.openflow.attachDpif(this.dpif);
    this.openflow.executeContext = (fn) => this.backer.runAs(this.dpif, fn);
    this.openflow.captureExecution = (fn) => this.backer.capture(this.dpif, fn);
    ofprotoDpifRegister(this.dpif);
  }

  get connmgr() { return this.openflow.connmgr; }

  /** The OpenFlow port numbers in use. */
  usedOfports(): Set<number> {
    return new Set([...this.ifaces.values()].map((i) => i.ofport).filter((p) => p > 0));
  }

  /** Sets the datapath ID, logging the change as OVS does. */
  setDatapathId(dpid: bigint): void {
    if (dpid === this.datapathId) return;
    this.datapathId = dpid;
    this.ofproto.datapathId = dpid;
    log.info(`bridge ${this.name}: using datapath ID ${dpid.toString(16).padStart(16, '0')}`);
  }

  /** Remembers the configured hardware address; true if it changed. */
  hwaddrChanged(key: string): boolean {
    if (key === this.hwaddrKey) return false;
    this.hwaddrKey = key;
    return true;
  }

  destroy(): void {
    this.connmgr.destroy();
    for (const iface of this.ifaces.values()) this.removeIface(iface, false);
    ofprotoDpifUnregister(this.dpif);
    this.ofproto.destroy(true);
  }

  /** Takes an interface out of ofproto and the datapath and closes its netdev. */
  removeIface(iface: Iface, logIt = true): void {
    if (iface.ofport > 0) {
      this.dpif.portDel(iface.ofport);
      if (logIt) log.info(`bridge ${this.name}: deleted interface ${iface.name} on port ${iface.ofport}`);
    }
    if (iface.netdev) netdevClose(iface.netdev);
    iface.netdev = null;
    this.ifaces.delete(iface.name);
  }
}

/** A 48-bit MAC as 6 bytes. */
function macBytes(mac: number): Uint8Array {
  const b = new Uint8Array(6);
  let v = mac;
  for (let i = 5; i >= 0; i--) { b[i] = v % 256; v = Math.floor(v / 256); }
  return b;
}

function macText(mac: number): string {
  return [...macBytes(mac)].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Parses "aa:bb:cc:dd:ee:ff" to a number, or null. */
function parseMac(s: string | undefined): number | null {
  if (!s || !/^([0-9a-fA-F]{1,2}:){5}[0-9a-fA-F]{1,2}$/.test(s)) return null;
  return s.split(':').reduce((v, x) => v * 256 + Number.parseInt(x, 16), 0);
}

function isMulticast(mac: number): boolean { return Math.floor(mac / 2 ** 40) % 2 === 1; }

/** FNV-style hash of 'seed' into a locally administered unicast MAC (stable across restarts). */
function macFromName(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619) >>> 0;
  const first = ((h & 0xfc) | 0x02) & 0xfe;
  return first * 2 ** 40 + ((h >>> 8) & 0xff) * 2 ** 32 + (((h >>> 16) & 0xffff) * 0x10000 + (seed.length & 0xff) * 0x100 + ((h >>> 4) & 0xff));
}

/** The description of a port as OpenFlow shows it (ofport_open's ofputil_phy_port). */
export function phyPortOf(netdev: Netdev): Omit<PhyPort, 'portNo' | 'name'> {
  const mac = netdevGetEtherAddr(netdev);
  const up = (netdevGetFlags(netdev) & 1) !== 0;
  const carrier = netdevGetCarrier(netdev);
  return {
    hwAddr: macBytes(mac < 0 ? 0 : mac), config: up ? 0 : PC_PORT_DOWN,
    state: carrier ? 0 : PS_LINK_DOWN, curr: 0, advertised: 0, supported: 0, peer: 0, currSpeed: 0, maxSpeed: 0,
  };
}

export class Bridges {
  readonly idl: Idl;
  readonly bridges = new Map<string, Bridge>();
  private scheduled = false;
  private running = false;
  private rerun = false;
  private statusTimer: NodeJS.Timeout | null = null;
  private runTimer: NodeJS.Timeout | null = null;
  private lastCfg = -1;
  private lastStats = 0;
  /** Open_vSwitch other_config:bundle-idle-timeout, in ms (default 10 s). */
  private bundleIdleTimeout = 10000;
  private readonly cls = vswitchIdlClass();

  constructor(readonly opts: BridgeOptions) {
    this.idl = new Idl(this.cls, opts.remote, { monitorEverything: true });
    this.idl.onChange.add(() => this.schedule());
    ofprotoDpifSetBackerOpener((type) => dpifBackerFor(type));
    this.registerCommands();
  }

  start(): void {
    this.idl.setLock('ovs_vswitchd');
    this.idl.start();
    // Statistics and link states are refreshed every few seconds, as OVS does.
    this.statusTimer = setInterval(() => this.schedule(), 5000);
    this.statusTimer.unref();
    // The switches' periodic work: rule expiry, MAC aging, port changes.
    this.runTimer = setInterval(() => this.runSwitches(), 100);
    this.runTimer.unref();
    timevalOnWarp(() => this.runSwitches());
  }

  stop(): void {
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.runTimer) clearInterval(this.runTimer);
    for (const br of this.bridges.values()) br.destroy();
    this.bridges.clear();
    this.idl.close();
  }

  /** Periodic work of every switch (ofproto_run). */
  private runSwitches(): void {
    netdevRun();
    let changed = false;
    for (const br of this.bridges.values()) {
      br.ofproto.run();
      if (br.openflow.refreshPorts()) changed = true;
      br.openflow.expireBundles(this.bundleIdleTimeout);
      br.openflow.run();
    }
    if (changed) this.schedule();
  }

  /** Runs one reconfiguration soon (changes arriving together are merged). */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.reconfigureSerialized();
    });
  }

  private async reconfigureSerialized(): Promise<void> {
    if (this.running) { this.rerun = true; return; }
    this.running = true;
    try {
      do {
        this.rerun = false;
        await this.reconfigure().catch((e) => log.err(`reconfiguration failed: ${(e as Error).stack ?? e}`));
      } while (this.rerun);
    } finally {
      this.running = false;
    }
  }

  private async reconfigure(): Promise<void> {
    if (!this.idl.hasEverConnected) return;
    const ovs = this.idl.first('Open_vSwitch');
    if (!ovs) return;
    const bit = Number.parseInt(ovs.map('other_config').get('bundle-idle-timeout') ?? '', 10);
    this.bundleIdleTimeout = Number.isFinite(bit) && bit > 0 ? bit * 1000 : 10000;
    // As OVS: read before ports are opened; once on, it stays on until restart.
    if (ovs.map('other_config').get('userspace-tso-enable') === 'true') netdevLinuxSetUserspaceTso(true);
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
      const row = wanted.get(name);
      const type = row ? ofprotoNormalizeType(row.str('datapath_type') ?? '') : '';
      if (!row || type !== br.ofproto.type) {
        br.destroy();
        this.bridges.delete(name);
      }
    }
    for (const [name, row] of wanted) {
      let br = this.bridges.get(name);
      if (!br) {
        const dpType = row.str('datapath_type') ?? '';
        const r = Ofproto.create(name, dpType, { clock: timeMsec });
        if ('error' in r) {
          log.err(`failed to create bridge ${name}: ${strerror(r.error)}`);
          continue;
        }
        br = new Bridge(name, row.uuid, dpType, r.ofproto);
        this.bridges.set(name, br);
        try {
          await br.connmgr.setManagementSocket(join(ovsRundir(), `${name}.mgmt`));
        } catch (e) {
          log.err(`bridge ${name}: could not create management socket (${(e as Error).message})`);
        }
      }
      br.uuid = row.uuid;
      await this.reconfigureBridge(br, row, ovs);
    }
    await this.writeStatus(ovs);
  }

  private async reconfigureBridge(br: Bridge, row: IdlRow, ovs: IdlRow): Promise<void> {
    const protocols = row.get('protocols').keys as string[];
    br.connmgr.allowedVersions = protocols.length
      ? protocols.reduce((m, p) => m | (PROTOCOL_BITS[p] ?? 0), 0) : DEFAULT_VERSIONS;
    const failMode = row.str('fail_mode') === 'secure' ? 'secure' : 'standalone';
    br.failMode = failMode;
    br.openflow.setFailMode(failMode);

    this.reconfigureIfaces(br, row);
    br.openflow.refreshPorts();
    this.reconfigurePorts(br, row);
    this.reconfigureDatapathId(br, row);
    this.reconfigureTables(br, row);

    const oc = row.map('other_config');
    const aging = Number.parseInt(oc.get('mac-aging-time') ?? '', 10);
    const size = Number.parseInt(oc.get('mac-table-size') ?? '', 10);
    br.dpif.setMacTableConfig(Number.isFinite(aging) && aging > 0 ? aging : 300, Number.isFinite(size) && size > 0 ? size : 8192);
    br.dpif.setForwardBpdu(oc.get('forward-bpdu') === 'true');
    const flood = row.get('flood_vlans').keys as number[];
    br.dpif.setFloodVlans(flood.length ? flood.map(Number) : null);

    // Controllers.
    const disableInBand = oc.get('disable-in-band') === 'true';
    const controllers: ControllerConfig[] = row.refs('controller').map((c) => ({
      target: c.str('target') ?? '',
      probeInterval: c.int('inactivity_probe') ?? 5000,
      maxBackoff: c.int('max_backoff') ?? 8000,
      inBand: !disableInBand && (c.str('connection_mode') ?? 'in-band') === 'in-band',
    })).filter((c) => c.target);
    await br.openflow.setControllers(controllers);
    void ovs;
  }

  /** Creates, re-creates and deletes interfaces to match the database. */
  private reconfigureIfaces(br: Bridge, row: IdlRow): void {
    // OVS walks the wanted ports as an shash keyed by name: creation order (and so dummy
    // devices' MACs and automatic port numbers) follows hash_string() of the names.
    const ports = new Map<string, IdlRow>();
    for (const p of row.refs('ports')) {
      const pname = p.str('name');
      if (pname && !ports.has(pname)) ports.set(pname, p);
    }
    const wanted = new Map<string, IdlRow>();
    for (const pname of hmapOrder([...ports.keys()], (n) => hashString(n, 0))) {
      for (const i of ports.get(pname)!.refs('interfaces')) {
        const iname = i.str('name');
        if (iname && !wanted.has(iname)) wanted.set(iname, i);
      }
    }
    // Port numbers interfaces ask for: a port holding one that another interface asks for gives it up.
    const requested = new Map<number, string>();
    for (const [iname, cfg] of wanted) {
      const r = cfg.int('ofport_request');
      if (r !== null && r > 0 && r < 0xff00 && !requested.has(r)) requested.set(r, iname);
    }
    for (const [iname, iface] of [...br.ifaces]) {
      const cfg = wanted.get(iname);
      if (!cfg) { br.removeIface(iface); continue; }
      const type = cfg.str('type') ?? '';
      if (type !== iface.type) { br.removeIface(iface); continue; }
      // A port removed from the datapath behind our back is added back (as OVS's port poll).
      const odp = iface.ofport > 0 ? br.dpif.xbridge.ports.get(iface.ofport)?.odpPort : undefined;
      if (odp !== undefined && br.backer.portVanished(odp)) { br.removeIface(iface); continue; }
      const request = cfg.int('ofport_request');
      const wantedBy = requested.get(iface.ofport);
      if ((iface.ofport > 0 && request !== null && request !== iface.ofport && request > 0 && request < 0xff00)
          || (wantedBy !== undefined && wantedBy !== iname)) {
        // A new port number needs the port to be added again (as OVS re-adds it); ports trading
        // numbers are all removed before any is added back.
        br.removeIface(iface);
      }
    }
    // Interfaces that ask for a port number are placed first, so they get it.
    const asks = (cfg: IdlRow): boolean => { const r = cfg.int('ofport_request'); return r !== null && r > 0 && r < 0xff00; };
    const order = [...wanted.entries()].sort(([, a], [, b]) => Number(asks(b)) - Number(asks(a)));
    for (const [iname, cfg] of order) {
      let iface = br.ifaces.get(iname);
      if (!iface) {
        iface = this.createIface(br, iname, cfg);
        br.ifaces.set(iname, iface);
      } else if (iface.netdev && netdevVportIsTunnel(iface.netdev)
                 && JSON.stringify(Object.fromEntries(cfg.map('options'))) !== iface.optionsKey) {
        // New tunnel options may change the shared datapath port: add the port again.
        br.removeIface(iface);
        br.ifaces.set(iname, this.createIface(br, iname, cfg));
      } else if (iface.netdev) {
        this.applyOptions(iface, cfg);
      }
    }
  }

  /** The netdev type an interface opens as (dpif_port_open_type). */
  private netdevType(br: Bridge, type: string): string {
    const t = type || 'system';
    if (t === 'internal') {
      if (br.ofproto.type === 'dummy') return 'dummy-internal';
      if (br.ofproto.type === 'netdev') return 'tap';
    }
    return t;
  }

  /** True for names the datapaths keep for themselves (netdev_is_reserved_name):
   * tunnel ports' datapath names and "ovs-" followed by a datapath type. */
  private isReservedName(name: string): boolean {
    if (TUNNEL_DPIF_PORTS.some((p) => name.startsWith(p))) return true;
    const dpTypes = this.opts.enableDummy ? ['dummy', 'netdev', 'system'] : ['netdev', 'system'];
    return name.startsWith('ovs-') && dpTypes.includes(name.slice(4));
  }

  private createIface(br: Bridge, name: string, cfg: IdlRow): Iface {
    const type = cfg.str('type') ?? '';
    const iface: Iface = { name, type, netdevType: this.netdevType(br, type), netdev: null, ofport: -1, error: null, optionsKey: '' };
    if (this.isReservedName(name)) {
      // As OVS: a warning, and the record's error column left empty.
      log.warn(`could not create interface ${name}, name is reserved`);
      iface.error = '';
      return iface;
    }
    const nd = netdevOpen(name, iface.netdevType);
    if (typeof nd === 'number') {
      iface.error = `could not open network device ${name} (${strerror(nd)})`;
      log.warn(iface.error);
      return iface;
    }
    iface.netdev = nd;
    const err = this.applyOptions(iface, cfg);
    if (err) {
      iface.error = err;
      netdevClose(nd);
      iface.netdev = null;
      return iface;
    }
    const mac = parseMac(cfg.str('mac') ?? undefined);
    if (mac !== null && name !== br.name) netdevSetEtherAddr(nd, mac);
    const mtuRequest = cfg.int('mtu_request');
    if (mtuRequest !== null && mtuRequest > 0) nd.mtuUserConfig = mtuRequest;
    // The requested number, else the one it had before (iface_pick_ofport).
    const previous = cfg.int('ofport');
    const request = cfg.int('ofport_request') ?? (previous !== null && previous > 0 && previous < 0xff00 ? previous : null);
    const r = br.dpif.portAdd(name, nd, phyPortOf(nd), request);
    if (typeof r === 'string') {
      iface.error = r;
      log.warn(r);
      netdevClose(nd);
      iface.netdev = null;
      return iface;
    }
    iface.ofport = r;
    const xport = br.dpif.xbridge.ports.get(r);
    // A tunnel's datapath port is shared by its tunnels: ofproto/tunnel.ts finds the port.
    if (xport && !xport.isTunnel) br.backer.bind(xport.odpPort, br.dpif, r);
    log.info(`bridge ${br.name}: added interface ${name} on port ${r}`);
    return iface;
  }

  /** Applies Interface options to the netdev; an error text if they were refused. */
  private applyOptions(iface: Iface, cfg: IdlRow): string | null {
    const options = Object.fromEntries(cfg.map('options'));
    const key = JSON.stringify(options);
    if (key === iface.optionsKey || !iface.netdev) return null;
    iface.optionsKey = key;
    const err = netdevSetConfig(iface.netdev, options);
    return err ? `could not configure network device ${iface.name} (${err})` : null;
  }

  /** Makes each Port row an ofproto-dpif bundle with its VLAN settings. */
  private reconfigurePorts(br: Bridge, row: IdlRow): void {
    const wanted = new Map<string, IdlRow>();
    for (const p of row.refs('ports')) {
      const pname = p.str('name');
      if (pname && !wanted.has(pname)) wanted.set(pname, p);
    }
    for (const [pname, port] of [...br.ports]) {
      if (!wanted.has(pname)) {
        br.dpif.bundleRemove(port.handle);
        br.ports.delete(pname);
      }
    }
    for (const [pname, p] of wanted) {
      let port = br.ports.get(pname);
      if (!port) {
        port = { name: pname, uuid: p.uuid, ifaces: [], handle: { port: pname }, settingsKey: '' };
        br.ports.set(pname, port);
      }
      port.uuid = p.uuid;
      port.ifaces = p.refs('interfaces').map((i) => br.ifaces.get(i.str('name') ?? '')).filter((i): i is Iface => !!i);
      const tag = p.int('tag');
      const trunks = (p.get('trunks').keys as number[]).map(Number);
      let vlanMode = (p.str('vlan_mode') ?? '') as VlanMode | '';
      if (!vlanMode) vlanMode = tag !== null ? 'access' : 'trunk';
      const s: BundleSettings = {
        name: pname, slaves: port.ifaces.filter((i) => i.ofport > 0).map((i) => i.ofport), vlanMode,
        vlan: tag ?? -1, trunks: trunks.length ? trunks : null,
        cvlans: (p.get('cvlans').keys as number[]).map(Number),
        protected: p.bool('protected') ?? false,
      };
      if (!s.cvlans!.length) s.cvlans = null;
      const key = JSON.stringify(s);
      if (key !== port.settingsKey) {
        port.settingsKey = key;
        br.dpif.bundleSet(port.handle, s);
      }
    }
  }

  /** The bridge's MAC and datapath ID (bridge_pick_local_hw_addr, bridge_pick_datapath_id). */
  private reconfigureDatapathId(br: Bridge, row: IdlRow): void {
    const oc = row.map('other_config');
    let hwaddr = parseMac(oc.get('hwaddr'));
    if (hwaddr !== null && (isMulticast(hwaddr) || hwaddr === 0)) hwaddr = null;
    let fromIface = false;
    if (hwaddr === null) {
      let best: number | null = null;
      for (const iface of br.ifaces.values()) {
        if (iface.name === br.name || !iface.netdev || iface.type === 'internal') continue;
        const mac = netdevGetEtherAddr(iface.netdev);
        if (mac <= 0 || isMulticast(mac)) continue;
        if (best === null || mac < best) best = mac;
      }
      if (best !== null) { hwaddr = best; fromIface = true; }
    }
    const local = br.ifaces.get(br.name);
    if (hwaddr === null) hwaddr = macFromName(br.name);
    if (local?.netdev && br.hwaddrChanged(macText(hwaddr)) && netdevGetEtherAddr(local.netdev) !== hwaddr) {
      netdevSetEtherAddr(local.netdev, hwaddr);
    }
    const dpidText = oc.get('datapath-id');
    let dpid: bigint;
    if (dpidText && /^(0x)?[0-9a-fA-F]{16}$/.test(dpidText)) dpid = BigInt('0x' + dpidText.replace(/^0x/, ''));
    else if (fromIface || oc.has('hwaddr')) dpid = BigInt(hwaddr);
    else dpid = BigInt(macFromName(`dpid:${br.name}`)) & 0xffffffffffffn;
    br.setDatapathId(dpid);
  }

  /** Flow_Table rows: names, flow limits, eviction and prefix fields (bridge_configure_tables). */
  private reconfigureTables(br: Bridge, row: IdlRow): void {
    const cfgs = new Map<number, IdlRow>();
    const d = row.get('flow_tables');
    for (let i = 0; i < d.keys.length; i++) {
      const r = this.idl.getRow('Flow_Table', String(d.values![i]));
      if (r) cfgs.set(Number(d.keys[i]), r);
    }
    const n = br.ofproto.nTables;
    for (let t = 0; t < n - 1; t++) {
      const cfg = cfgs.get(t);
      const groups: { off: number; nBytes: number }[] = [];
      for (const g of (cfg?.get('groups').keys as string[] | undefined) ?? []) {
        const sf = parseSubfield(g);
        if (typeof sf === 'string') {
          log.warn(`bridge ${br.name} table ${t}: error parsing groups string "${g}"`);
          continue;
        }
        groups.push({ off: sf.field.off, nBytes: sf.field.size });
      }
      const prefixes = cfg?.get('prefixes').keys as string[] | undefined;
      const prefixFields = prefixes?.length
        ? prefixes.map((p) => mfFromName(p)?.id).filter((x): x is number => x !== undefined) : undefined;
      br.ofproto.configureTable(t, {
        name: cfg?.str('name') ?? null,
        maxFlows: cfg?.int('flow_limit') ?? 0xffffffff,
        enableEviction: cfg?.str('overflow_policy') === 'evict',
        groups,
        prefixFields,
      });
    }
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
    const nextCfg = ovs.int('next_cfg') ?? 0;
    set(ovs, 'ovs_version', datumSingle(OVS_VERSION));
    set(ovs, 'db_version', datumSingle(VSWITCH_SCHEMA_VERSION));
    set(ovs, 'datapath_types', setOf(this.opts.enableDummy ? ['dummy', 'netdev', 'system'] : ['netdev', 'system']));
    set(ovs, 'iface_types', setOf(netdevEnumerateTypes()));
    if ((ovs.int('cur_cfg') ?? 0) !== nextCfg) {
      set(ovs, 'cur_cfg', datumSingle(nextCfg));
    }
    const now = Date.now();
    const refreshStats = now - this.lastStats >= 5000;
    if (refreshStats) this.lastStats = now;

    for (const br of this.bridges.values()) {
      const brRow = this.idl.getRow('Bridge', br.uuid);
      if (!brRow) continue;
      set(brRow, 'datapath_id', datumSingle(br.datapathId.toString(16).padStart(16, '0')));
      for (const portRow of brRow.refs('ports')) {
        for (const ifRow of portRow.refs('interfaces')) {
          const iface = br.ifaces.get(ifRow.str('name') ?? '');
          if (!iface) continue;
          set(ifRow, 'ofport', datumSingle(iface.ofport));
          if (iface.error === '') {
            set(ifRow, 'error', datumEmpty(ifRow.table.col('error').type));
            continue;
          }
          if (iface.error || !iface.netdev) {
            set(ifRow, 'error', datumSingle(iface.error ?? 'could not open network device'));
            continue;
          }
          const nd = iface.netdev;
          set(ifRow, 'error', datumEmpty(ifRow.table.col('error').type));
          const mac = netdevGetEtherAddr(nd);
          if (mac >= 0) set(ifRow, 'mac_in_use', datumSingle(macText(mac)));
          const up = (netdevGetFlags(nd) & 1) !== 0;
          set(ifRow, 'admin_state', datumSingle(up ? 'up' : 'down'));
          set(ifRow, 'link_state', datumSingle(netdevGetCarrier(nd) ? 'up' : 'down'));
          const resets = netdevGetCarrierResets(nd);
          if (resets >= 0) set(ifRow, 'link_resets', datumSingle(resets));
          const mtu = netdevGetMtu(nd);
          if (mtu > 0) set(ifRow, 'mtu', datumSingle(mtu));
          const ifindex = netdevGetIfindex(nd);
          set(ifRow, 'ifindex', datumSingle(ifindex > 0 ? ifindex : 0));
          const st = netdevGetStatus(nd);
          set(ifRow, 'status', mapOf(Object.entries(st)));
          if (refreshStats || ifRow.get('statistics').keys.length === 0) {
            const stats = netdevGetStats(nd);
            if (typeof stats !== 'number') {
              const pairs: [string, number][] = [];
              for (const k of ['collisions', 'rx_bytes', 'rx_crc_err', 'rx_dropped', 'rx_errors', 'rx_frame_err',
                'rx_missed_errors', 'rx_over_err', 'rx_packets', 'tx_bytes', 'tx_dropped', 'tx_errors', 'tx_packets'] as const) {
                const src = k === 'rx_crc_err' ? 'rx_crc_errors' : k === 'rx_frame_err' ? 'rx_frame_errors'
                  : k === 'rx_over_err' ? 'rx_over_errors' : k;
                const v = (stats as unknown as Record<string, number>)[src];
                if (typeof v === 'number' && v >= 0 && v !== Number.MAX_SAFE_INTEGER) pairs.push([k, v]);
              }
              set(ifRow, 'statistics', mapOfInt(pairs));
            }
          }
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
    unixctlCommandRegister('bridge/dump-flows', '[--offload-stats] bridge', 1, 2, (args) => {
      const name = args[args.length - 1]!;
      const br = this.bridges.get(name);
      if (!br) throw new UnixctlError('Unknown bridge');
      return br.openflow.dumpAllFlows(args.includes('--offload-stats'));
    });
    unixctlCommandRegister('dpif/show', '', 0, 0, () => this.dpifShow());
    unixctlCommandRegister('ofproto/flush-flows', 'bridge', 1, 1, (args) => {
      const br = this.bridges.get(args[0]!);
      if (!br) throw new UnixctlError('no such bridge');
      br.ofproto.flushFlows();
    });
    void OFPRR_DELETE;
  }

  /** dpif/show: each datapath, its bridges and their ports (dpif_show_backer). */
  private dpifShow(): string {
    let out = '';
    const byBacker = new Map<DpifBacker, Bridge[]>();
    for (const br of [...this.bridges.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const list = byBacker.get(br.backer) ?? [];
      list.push(br);
      byBacker.set(br.backer, list);
    }
    for (const [backer, brs] of [...byBacker].sort(([a], [b]) => (a.type < b.type ? -1 : 1))) {
      let hit = 0, missed = 0;
      for (const br of brs) { hit += br.dpif.nHit; missed += br.dpif.nMissed; }
      out += `${backer.type}@${backer.name}: hit:${hit} missed:${missed}\n`;
      const odpTypes = new Map(backer.portList().map((p) => [p.name, p]));
      for (const br of brs) {
        out += `  ${br.name}:\n`;
        for (const iface of [...br.ifaces.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
          if (iface.ofport <= 0) continue;
          const odp = br.dpif.xbridge.ports.get(iface.ofport)?.odpPort ?? -1;
          if (odp >= 0 && backer.portVanished(odp)) continue;
          const t = odpTypes.get(iface.name)?.type ?? iface.netdevType;
          // The device's configuration as OVS prints it: "(vxlan: key=123, remote_ip=1.1.2.92)".
          const conf = iface.netdev ? Object.entries(netdevGetConfig(iface.netdev)).sort(([a], [b]) => (a < b ? -1 : 1)) : [];
          const confText = conf.length ? ': ' + conf.map(([k, v]) => `${k}=${v}`).join(', ') : '';
          out += `    ${iface.name} ${iface.ofport}/${odp}: (${t}${confText})\n`;
        }
      }
    }
    return out;
  }
}

function setOf(items: Atom[]): Datum {
  return new Datum([...new Set(items)].sort(), null);
}

function mapOf(pairs: [string, string][]): Datum {
  const sorted = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Datum(sorted.map((p) => p[0]), sorted.map((p) => p[1]));
}

function mapOfInt(pairs: [string, number][]): Datum {
  const sorted = [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Datum(sorted.map((p) => p[0]), sorted.map((p) => p[1]));
}

function datumKeyOf(d: Datum): string {
  return JSON.stringify([d.keys.map(String), d.values?.map(String) ?? null]);
}
