/* vsctl-commands: the ovs-vsctl commands that know the Open_vSwitch schema
 * (bridges, ports, interfaces, controllers, managers, SSL, Auto Attach,
 * conntrack zones, emer-reset), the row-naming rules and the "show" layout
 * (OVS's utilities/ovs-vsctl.c, minus main()).
 *
 * Most commands work on a cache of the bridge/port/interface tree built from
 * the replica (VsctlContext.populateCache): real bridges, "fake" bridges
 * (a port with fake_bridge=true and a VLAN tag, shown as a bridge of its
 * own), their ports and interfaces.  Commands that read a part of the tree
 * verify the columns they relied on, so that a concurrent change makes the
 * commit come back 'try-again' and the whole command line is re-run.
 *
 * ovs-vsctl.ts owns the command line and the IDL; db-ctl-base.ts supplies
 * the generic database commands.
 */
import { vlogModule } from '../lib/vlog.js';
import { ovsError } from '../lib/program.js';
import { ovsLogdir } from '../lib/dirs.js';
import { isActiveName, isPassiveName } from '../lib/stream.js';
import { type Datum, datumEmpty, datumFromUnsorted, datumFromUnsortedUnique, datumSingle } from '../ovsdb/datum.js';
import type { Atom } from '../ovsdb/types.js';
import type { Idl, IdlRow } from '../ovsdb/idl.js';
import type { IdlTxn } from '../ovsdb/idl-txn.js';
import type { SymbolTable } from '../ovsdb/atom.js';
import type { IdlClass, IdlTable } from '../ovsdb/idl-schema.js';
import {
  CtlContext, CtlError, CtlExit, type CtlCommand, type CtlCommandSyntax, type CtlRowId, type CmdShowTable,
  ctlSetColumn,
} from './db-ctl-base.js';

const log = vlogModule('vsctl');

/* ---- Schema handles and small datum helpers. ---- */

let cls: IdlClass;

function tbl(name: string): IdlTable { return cls.tbl(name); }

/** Sets up the schema the commands work on. */
export function vsctlCommandsInit(c: IdlClass): void { cls = c; }

function addColumns(idl: Idl, table: string, columns: string[]): void {
  const t = tbl(table);
  for (const c of columns) idl.addColumn(t.col(c));
}

function write(txn: IdlTxn, row: IdlRow, column: string, d: Datum): void {
  txn.write(row, row.table.col(column), d);
}

function setStr(txn: IdlTxn, row: IdlRow, column: string, s: string | null): void {
  const c = row.table.col(column);
  txn.write(row, c, s === null ? datumEmpty(c.type) : datumSingle(s));
}

function setAtom(txn: IdlTxn, row: IdlRow, column: string, a: Atom | null): void {
  const c = row.table.col(column);
  txn.write(row, c, a === null ? datumEmpty(c.type) : datumSingle(a));
}

function setRefs(txn: IdlTxn, row: IdlRow, column: string, rows: IdlRow[]): void {
  const c = row.table.col(column);
  txn.write(row, c, datumFromUnsortedUnique(rows.map((r) => r.uuid), null, c.type));
}

function setMap(txn: IdlTxn, row: IdlRow, column: string, m: Map<string, string>): void {
  const c = row.table.col(column);
  txn.write(row, c, datumFromUnsorted([...m.keys()], [...m.values()], c.type));
}

function verify(txn: IdlTxn | null, row: IdlRow, column: string): void {
  txn?.verify(row, row.table.col(column));
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function outputSorted(names: string[]): string {
  return names.sort(byteCompare).map((n) => n + '\n').join('');
}

/** OVS's process_escape_args(): words joined by spaces, quoted when needed. */
export function escapeArgs(args: string[]): string {
  return args.map((a) => (/[ \t\r\n\v\\'"]/.test(a) ? '"' + a.replace(/[\\"]/g, (c) => '\\' + c) + '"' : a)).join(' ');
}

/* ---- The bridge/port/interface cache. ---- */

interface VBridge {
  brCfg: IdlRow | null;
  name: string;
  ports: VPort[];
  children: Map<number, VBridge>;
  parent: VBridge | null;
  vlan: number;
}

interface VPort {
  ifaces: VIface[];
  portCfg: IdlRow;
  bridge: VBridge;
}

interface VIface {
  ifaceCfg: IdlRow;
  port: VPort;
}

/** Interfaces added by this run, checked once ovs-vswitchd has applied the change. */
const neotericIfaces: string[] = [];

/** ovs-vsctl's command context (OVS's struct vsctl_context). */
export class VsctlContext extends CtlContext {
  ovs: IdlRow | null = null;
  verifiedPorts = false;
  cacheValid = false;
  bridges = new Map<string, VBridge>();
  ports = new Map<string, VPort>();
  ifaces = new Map<string, VIface>();

  constructor(idl: Idl, txn: IdlTxn | null, symtab: SymbolTable | null, ovs: IdlRow | null) {
    super(idl, txn, symtab, (ctx) => (ctx as VsctlContext).invalidate());
    this.ovs = ovs;
  }

  override initCommand(command: CtlCommand, last: boolean): void {
    super.initCommand(command, last);
    this.verifiedPorts = false;
  }

  get o(): IdlRow { return this.ovs!; }

  invalidate(): void {
    if (!this.cacheValid) return;
    this.cacheValid = false;
    this.bridges = new Map();
    this.ports = new Map();
    this.ifaces = new Map();
  }

  verifyPorts(): void {
    if (this.verifiedPorts) return;
    verify(this.txn, this.o, 'bridges');
    for (const br of this.idl.rows('Bridge')) verify(this.txn, br, 'ports');
    for (const p of this.idl.rows('Port')) verify(this.txn, p, 'interfaces');
    this.verifiedPorts = true;
  }

  private addBridgeToCache(brCfg: IdlRow | null, name: string, parent: VBridge | null, vlan: number): VBridge {
    const br: VBridge = { brCfg, name, ports: [], children: new Map(), parent, vlan };
    if (parent) {
      const conflict = parent.children.get(vlan);
      if (conflict) {
        log.warn(`${parent.name}: bridge has multiple VLAN bridges (${name} and ${conflict.name}) for VLAN ${vlan}, but only one is allowed`);
      } else {
        parent.children.set(vlan, br);
      }
    }
    this.bridges.set(name, br);
    return br;
  }

  addPortToCache(parent: VBridge, portCfg: IdlRow): VPort {
    const tag = portCfg.int('tag');
    if (tag !== null && tag >= 0 && tag <= 4095) {
      const vb = parent.children.get(tag);
      if (vb) parent = vb;
    }
    const port: VPort = { ifaces: [], portCfg, bridge: parent };
    parent.ports.push(port);
    this.ports.set(portCfg.str('name') ?? '', port);
    return port;
  }

  addIfaceToCache(parent: VPort, ifaceCfg: IdlRow): VIface {
    const iface: VIface = { ifaceCfg, port: parent };
    parent.ifaces.push(iface);
    this.ifaces.set(ifaceCfg.str('name') ?? '', iface);
    return iface;
  }

