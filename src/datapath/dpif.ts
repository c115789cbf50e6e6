/* dpif: the generic front of datapaths (OVS lib/dpif.c).
 *
 * Keeps the registry of DpifClass implementations (dpif-provider.ts) by type,
 * parses datapath names (TYPE@NAME; a bare NAME means type "system", as in
 * OVS), opens datapaths and logs failed operations under the "dpif" module.
 * dpctl.ts and ofproto-dpif (next) use these functions rather than the
 * classes.  dpifInitialize() registers the built-in "netdev" class; test
 * programs add "dummy" with dpifDummyRegister().
 */
import { vlogModule } from '../lib/vlog.js';
import { strerror } from '../lib/program.js';
import { type Dpif, type DpifClass, type DpifDpStats, type DpifPort, type DpifFlow } from './dpif-provider.js';
import { dpifNetdevClass, dpifDummyClass } from './dpif-netdev.js';
import { type Netdev } from './netdev-provider.js';
import { type OdpAction } from './odp-actions.js';

const log = vlogModule('dpif');
const EAFNOSUPPORT = 97, EEXIST = 17;

const classes = new Map<string, DpifClass>();

/** Registers 'cls' under its type; 0 or EEXIST. */
export function dpifRegisterProvider(cls: DpifClass): number {
  if (classes.has(cls.type)) {
    log.warn(`attempted to register duplicate datapath provider: ${cls.type}`);
    return EEXIST;
  }
  classes.set(cls.type, cls);
  return 0;
}

/** Registers the built-in datapath types (idempotent). */
export function dpifInitialize(): void {
  if (!classes.has(dpifNetdevClass.type)) dpifRegisterProvider(dpifNetdevClass);
}

/** Registers the "dummy" datapath type (ovs-vswitchd --enable-dummy). */
export function dpifDummyRegister(): void {
  if (!classes.has(dpifDummyClass.type)) dpifRegisterProvider(dpifDummyClass);
}

/** The registered types, sorted. */
export function dpifEnumerateTypes(): string[] {
  return [...classes.keys()].sort();
}

/** Names of the existing datapaths of 'type' (empty if unknown). */
export function dpifEnumerateNames(type: string): string[] {
  return classes.get(type)?.enumerate() ?? [];
}

/** Splits TYPE@NAME (a bare NAME has type "system"). */
export function dpifParseName(full: string): { type: string; name: string } {
  const at = full.indexOf('@');
  return at < 0 ? { type: 'system', name: full } : { type: full.slice(0, at), name: full.slice(at + 1) };
}

/** Opens (with 'create', creates) datapath TYPE@NAME; the dpif or a positive errno. */
export function dpifOpen(full: string, create = false): Dpif | number {
  const { type, name } = dpifParseName(full);
  const cls = classes.get(type);
  if (!cls) {
    log.warn(`could not ${create ? 'create' : 'open'} datapath ${name} of unknown type ${type}`);
    return EAFNOSUPPORT;
  }
  const r = cls.open(name, create);
  if (typeof r === 'number') {
    if (!create || r !== EEXIST) log.dbg(`${full}: failed to ${create ? 'create' : 'open'} datapath (${strerror(r)})`);
    return r;
  }
  return r;
}

/** Closes an open datapath. */
export function dpifClose(dpif: Dpif): void {
  dpif.dpifClass.close(dpif);
}

/** Destroys the datapath (it goes away when the last open closes); 0 or errno. */
export function dpifDelete(dpif: Dpif): number {
  return dpif.dpifClass.destroy(dpif);
}

/** Datapath counters. */
export function dpifGetStats(dpif: Dpif): DpifDpStats {
  return dpif.dpifClass.getStats(dpif);
}

/** Adds 'netdev' as a port; its number or -errno (logged). */
export function dpifPortAdd(dpif: Dpif, netdev: Netdev, portNo?: number): number {
  const r = dpif.dpifClass.portAdd(dpif, netdev, portNo);
  if (r < 0) log.warn(`${dpif.fullName}: failed to add ${netdev.name} as port: ${strerror(-r)}`);
  else log.dbg(`${dpif.fullName}: added ${netdev.name} as port ${r}`);
  return r;
}

/** Removes port 'portNo'; 0 or errno (logged). */
export function dpifPortDel(dpif: Dpif, portNo: number): number {
  const e = dpif.dpifClass.portDel(dpif, portNo);
  if (e) log.warn(`${dpif.fullName}: port_del failed (${strerror(e)})`);
  return e;
}

/** The port named 'name', or null. */
export function dpifPortQueryByName(dpif: Dpif, name: string): DpifPort | null {
  return dpif.dpifClass.portQueryByName(dpif, name);
}

/** The port numbered 'portNo', or null. */
export function dpifPortQueryByNumber(dpif: Dpif, portNo: number): DpifPort | null {
  return dpif.dpifClass.portQueryByNumber(dpif, portNo);
}

/** Every port, by number. */
export function dpifPortDump(dpif: Dpif): DpifPort[] {
  return dpif.dpifClass.portDump(dpif).sort((a, b) => a.portNo - b.portNo);
}

/** The netdev behind port 'portNo', or null. */
export function dpifPortNetdev(dpif: Dpif, portNo: number): Netdev | null {
  return dpif.dpifClass.portNetdev(dpif, portNo);
}

/** Creates or modifies a flow (DpifFlowPutFlags); 0 or errno. */
export function dpifFlowPut(dpif: Dpif, key: Uint32Array, mask: Uint32Array, actions: OdpAction[], flags: number): number {
  return dpif.dpifClass.flowPut(dpif, key, mask, actions, flags);
}

/** Deletes a flow; 0 or ENOENT. */
export function dpifFlowDel(dpif: Dpif, key: Uint32Array, mask: Uint32Array | null): number {
  return dpif.dpifClass.flowDel(dpif, key, mask);
}

/** Deletes every flow; 0 or errno. */
export function dpifFlowFlush(dpif: Dpif): number {
  return dpif.dpifClass.flowFlush(dpif);
}

/** Every flow, with the thread that holds it. */
export function dpifFlowDump(dpif: Dpif): { thread: string; flow: DpifFlow }[] {
  return dpif.dpifClass.flowDump(dpif);
}

/** Executes actions on a packet; 0 or errno. */
export function dpifExecute(dpif: Dpif, packet: Uint8Array, inPort: number, actions: OdpAction[]): number {
  return dpif.dpifClass.execute(dpif, packet, inPort, actions);
}