  populateCache(): void {
    if (this.cacheValid) return;
    this.cacheValid = true;
    this.bridges = new Map();
    this.ports = new Map();
    this.ifaces = new Map();
    const brs = this.o.refs('bridges');
    let bridgeNames = new Set<string>();
    const portNames = new Set<string>();
    for (const brCfg of brs) {
      const name = brCfg.str('name') ?? '';
      if (bridgeNames.has(name)) {
        log.warn(`${name}: database contains duplicate bridge name`);
        continue;
      }
      bridgeNames.add(name);
      const br = this.addBridgeToCache(brCfg, name, null, 0);
      for (const portCfg of brCfg.refs('ports')) {
        const pn = portCfg.str('name') ?? '';
        if (portNames.has(pn)) continue;
        portNames.add(pn);
        if (portIsFakeBridge(portCfg) && !bridgeNames.has(pn)) {
          bridgeNames.add(pn);
          this.addBridgeToCache(null, pn, br, portCfg.int('tag')!);
        }
      }
    }
    bridgeNames = new Set();
    for (const brCfg of brs) {
      const name = brCfg.str('name') ?? '';
      if (bridgeNames.has(name)) continue;
      bridgeNames.add(name);
      const br = this.bridges.get(name)!;
      for (const portCfg of brCfg.refs('ports')) {
        const pn = portCfg.str('name') ?? '';
        const existing = this.ports.get(pn);
        if (existing) {
          if (existing.portCfg === portCfg) {
            log.warn(`${pn}: port is in multiple bridges (${br.name} and ${existing.bridge.name})`);
          } else {
            log.err(`${pn}: database contains duplicate port name`);
          }
          continue;
        }
        if (portIsFakeBridge(portCfg)) {
          if (bridgeNames.has(pn)) continue;
          bridgeNames.add(pn);
        }
        const port = this.addPortToCache(br, portCfg);
        for (const ifaceCfg of portCfg.refs('interfaces')) {
          const iname = ifaceCfg.str('name') ?? '';
          const ex = this.ifaces.get(iname);
          if (ex) {
            if (ex.ifaceCfg === ifaceCfg) {
              log.warn(`${iname}: interface is in multiple ports (${ex.port.portCfg.str('name')} and ${pn})`);
            } else {
              log.err(`${iname}: database contains duplicate interface name`);
            }
            continue;
          }
          this.addIfaceToCache(port, ifaceCfg);
        }
      }
    }
  }

  checkConflicts(name: string, msg: string): void {
    this.verifyPorts();
    if (this.bridges.has(name)) throw new CtlError(`${msg} because a bridge named ${name} already exists`);
    const port = this.ports.get(name);
    if (port) throw new CtlError(`${msg} because a port named ${name} already exists on bridge ${port.bridge.name}`);
    const iface = this.ifaces.get(name);
    if (iface) throw new CtlError(`${msg} because an interface named ${name} already exists on bridge ${iface.port.bridge.name}`);
  }

  findBridge(name: string, mustExist: true): VBridge;
  findBridge(name: string, mustExist: boolean): VBridge | null;
  findBridge(name: string, mustExist: boolean): VBridge | null {
    const br = this.bridges.get(name) ?? null;
    if (mustExist && !br) throw new CtlError(`no bridge named ${name}`);
    verify(this.txn, this.o, 'bridges');
    return br;
  }

  findRealBridge(name: string, mustExist: true): VBridge;
  findRealBridge(name: string, mustExist: boolean): VBridge | null {
    const br = this.findBridge(name, mustExist);
    if (br && br.parent) throw new CtlError(`${name} is a fake bridge`);
    return br;
  }

  findPort(name: string, mustExist: true): VPort;
  findPort(name: string, mustExist: boolean): VPort | null;
  findPort(name: string, mustExist: boolean): VPort | null {
    let port = this.ports.get(name) ?? null;
    if (port && name === port.bridge.name) port = null;
    if (mustExist && !port) throw new CtlError(`no port named ${name}`);
    this.verifyPorts();
    return port;
  }

  findIface(name: string, mustExist: true): VIface;
  findIface(name: string, mustExist: boolean): VIface | null;
  findIface(name: string, mustExist: boolean): VIface | null {
    let iface = this.ifaces.get(name) ?? null;
    if (iface && name === iface.port.bridge.name) iface = null;
    if (mustExist && !iface) throw new CtlError(`no interface named ${name}`);
    this.verifyPorts();
    return iface;
  }

  /** The options and arguments of the current command, as typed. */
  override toString(): string {
    return escapeArgs([...this.options.keys(), ...this.argv]);
  }
}

function portIsFakeBridge(portCfg: IdlRow): boolean {
  const tag = portCfg.int('tag');
  return portCfg.bool('fake_bridge') === true && tag !== null && tag >= 0 && tag <= 4095;
}

function V(ctx: CtlContext): VsctlContext { return ctx as VsctlContext; }

function removeRef(txn: IdlTxn, row: IdlRow, column: string, target: IdlRow): void {
  setRefs(txn, row, column, row.refs(column).filter((r) => r !== target));
}

function appendRef(txn: IdlTxn, row: IdlRow, column: string, target: IdlRow): void {
  setRefs(txn, row, column, [...row.refs(column), target]);
}

function delCachedBridge(ctx: VsctlContext, br: VBridge): void {
  if (br.parent) br.parent.children.delete(br.vlan);
  if (br.brCfg) {
    ctx.t.delete(br.brCfg);
    removeRef(ctx.t, ctx.o, 'bridges', br.brCfg);
  }
  ctx.bridges.delete(br.name);
}

function delCachedPort(ctx: VsctlContext, port: VPort): void {
  const i = port.bridge.ports.indexOf(port);
  if (i >= 0) port.bridge.ports.splice(i, 1);
  ctx.ports.delete(port.portCfg.str('name') ?? '');
  ctx.t.delete(port.portCfg);
}

function delCachedIface(ctx: VsctlContext, iface: VIface): void {
  const i = iface.port.ifaces.indexOf(iface);
  if (i >= 0) iface.port.ifaces.splice(i, 1);
  ctx.ifaces.delete(iface.ifaceCfg.str('name') ?? '');
  ctx.t.delete(iface.ifaceCfg);
}

/* ---- Prerequisites. ---- */

function preGetInfo(ctx: CtlContext): void {
  addColumns(ctx.idl, 'Open_vSwitch', ['bridges']);
  addColumns(ctx.idl, 'Bridge', ['name', 'controller', 'fail_mode', 'ports']);
  addColumns(ctx.idl, 'Port', ['name', 'fake_bridge', 'tag', 'interfaces']);
  addColumns(ctx.idl, 'Interface', ['name', 'ofport', 'error']);
}

function preCmdEmerReset(ctx: CtlContext): void {
  addColumns(ctx.idl, 'Open_vSwitch', ['manager_options', 'ssl']);
  addColumns(ctx.idl, 'Bridge', ['controller', 'fail_mode', 'mirrors', 'netflow', 'sflow', 'ipfix', 'flood_vlans', 'other_config']);
  addColumns(ctx.idl, 'Port', ['other_config']);
  addColumns(ctx.idl, 'Interface', ['ingress_policing_rate', 'ingress_policing_burst']);
}

function preBrExternalId(ctx: CtlContext): void {
  preGetInfo(ctx);
  addColumns(ctx.idl, 'Bridge', ['external_ids']);
  addColumns(ctx.idl, 'Port', ['external_ids']);
}

function preController(ctx: CtlContext): void {
  preGetInfo(ctx);
  addColumns(ctx.idl, 'Controller', ['target', 'inactivity_probe']);
}

function preManager(ctx: CtlContext): void {
  addColumns(ctx.idl, 'Open_vSwitch', ['manager_options']);
  addColumns(ctx.idl, 'Manager', ['target', 'inactivity_probe']);
}

function preGetSsl(ctx: CtlContext): void {
  addColumns(ctx.idl, 'Open_vSwitch', ['ssl']);
  addColumns(ctx.idl, 'SSL', ['private_key', 'certificate', 'ca_cert', 'bootstrap_ca_cert']);
}

function preSsl(ctx: CtlContext): void {
  addColumns(ctx.idl, 'Open_vSwitch', ['ssl']);
}

function preAaMapping(ctx: CtlContext): void {
  preGetInfo(ctx);
  addColumns(ctx.idl, 'Bridge', ['auto_attach']);
  addColumns(ctx.idl, 'AutoAttach', ['mappings']);
}

function preGetZone(ctx: CtlContext): void {
  addColumns(ctx.idl, 'Open_vSwitch', ['datapaths']);
  addColumns(ctx.idl, 'Datapath', ['ct_zones']);
  addColumns(ctx.idl, 'CT_Zone', ['timeout_policy']);
  addColumns(ctx.idl, 'CT_Timeout_Policy', ['timeouts']);
}

function preGetDpCap(ctx: CtlContext): void {
  addColumns(ctx.idl, 'Open_vSwitch', ['datapaths']);
  addColumns(ctx.idl, 'Datapath', ['capabilities']);
}

/* ---- Open vSwitch and bridge commands. ---- */

function cmdEmerReset(c: CtlContext): void {
  const ctx = V(c);
  const txn = ctx.t;
  setRefs(txn, ctx.o, 'manager_options', []);
  setRefs(txn, ctx.o, 'ssl', []);
  for (const br of ctx.idl.rowList('Bridge')) {
    setRefs(txn, br, 'controller', []);
    setStr(txn, br, 'fail_mode', null);
    setRefs(txn, br, 'mirrors', []);
    setRefs(txn, br, 'netflow', []);
    setRefs(txn, br, 'sflow', []);
    setRefs(txn, br, 'ipfix', []);
    write(txn, br, 'flood_vlans', datumEmpty(br.table.col('flood_vlans').type));
    // Only the "hwaddr" key of other_config survives.
    const hwaddr = br.map('other_config').get('hwaddr');
    setMap(txn, br, 'other_config', hwaddr !== undefined ? new Map([['hwaddr', hwaddr]]) : new Map());
  }
  for (const port of ctx.idl.rowList('Port')) setMap(txn, port, 'other_config', new Map());
  for (const iface of ctx.idl.rowList('Interface')) {
    setAtom(txn, iface, 'ingress_policing_rate', 0);
    setAtom(txn, iface, 'ingress_policing_burst', 0);
  }
  for (const t of ['Mirror', 'Controller', 'Manager', 'NetFlow', 'SSL', 'sFlow', 'IPFIX', 'Flow_Sample_Collector_Set']) {
    for (const row of ctx.idl.rowList(t)) txn.delete(row);
  }
  ctx.invalidate();
}

function cmdAddBr(c: CtlContext): void {
  const ctx = V(c);
  const mayExist = ctx.options.has('--may-exist');
  const brName = ctx.argv[1]!;
  if (!brName) throw new CtlError('bridge name must not be empty string');
  let parentName: string | null = null;
  let vlan = 0;
  if (ctx.argv.length === 2) {
    // A real bridge.
  } else if (ctx.argv.length === 4) {
    parentName = ctx.argv[2]!;
    vlan = atoi(ctx.argv[3]!);
    if (vlan < 0 || vlan > 4095) throw new CtlError(`${ctx.argv[0]}: vlan must be between 0 and 4095`);
  } else {
    throw new CtlError(`'${ctx.argv[0]}' command takes exactly 1 or 3 arguments`);
  }
  ctx.populateCache();
  if (mayExist) {
    const br = ctx.findBridge(brName, false);
    if (br) {
      if (!parentName) {
        if (br.parent) throw new CtlError(`"--may-exist add-br ${brName}" but ${brName} is a VLAN bridge for VLAN ${br.vlan}`);
      } else if (!br.parent) {
        throw new CtlError(`"--may-exist add-br ${brName} ${parentName} ${vlan}" but ${brName} is not a VLAN bridge`);
      } else if (br.parent.name !== parentName) {
        throw new CtlError(`"--may-exist add-br ${brName} ${parentName} ${vlan}" but ${brName} has the wrong parent ${br.parent.name}`);
      } else if (br.vlan !== vlan) {
        throw new CtlError(`"--may-exist add-br ${brName} ${parentName} ${vlan}" but ${brName} is a VLAN bridge for the wrong VLAN ${br.vlan}`);
      }
      return;
    }
  }
  ctx.checkConflicts(brName, `cannot create a bridge named ${brName}`);
  const txn = ctx.t;
  let iface: IdlRow;
  if (!parentName) {
    iface = txn.insert(tbl('Interface'));
    setStr(txn, iface, 'name', brName);
    setStr(txn, iface, 'type', 'internal');
    const port = txn.insert(tbl('Port'));
    setStr(txn, port, 'name', brName);
    setRefs(txn, port, 'interfaces', [iface]);
    const br = txn.insert(tbl('Bridge'));
    setStr(txn, br, 'name', brName);
    setRefs(txn, br, 'ports', [port]);
    appendRef(txn, ctx.o, 'bridges', br);
  } else {
    const parent = ctx.findBridge(parentName, false);
    if (parent && parent.parent) throw new CtlError('cannot create bridge with fake bridge as parent');
    if (!parent) throw new CtlError(`parent bridge ${parentName} does not exist`);
    const conflict = parent.children.get(vlan);
    if (conflict) throw new CtlError(`bridge ${parentName} already has a child VLAN bridge ${conflict.name} on VLAN ${vlan}`);
    const br = parent.brCfg!;
    iface = txn.insert(tbl('Interface'));
    setStr(txn, iface, 'name', brName);
    setStr(txn, iface, 'type', 'internal');
    const port = txn.insert(tbl('Port'));
    setStr(txn, port, 'name', brName);
    setRefs(txn, port, 'interfaces', [iface]);
    setAtom(txn, port, 'fake_bridge', true);
    setAtom(txn, port, 'tag', vlan);
    appendRef(txn, br, 'ports', port);
  }
  neotericIfaces.push(iface.uuid);
  ctx.invalidate();
}

/** C's atoi(): leading white space, sign and digits; 0 if none; wraps to 32 bits. */
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  return m ? Number(BigInt.asIntN(32, BigInt(m[1]!))) : 0;
}

function delPort(ctx: VsctlContext, port: VPort): void {
  const br = port.bridge.parent ? port.bridge.parent.brCfg! : port.bridge.brCfg!;
  removeRef(ctx.t, br, 'ports', port.portCfg);
  for (const iface of [...port.ifaces]) delCachedIface(ctx, iface);
  delCachedPort(ctx, port);
}

function delBridge(ctx: VsctlContext, br: VBridge): void {
  for (const child of [...br.children.values()]) delBridge(ctx, child);
  for (const port of [...br.ports]) delPort(ctx, port);
  for (const fscset of ctx.idl.rowList('Flow_Sample_Collector_Set')) {
    const b = fscset.get('bridge');
    if (br.brCfg && b.keys[0] === br.brCfg.uuid) ctx.t.delete(fscset);
  }
  delCachedBridge(ctx, br);
}

function cmdDelBr(c: CtlContext): void {
  const ctx = V(c);
  const mustExist = !ctx.options.has('--if-exists');
  ctx.populateCache();
  const br = ctx.findBridge(ctx.argv[1]!, mustExist);
  if (br) delBridge(ctx, br);
}

function cmdListBr(c: CtlContext): void {
  const ctx = V(c);
  let real = ctx.options.has('--real');
  let fake = ctx.options.has('--fake');
  if (!real && !fake) real = fake = true;
  ctx.populateCache();
  const names: string[] = [];
  for (const br of ctx.bridges.values()) if (br.parent ? fake : real) names.push(br.name);
  ctx.output += outputSorted(names);
}

function cmdBrExists(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  if (!ctx.findBridge(ctx.argv[1]!, false)) throw new CtlExit(2);
}

function setExternalId(old: Map<string, string>, key: string, value: string | null): Map<string, string> {
  const m = new Map(old);
  if (value !== null) m.set(key, value);
  else m.delete(key);
  return m;
}

function cmdBrSetExternalId(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  const br = ctx.findBridge(ctx.argv[1]!, true);
  const value = ctx.argv.length >= 4 ? ctx.argv[3]! : null;
  if (br.brCfg) {
    const m = setExternalId(br.brCfg.map('external_ids'), ctx.argv[2]!, value);
    verify(ctx.txn, br.brCfg, 'external_ids');
    setMap(ctx.t, br.brCfg, 'external_ids', m);
  } else {
    const port = ctx.ports.get(ctx.argv[1]!)!;
    const m = setExternalId(port.portCfg.map('external_ids'), `fake-bridge-${ctx.argv[2]}`, value);
    verify(ctx.txn, port.portCfg, 'external_ids');
    setMap(ctx.t, port.portCfg, 'external_ids', m);
  }
}

function getExternalId(m: Map<string, string>, prefix: string, key: string | null): string {
  if (key !== null) {
    const v = m.get(prefix + key);
    return v !== undefined ? v + '\n' : '';
  }
  let s = '';
  for (const k of [...m.keys()].sort(byteCompare)) {
    if (k.startsWith(prefix)) s += `${k.slice(prefix.length)}=${m.get(k)}\n`;
  }
  return s;
}

function cmdBrGetExternalId(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  const br = ctx.findBridge(ctx.argv[1]!, true);
  const key = ctx.argv.length >= 3 ? ctx.argv[2]! : null;
  if (br.brCfg) {
    verify(ctx.txn, br.brCfg, 'external_ids');
    ctx.output += getExternalId(br.brCfg.map('external_ids'), '', key);
  } else {
    const port = ctx.ports.get(ctx.argv[1]!)!;
    verify(ctx.txn, port.portCfg, 'external_ids');
    ctx.output += getExternalId(port.portCfg.map('external_ids'), 'fake-bridge-', key);
  }
}

function cmdListPorts(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  const br = ctx.findBridge(ctx.argv[1]!, true);
  verify(ctx.txn, br.brCfg ?? br.parent!.brCfg!, 'ports');
  const names: string[] = [];
  for (const p of br.ports) {
    const n = p.portCfg.str('name') ?? '';
    if (n !== br.name) names.push(n);
  }
  ctx.output += outputSorted(names);
}

function addPort(ctx: VsctlContext, brName: string, portName: string, mayExist: boolean, fakeIface: boolean,
                 ifaceNames: string[], settings: string[]): void {
  if (!portName) throw new CtlError('port name must not be empty string');
  for (const n of ifaceNames) if (!n) throw new CtlError('interface name must not be empty string');
  ctx.populateCache();
  if (mayExist) {
    const vp = ctx.findPort(portName, false);
    if (vp) {
      const want = [...ifaceNames].sort(byteCompare);
      const have = vp.portCfg.refs('interfaces').map((i) => i.str('name') ?? '').sort(byteCompare);
      if (vp.bridge.name !== brName) {
        throw new CtlError(`"${ctx.toString()}" but ${portName} is actually attached to bridge ${vp.bridge.name}`);
      }
      if (want.length !== have.length || want.some((w, i) => w !== have[i])) {
        throw new CtlError(`"${ctx.toString()}" but ${portName} actually has interface(s) ${have.join(', ')}`);
      }
      return;
    }
  }
  ctx.checkConflicts(portName, `cannot create a port named ${portName}`);
  for (const n of ifaceNames) ctx.checkConflicts(n, `cannot create an interface named ${n}`);
  const bridge = ctx.findBridge(brName, true);
  const txn = ctx.t;
  const ifaces = ifaceNames.map((n) => {
    const iface = txn.insert(tbl('Interface'));
    setStr(txn, iface, 'name', n);
    neotericIfaces.push(iface.uuid);
    return iface;
  });
  const port = txn.insert(tbl('Port'));
  setStr(txn, port, 'name', portName);
  setRefs(txn, port, 'interfaces', ifaces);
  setAtom(txn, port, 'bond_fake_iface', fakeIface);
  if (bridge.parent) setAtom(txn, port, 'tag', bridge.vlan);
  for (const s of settings) ctlSetColumn('Port', port, s, ctx);
  appendRef(txn, bridge.parent ? bridge.parent.brCfg! : bridge.brCfg!, 'ports', port);
  const vp = ctx.addPortToCache(bridge, port);
  for (const i of ifaces) ctx.addIfaceToCache(vp, i);
}

function cmdAddPort(c: CtlContext): void {
  const ctx = V(c);
  addPort(ctx, ctx.argv[1]!, ctx.argv[2]!, ctx.options.has('--may-exist'), false, [ctx.argv[2]!], ctx.argv.slice(3));
}

function cmdAddBond(c: CtlContext): void {
  const ctx = V(c);
  let nIfaces = ctx.argv.length - 3;
  for (let i = 3; i < ctx.argv.length; i++) {
    if (ctx.argv[i]!.includes('=')) { nIfaces = i - 3; break; }
  }
  if (nIfaces < 2) throw new CtlError(`add-bond requires at least 2 interfaces, but only ${nIfaces} were specified`);
  addPort(ctx, ctx.argv[1]!, ctx.argv[2]!, ctx.options.has('--may-exist'), ctx.options.has('--fake-iface'),
    ctx.argv.slice(3, 3 + nIfaces), ctx.argv.slice(3 + nIfaces));
}

function cmdAddBondIface(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  const mayExist = ctx.options.has('--may-exist');
  const port = ctx.findPort(ctx.argv[1]!, true);
  const ifaceName = ctx.argv[2]!;
  if (mayExist) {
    const iface = ctx.findIface(ifaceName, false);
    if (iface) {
      if (iface.port === port) return;
      throw new CtlError(`"${ctx.toString()}" but ${ifaceName} is actually attached to port ${iface.port.portCfg.str('name')}`);
    }
  }
  ctx.checkConflicts(ifaceName, `cannot create an interface named ${ifaceName}`);
  const txn = ctx.t;
  const iface = txn.insert(tbl('Interface'));
  setStr(txn, iface, 'name', ifaceName);
  txn.writePartialSet(port.portCfg, port.portCfg.table.col('interfaces'), datumSingle(iface.uuid));
  neotericIfaces.push(iface.uuid);
  ctx.addIfaceToCache(port, iface);
}

function cmdDelBondIface(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  const ifaceName = ctx.argv[ctx.argv.length - 1]!;
  const mustExist = !ctx.options.has('--if-exists');
  const iface = ctx.findIface(ifaceName, mustExist);
  if (!iface) return;
  if (ctx.argv.length > 2) {
    const portName = ctx.argv[1]!;
    const port = ctx.findPort(portName, true);
    if (iface.port !== port) throw new CtlError(`port ${portName} does not have an interface ${ifaceName}`);
  }
  if (iface.port.ifaces.length <= 1) {
    throw new CtlError(`cannot delete last interface from port ${iface.port.portCfg.str('name')}`);
  }
  ctx.t.deletePartialSet(iface.port.portCfg, iface.port.portCfg.table.col('interfaces'), datumSingle(iface.ifaceCfg.uuid));
  delCachedIface(ctx, iface);
}

function cmdDelPort(c: CtlContext): void {
  const ctx = V(c);
  const mustExist = !ctx.options.has('--if-exists');
  const withIface = ctx.options.has('--with-iface');
  const target = ctx.argv[ctx.argv.length - 1]!;
  ctx.populateCache();
  let port: VPort | null;
  if (ctx.findBridge(target, false)) {
    if (mustExist) {
      throw new CtlError(`cannot delete port ${target} because it is the local port for bridge ${target} (deleting this port requires deleting the entire bridge)`);
    }
    port = null;
  } else if (!withIface) {
    port = ctx.findPort(target, mustExist);
  } else {
    port = ctx.findPort(target, false);
    if (!port) {
      const iface = ctx.findIface(target, false);
      if (iface) port = iface.port;
    }
    if (mustExist && !port) throw new CtlError(`no port or interface named ${target}`);
  }
  if (port) {
    if (ctx.argv.length === 3) {
      const bridge = ctx.findBridge(ctx.argv[1]!, true);
      if (port.bridge !== bridge) {
        if (port.bridge.parent === bridge) {
          throw new CtlError(`bridge ${ctx.argv[1]} does not have a port ${ctx.argv[2]} (although its child bridge ${port.bridge.name} does)`);
        }
        throw new CtlError(`bridge ${ctx.argv[1]} does not have a port ${ctx.argv[2]}`);
      }
    }
    delPort(ctx, port);
  }
}

function cmdPortToBr(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  ctx.output += ctx.findPort(ctx.argv[1]!, true).bridge.name + '\n';
}

function cmdBrToVlan(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  ctx.output += `${ctx.findBridge(ctx.argv[1]!, true).vlan}\n`;
}

function cmdBrToParent(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  let br = ctx.findBridge(ctx.argv[1]!, true);
  if (br.parent) br = br.parent;
  ctx.output += br.name + '\n';
}

function cmdListIfaces(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  const br = ctx.findBridge(ctx.argv[1]!, true);
  ctx.verifyPorts();
  const names: string[] = [];
  for (const p of br.ports) {
    for (const i of p.ifaces) {
      const n = i.ifaceCfg.str('name') ?? '';
      if (n !== br.name) names.push(n);
    }
  }
  ctx.output += outputSorted(names);
}

function cmdIfaceToBr(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  ctx.output += ctx.findIface(ctx.argv[1]!, true).port.bridge.name + '\n';
}

/* ---- Controllers and fail mode. ---- */

function verifyControllers(txn: IdlTxn | null, br: IdlRow): void {
  verify(txn, br, 'controller');
  for (const c of br.refs('controller')) verify(txn, c, 'target');
}

function cmdGetController(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  let br = ctx.findBridge(ctx.argv[1]!, true);
  if (br.parent) br = br.parent;
  verifyControllers(ctx.txn, br.brCfg!);
  ctx.output += outputSorted(br.brCfg!.refs('controller').map((r) => r.str('target') ?? ''));
}

function cmdDelController(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  const br = ctx.findRealBridge(ctx.argv[1]!, true).brCfg!;
  verifyControllers(ctx.txn, br);
  const ctrls = br.refs('controller');
  if (br.get('controller').keys.length) {
    for (const r of ctrls) ctx.t.delete(r);
    setRefs(ctx.t, br, 'controller', []);
  }
}

function warnIfErroneous(target: string, active: (s: string) => boolean, passive: (s: string) => boolean): void {
  if (!active(target) && !passive(target)) log.warn(`target type "${target}" is possibly erroneous`);
}

function isVconnActive(s: string): boolean { return /^(tcp|ssl|unix):/.test(s); }
function isVconnPassive(s: string): boolean { return /^(ptcp|pssl|punix):/.test(s); }

function cmdSetController(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  const br = ctx.findRealBridge(ctx.argv[1]!, true).brCfg!;
  verifyControllers(ctx.txn, br);
  for (const r of br.refs('controller')) ctx.t.delete(r);
  const probe = ctx.options.get('--inactivity-probe');
  const ctrls = ctx.argv.slice(2).map((target) => {
    warnIfErroneous(target, isVconnActive, isVconnPassive);
    const row = ctx.t.insert(tbl('Controller'));
    setStr(ctx.t, row, 'target', target);
    if (probe !== undefined && probe !== null) setAtom(ctx.t, row, 'inactivity_probe', atoll(probe));
    return row;
  });
  setRefs(ctx.t, br, 'controller', ctrls);
}

/** C's atoll(). */
function atoll(s: string): number | bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  const v = BigInt.asIntN(64, BigInt(m[1]!));
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

function cmdGetFailMode(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  let br = ctx.findBridge(ctx.argv[1]!, true);
  if (br.parent) br = br.parent;
  verify(ctx.txn, br.brCfg!, 'fail_mode');
  const mode = br.brCfg!.str('fail_mode');
  if (mode) ctx.output += mode + '\n';
}

function cmdDelFailMode(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  const br = ctx.findRealBridge(ctx.argv[1]!, true);
  setStr(ctx.t, br.brCfg!, 'fail_mode', null);
}

function cmdSetFailMode(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  const br = ctx.findRealBridge(ctx.argv[1]!, true);
  const mode = ctx.argv[2]!;
  if (mode !== 'standalone' && mode !== 'secure') throw new CtlError('fail-mode must be "standalone" or "secure"');
  setStr(ctx.t, br.brCfg!, 'fail_mode', mode);
}

/* ---- Managers. ---- */

function verifyManagers(txn: IdlTxn | null, ovs: IdlRow): void {
  verify(txn, ovs, 'manager_options');
  for (const m of ovs.refs('manager_options')) verify(txn, m, 'target');
}

function cmdGetManager(c: CtlContext): void {
  const ctx = V(c);
  verifyManagers(ctx.txn, ctx.o);
  const targets = [...new Set(ctx.o.refs('manager_options').map((m) => m.str('target') ?? ''))];
  ctx.output += outputSorted(targets);
}

function deleteManagers(ctx: VsctlContext): void {
  for (const m of ctx.o.refs('manager_options')) ctx.t.delete(m);
  setRefs(ctx.t, ctx.o, 'manager_options', []);
}

function cmdDelManager(c: CtlContext): void {
  const ctx = V(c);
  verifyManagers(ctx.txn, ctx.o);
  deleteManagers(ctx);
}

function cmdSetManager(c: CtlContext): void {
  const ctx = V(c);
  verifyManagers(ctx.txn, ctx.o);
  deleteManagers(ctx);
  const probe = ctx.options.get('--inactivity-probe');
  const mgrs = ctx.argv.slice(1).map((target) => {
    warnIfErroneous(target, isActiveName, isPassiveName);
    const row = ctx.t.insert(tbl('Manager'));
    setStr(ctx.t, row, 'target', target);
    if (probe !== undefined && probe !== null) setAtom(ctx.t, row, 'inactivity_probe', atoll(probe));
    return row;
  });
  setRefs(ctx.t, ctx.o, 'manager_options', mgrs);
}

/* ---- SSL. ---- */

function cmdGetSsl(c: CtlContext): void {
  const ctx = V(c);
  const ssl = ctx.o.ref('ssl');
  verify(ctx.txn, ctx.o, 'ssl');
  if (ssl) {
    for (const col of ['private_key', 'certificate', 'ca_cert', 'bootstrap_ca_cert']) verify(ctx.txn, ssl, col);
    ctx.output += `Private key: ${ssl.str('private_key')}\n`;
    ctx.output += `Certificate: ${ssl.str('certificate')}\n`;
    ctx.output += `CA Certificate: ${ssl.str('ca_cert')}\n`;
    ctx.output += `Bootstrap: ${ssl.bool('bootstrap_ca_cert') ? 'true' : 'false'}\n`;
  }
}

function cmdDelSsl(c: CtlContext): void {
  const ctx = V(c);
  const ssl = ctx.o.ref('ssl');
  if (ssl) {
    verify(ctx.txn, ctx.o, 'ssl');
    ctx.t.delete(ssl);
    setRefs(ctx.t, ctx.o, 'ssl', []);
  }
}

function cmdSetSsl(c: CtlContext): void {
  const ctx = V(c);
  const bootstrap = ctx.options.has('--bootstrap');
  const old = ctx.o.ref('ssl');
  verify(ctx.txn, ctx.o, 'ssl');
  if (old) ctx.t.delete(old);
  const ssl = ctx.t.insert(tbl('SSL'));
  setStr(ctx.t, ssl, 'private_key', ctx.argv[1]!);
  setStr(ctx.t, ssl, 'certificate', ctx.argv[2]!);
  setStr(ctx.t, ssl, 'ca_cert', ctx.argv[3]!);
  setAtom(ctx.t, ssl, 'bootstrap_ca_cert', bootstrap);
  setRefs(ctx.t, ctx.o, 'ssl', [ssl]);
}

/* ---- Auto Attach. ---- */

/** C's strtoull(s, &end, 10) as the aa-mapping commands use it: null if no digits. */
function strtoullArg(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(s);
  if (!m) return null;
  const v = BigInt.asIntN(64, (m[1] === '-' ? -1n : 1n) * BigInt(m[2]!));
  return Number(v);
}

function aaArgs(ctx: VsctlContext): [number, number] {
  const isid = strtoullArg(ctx.argv[2]!);
  if (isid === null) throw new CtlError(`Invalid argument ${ctx.argv[2]}`);
  const vlan = strtoullArg(ctx.argv[3]!);
  if (vlan === null) throw new CtlError(`Invalid argument ${ctx.argv[3]}`);
  return [isid, vlan];
}

function aaMappings(aa: IdlRow): [number[], number[]] {
  const d = aa.get('mappings');
  return [d.keys.map(Number), d.values!.map(Number)];
}

function setAaMappings(txn: IdlTxn, aa: IdlRow, keys: number[], values: number[]): void {
  const c = aa.table.col('mappings');
  txn.write(aa, c, datumFromUnsortedUnique(keys, values, c.type));
}

function cmdAddAaMapping(c: CtlContext): void {
  const ctx = V(c);
  const [isid, vlan] = aaArgs(ctx);
  ctx.populateCache();
  let br = ctx.findBridge(ctx.argv[1]!, true);
  if (br.parent) br = br.parent;
  if (br.brCfg) {
    let aa = br.brCfg.ref('auto_attach');
    if (!aa) {
      aa = ctx.t.insert(tbl('AutoAttach'));
      setRefs(ctx.t, br.brCfg, 'auto_attach', [aa]);
    }
    const [k, v] = aaMappings(aa);
    setAaMappings(ctx.t, aa, [...k, isid], [...v, vlan]);
  }
}

function cmdDelAaMapping(c: CtlContext): void {
  const ctx = V(c);
  const [isid, vlan] = aaArgs(ctx);
  ctx.populateCache();
  let br = ctx.findBridge(ctx.argv[1]!, true);
  if (br.parent) br = br.parent;
  const aa = br.brCfg?.ref('auto_attach');
  if (!aa) return;
  const [k, v] = aaMappings(aa);
  for (let i = 0; i < k.length; i++) {
    if (k[i] === isid && v[i] === vlan) {
      // As OVS does: keep only pairs matching neither the I-SID nor the VLAN.
      const keep = k.map((_, j) => j).filter((j) => k[j] !== isid && v[j] !== vlan);
      setAaMappings(ctx.t, aa, keep.map((j) => k[j]!), keep.map((j) => v[j]!));
      break;
    }
  }
}

function cmdGetAaMapping(c: CtlContext): void {
  const ctx = V(c);
  ctx.populateCache();
  let br = ctx.findBridge(ctx.argv[1]!, true);
  if (br.parent) br = br.parent;
  if (br.brCfg) {
    verify(ctx.txn, br.brCfg, 'auto_attach');
    const aa = br.brCfg.ref('auto_attach');
    if (aa) {
      verify(ctx.txn, aa, 'mappings');
      const [k, v] = aaMappings(aa);
      for (let i = 0; i < k.length; i++) ctx.output += `${k[i]} ${v[i]}\n`;
    }
  }
}

/* ---- Conntrack zones and datapath capabilities. ---- */

function findDatapath(ctx: VsctlContext, name: string): IdlRow | null {
  const d = ctx.o.get('datapaths');
  const i = d.keys.indexOf(name);
  return i >= 0 ? ctx.idl.getRow('Datapath', d.values![i] as string) : null;
}

function findCtZone(dp: IdlRow, zone: number): IdlRow | null {
  const d = dp.get('ct_zones');
  const i = d.keys.findIndex((k) => Number(k) === zone);
  return i >= 0 ? dp.tableState.idl.getRow('CT_Zone', d.values![i] as string) : null;
}

function parseZoneArg(s: string): number {
  const m = /^zone=([+-]?(?:0x[0-9a-fA-F]+|0[0-7]*|[1-9]\d*))/.exec(s);
  return m ? Number(m[1]!.startsWith('0x') || m[1]!.startsWith('-0x') ? parseInt(m[1]!, 16) : m[1]!.startsWith('0') && m[1] !== '0' ? parseInt(m[1]!, 8) : Number(m[1])) : 0;
}

function cmdAddZoneTp(c: CtlContext): void {
  const ctx = V(c);
  const dpName = ctx.argv[1]!;
  const zoneId = parseZoneArg(ctx.argv[2]!);
  const mayExist = ctx.options.has('--may-exist');
  const dp = findDatapath(ctx, dpName);
  if (!dp) throw new CtlError(`datapath ${dpName} does not exist`);
  const nTps = ctx.argv.length - 3;
  let zone = findCtZone(dp, zoneId);
  if (nTps <= 0) throw new CtlError('No timeout policy');
  if (zone && !mayExist) throw new CtlError(`zone id ${zoneId} already exists`);
  const wanted = new Map<string, number>();
  for (const a of ctx.argv.slice(3)) {
    const eq = a.indexOf('=');
    if (eq < 0) break;
    wanted.set(a.slice(0, eq), Number(BigInt.asUintN(32, BigInt(atoi(a.slice(eq + 1))))));
  }
  let tp: IdlRow | null = null;
  for (const row of ctx.idl.rows('CT_Timeout_Policy')) {
    const d = row.get('timeouts');
    if (d.keys.length === wanted.size && d.keys.every((k, i) => wanted.get(k as string) === Number(d.values![i]))) {
      tp = row;
      break;
    }
  }
  if (!tp) {
    tp = ctx.t.insert(tbl('CT_Timeout_Policy'));
    const col = tp.table.col('timeouts');
    ctx.t.write(tp, col, datumFromUnsorted([...wanted.keys()], [...wanted.values()], col.type));
  }
  if (!zone) {
    zone = ctx.t.insert(tbl('CT_Zone'));
    setRefs(ctx.t, zone, 'timeout_policy', [tp]);
    ctx.t.writePartialMap(dp, dp.table.col('ct_zones'), datumSingle(zoneId, zone.uuid));
  } else {
    setRefs(ctx.t, zone, 'timeout_policy', [tp]);
  }
}

function cmdDelZoneTp(c: CtlContext): void {
  const ctx = V(c);
  const mustExist = !ctx.options.has('--if-exists');
  const dpName = ctx.argv[1]!;
  const zoneId = parseZoneArg(ctx.argv[2]!);
  const dp = findDatapath(ctx, dpName);
  if (!dp) throw new CtlError(`datapath ${dpName} does not exist`);
  const zone = findCtZone(dp, zoneId);
  if (mustExist && !zone) throw new CtlError(`zone id ${zoneId} does not exist`);
  if (zone) ctx.t.deletePartialMap(dp, dp.table.col('ct_zones'), datumSingle(zoneId));
}

function cmdListZoneTp(c: CtlContext): void {
  const ctx = V(c);
  const dp = findDatapath(ctx, ctx.argv[1]!);
  if (!dp) throw new CtlError(`datapath: ${ctx.argv[1]} record not found`);
  const d = dp.get('ct_zones');
  for (let i = 0; i < d.keys.length; i++) {
    const zone = ctx.idl.getRow('CT_Zone', d.values![i] as string);
    let line = `Zone:${d.keys[i]}, Timeout Policies: `;
    const tp = zone?.ref('timeout_policy');
    if (tp) {
      const t = tp.get('timeouts');
      for (let j = 0; j < t.keys.length; j++) line += `${t.keys[j]}=${t.values![j]} `;
    } else {
      line += 'system default';
    }
    ctx.output += line.replace(/ $/, '') + '\n';
  }
}

function cmdListDpCap(c: CtlContext): void {
  const ctx = V(c);
  const dp = findDatapath(ctx, ctx.argv[1]!);
  if (!dp) throw new CtlError(`datapath "${ctx.argv[1]}" record not found`);
  const d = dp.get('capabilities');
  let line = '';
  for (let i = 0; i < d.keys.length; i++) line += `${d.keys[i]}=${d.values![i]} `;
  ctx.output += line.replace(/ $/, '') + '\n';
}

/* ---- Checks after ovs-vswitchd applied the change. ---- */

/** Reports interfaces added by this run that ovs-vswitchd could not set up
 * (OVS's post_db_reload_do_checks). */
export function postDbReloadDoChecks(idl: Idl, txn: IdlTxn): void {
  let printError = false;
  for (const dummy of neotericIfaces) {
    const real = txn.getInsertUuid(dummy);
    if (!real) continue;
    const iface = idl.getRow('Interface', real);
    const ofport = iface?.int('ofport');
    if (iface && (ofport === null || ofport === -1)) {
      const error = iface.str('error');
      if (error) {
        ovsError(0, `Error detected while setting up '${iface.str('name')}': ${error}.  See ovs-vswitchd log for details.`);
      } else {
        ovsError(0, `Error detected while setting up '${iface.str('name')}'.  See ovs-vswitchd log for details.`);
      }
      printError = true;
    }
  }
  if (printError) ovsError(0, `The default log directory is "${ovsLogdir()}".`);
}

/** Forgets the interfaces recorded by an attempt that will be re-run. */
export function postDbReloadCheckInit(): void { neotericIfaces.length = 0; }

/* ---- Tables. ---- */

const RO = 'RO' as const, RW = 'RW' as const;

/** ovs-vsctl's own commands (OVS's vsctl_commands[]). */
export const vsctlCommands: CtlCommandSyntax[] = [
  { name: 'init', minArgs: 0, maxArgs: 0, arguments: '', run: () => {}, options: '', mode: RW },
  { name: 'add-br', minArgs: 1, maxArgs: 3, arguments: 'NEW-BRIDGE [PARENT] [NEW-VLAN]', prerequisites: preGetInfo, run: cmdAddBr, options: '--may-exist', mode: RW },
  { name: 'del-br', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preGetInfo, run: cmdDelBr, options: '--if-exists', mode: RW },
  { name: 'list-br', minArgs: 0, maxArgs: 0, arguments: '', prerequisites: preGetInfo, run: cmdListBr, options: '--real,--fake', mode: RO },
  { name: 'br-exists', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preGetInfo, run: cmdBrExists, options: '', mode: RO },
  { name: 'br-to-vlan', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preGetInfo, run: cmdBrToVlan, options: '', mode: RO },
  { name: 'br-to-parent', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preGetInfo, run: cmdBrToParent, options: '', mode: RO },
  { name: 'br-set-external-id', minArgs: 2, maxArgs: 3, arguments: 'BRIDGE KEY [VALUE]', prerequisites: preBrExternalId, run: cmdBrSetExternalId, options: '', mode: RW },
  { name: 'br-get-external-id', minArgs: 1, maxArgs: 2, arguments: 'BRIDGE [KEY]', prerequisites: preBrExternalId, run: cmdBrGetExternalId, options: '', mode: RO },
  { name: 'list-ports', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preGetInfo, run: cmdListPorts, options: '', mode: RO },
  { name: 'add-port', minArgs: 2, maxArgs: Infinity, arguments: 'BRIDGE NEW-PORT [COLUMN[:KEY]=VALUE]...', prerequisites: preGetInfo, run: cmdAddPort, options: '--may-exist', mode: RW },
  { name: 'del-port', minArgs: 1, maxArgs: 2, arguments: '[BRIDGE] PORT|IFACE', prerequisites: preGetInfo, run: cmdDelPort, options: '--if-exists,--with-iface', mode: RW },
  { name: 'port-to-br', minArgs: 1, maxArgs: 1, arguments: 'PORT', prerequisites: preGetInfo, run: cmdPortToBr, options: '', mode: RO },
  { name: 'add-bond', minArgs: 4, maxArgs: Infinity, arguments: 'BRIDGE BOND IFACE... [COLUMN[:KEY]=VALUE]...', prerequisites: preGetInfo, run: cmdAddBond, options: '--may-exist,--fake-iface', mode: RW },
  { name: 'add-bond-iface', minArgs: 2, maxArgs: 2, arguments: 'BOND IFACE', prerequisites: preGetInfo, run: cmdAddBondIface, options: '--may-exist', mode: RW },
  { name: 'del-bond-iface', minArgs: 1, maxArgs: 2, arguments: '[BOND] IFACE', prerequisites: preGetInfo, run: cmdDelBondIface, options: '--if-exists', mode: RW },
  { name: 'list-ifaces', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preGetInfo, run: cmdListIfaces, options: '', mode: RO },
  { name: 'iface-to-br', minArgs: 1, maxArgs: 1, arguments: 'IFACE', prerequisites: preGetInfo, run: cmdIfaceToBr, options: '', mode: RO },
  { name: 'get-controller', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preController, run: cmdGetController, options: '', mode: RO },
  { name: 'del-controller', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preController, run: cmdDelController, options: '', mode: RW },
  { name: 'set-controller', minArgs: 1, maxArgs: Infinity, arguments: 'BRIDGE TARGET...', prerequisites: preController, run: cmdSetController, options: '--inactivity-probe=', mode: RW },
  { name: 'get-fail-mode', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preGetInfo, run: cmdGetFailMode, options: '', mode: RO },
  { name: 'del-fail-mode', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preGetInfo, run: cmdDelFailMode, options: '', mode: RW },
  { name: 'set-fail-mode', minArgs: 2, maxArgs: 2, arguments: 'BRIDGE MODE', prerequisites: preGetInfo, run: cmdSetFailMode, options: '', mode: RW },
  { name: 'get-manager', minArgs: 0, maxArgs: 0, arguments: '', prerequisites: preManager, run: cmdGetManager, options: '', mode: RO },
  { name: 'del-manager', minArgs: 0, maxArgs: 0, arguments: '', prerequisites: preManager, run: cmdDelManager, options: '', mode: RW },
  { name: 'set-manager', minArgs: 1, maxArgs: Infinity, arguments: 'TARGET...', prerequisites: preManager, run: cmdSetManager, options: '--inactivity-probe=', mode: RW },
  { name: 'get-ssl', minArgs: 0, maxArgs: 0, arguments: '', prerequisites: preGetSsl, run: cmdGetSsl, options: '', mode: RO },
  { name: 'del-ssl', minArgs: 0, maxArgs: 0, arguments: '', prerequisites: preSsl, run: cmdDelSsl, options: '', mode: RW },
  { name: 'set-ssl', minArgs: 3, maxArgs: 3, arguments: 'PRIVATE-KEY CERTIFICATE CA-CERT', prerequisites: preSsl, run: cmdSetSsl, options: '--bootstrap', mode: RW },
  { name: 'add-aa-mapping', minArgs: 3, maxArgs: 3, arguments: 'BRIDGE ARG ARG', prerequisites: preAaMapping, run: cmdAddAaMapping, options: '', mode: RW },
  { name: 'del-aa-mapping', minArgs: 3, maxArgs: 3, arguments: 'BRIDGE ARG ARG', prerequisites: preAaMapping, run: cmdDelAaMapping, options: '', mode: RW },
  { name: 'get-aa-mapping', minArgs: 1, maxArgs: 1, arguments: 'BRIDGE', prerequisites: preAaMapping, run: cmdGetAaMapping, options: '', mode: RO },
  { name: 'emer-reset', minArgs: 0, maxArgs: 0, arguments: '', prerequisites: preCmdEmerReset, run: cmdEmerReset, options: '', mode: RW },
  { name: 'add-zone-tp', minArgs: 3, maxArgs: Infinity, arguments: '', prerequisites: preGetZone, run: cmdAddZoneTp, options: '--may-exist', mode: RW },
  { name: 'del-zone-tp', minArgs: 2, maxArgs: 2, arguments: '', prerequisites: preGetZone, run: cmdDelZoneTp, options: '--if-exists', mode: RW },
  { name: 'list-zone-tp', minArgs: 1, maxArgs: 1, arguments: '', prerequisites: preGetZone, run: cmdListZoneTp, options: '', mode: RO },
  { name: 'list-dp-cap', minArgs: 1, maxArgs: 1, arguments: '', prerequisites: preGetDpCap, run: cmdListDpCap, options: '', mode: RO },
];

function rid(table: string, nameColumn: string, uuidColumn: string | null = null): CtlRowId {
  return { table, nameColumn, key: null, uuidColumn };
}

/** How rows of each table may be named on the command line (OVS's tables[] in ovs-vsctl.c). */
export const vsctlRowIds = new Map<string, CtlRowId[]>([
  ['Bridge', [rid('Bridge', 'name')]],
  ['Controller', [rid('Bridge', 'name', 'controller')]],
  ['Interface', [rid('Interface', 'name')]],
  ['Mirror', [rid('Mirror', 'name')]],
  ['Manager', [rid('Manager', 'target')]],
  ['NetFlow', [rid('Bridge', 'name', 'netflow')]],
  ['Port', [rid('Port', 'name')]],
  ['QoS', [rid('Port', 'name', 'qos')]],
  ['sFlow', [rid('Bridge', 'name', 'sflow')]],
  ['Flow_Table', [rid('Flow_Table', 'name')]],
  ['IPFIX', [rid('Bridge', 'name', 'ipfix')]],
  ['AutoAttach', [rid('Bridge', 'name', 'auto_attach')]],
  ['Flow_Sample_Collector_Set', [rid('Flow_Sample_Collector_Set', 'id')]],
]);

/** The layout of "ovs-vsctl show" (OVS's cmd_show_tables[]). */
export const vsctlShowTables: CmdShowTable[] = [
  { table: 'Open_vSwitch', nameColumn: null, columns: ['manager_options', 'bridges', 'ovs_version'] },
  { table: 'Bridge', nameColumn: 'name', columns: ['controller', 'fail_mode', 'datapath_type', 'ports'] },
  { table: 'Port', nameColumn: 'name', columns: ['tag', 'trunks', 'interfaces'] },
  { table: 'Interface', nameColumn: 'name', columns: ['type', 'options', 'error', 'bfd_status'] },
  { table: 'Controller', nameColumn: 'target', columns: ['is_connected'] },
  { table: 'Manager', nameColumn: 'target', columns: ['is_connected'] },
];
