/* mac-learning: the MAC learning table behind the NORMAL action.
 *
 * Maps (MAC, VLAN) to the port (an opaque client object: ofproto-dpif's
 * bundle) a frame from that MAC last arrived on.  ofproto-dpif-xlate.ts
 * learns from each frame's source and looks destinations up; the bridge's
 * fdb/show, fdb/flush, fdb/add, fdb/del and fdb/stats-* commands read and
 * change it through the functions here.
 *
 * Entries age out 'idleTime' seconds (default 300, clamped to 15..3600)
 * after they were last learned; static entries (fdb/add) never do.  When
 * the table is full, an entry of the port with the most entries is evicted,
 * least recently used first, so one busy port cannot starve the others.
 * Gratuitous ARPs arriving over a non-bond port lock their entry for 5 s
 * against moves from bond ports (reflections).
 *
 * Time is in whole seconds from an injectable clock, so tests can step it.
 * MAC addresses are 48-bit integers (see ethToNumber / formatMac).
 */

/** Default maximum number of entries (MAC_DEFAULT_MAX). */
export const MAC_DEFAULT_MAX = 8192;
/** Default aging time in seconds (MAC_ENTRY_DEFAULT_IDLE_TIME). */
export const MAC_ENTRY_DEFAULT_IDLE_TIME = 300;
/** Age reported for static entries (MAC_ENTRY_AGE_STATIC_ENTRY). */
export const MAC_ENTRY_AGE_STATIC_ENTRY = 0x7fffffff;
/** Seconds a gratuitous ARP locks its entry (MAC_GRAT_ARP_LOCK_TIME). */
export const MAC_GRAT_ARP_LOCK_TIME = 5;

const TIME_MIN = -Number.MAX_SAFE_INTEGER;

/** Reads a MAC address from 6 bytes at 'off' as a 48-bit integer. */
export function ethToNumber(b: Uint8Array, off = 0): number {
  return ((b[off]! << 8) | b[off + 1]!) * 0x100000000
    + (((b[off + 2]! << 24) | (b[off + 3]! << 16) | (b[off + 4]! << 8) | b[off + 5]!) >>> 0);
}

/** Formats a 48-bit MAC as "xx:xx:xx:xx:xx:xx". */
export function formatMac(mac: number): string {
  const parts: string[] = [];
  for (let i = 5; i >= 0; i--) parts.push((Math.floor(mac / 2 ** (8 * i)) & 0xff).toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** True if a MAC (48-bit integer) is multicast or broadcast. */
export function macIsMulticast(mac: number): boolean {
  return (Math.floor(mac / 0x10000000000) & 1) !== 0;
}

/** One learned (or static) MAC (struct mac_entry). */
export interface MacEntry<P> {
  readonly mac: number;
  readonly vlan: number;
  /** Time (s) the entry expires, or MAC_ENTRY_AGE_STATIC_ENTRY. */
  expires: number;
  /** Time (s) until which gratuitous ARPs from bonds are ignored. */
  gratArpLock: number;
  /** The port, or null while being created. */
  port: P | null;
}

/** Counters shown by fdb/stats-show. */
export interface MacLearningStats {
  learned: number;
  expired: number;
  evicted: number;
  moved: number;
}

function normalizeIdleTime(t: number): number {
  return t < 15 ? 15 : t > 3600 ? 3600 : t;
}

/** A MAC learning table (struct mac_learning). */
export class MacLearning<P> {
  private readonly table = new Map<number, MacEntry<P>[]>();
  /** Every entry, least recently used first. */
  private readonly lrus = new Set<MacEntry<P>>();
  /** Per port, its entries least recently used first. */
  private readonly portLrus = new Map<P, Set<MacEntry<P>>>();
  private nEntries = 0;
  private floodVlans: ReadonlySet<number> | null = null;
  /** Aging time in seconds. */
  idleTime: number;
  /** Maximum number of entries. */
  maxEntries = MAC_DEFAULT_MAX;
  /** Number of static entries. */
  staticEntries = 0;
  /** Set when a change may need flows revalidated; cleared by run(). */
  needRevalidate = false;
  readonly stats: MacLearningStats = { learned: 0, expired: 0, evicted: 0, moved: 0 };

  constructor(idleTime = MAC_ENTRY_DEFAULT_IDLE_TIME, private readonly now: () => number = defaultClock) {
    this.idleTime = normalizeIdleTime(idleTime);
  }

  /** Number of entries. */
  get count(): number { return this.nEntries; }

  clearStatistics(): void {
    this.stats.learned = this.stats.expired = this.stats.evicted = this.stats.moved = 0;
  }

  /** Changes the aging time, shifting every entry's expiry by the difference. */
  setIdleTime(idleTime: number): void {
    const t = normalizeIdleTime(idleTime);
    if (t === this.idleTime) return;
    const delta = t - this.idleTime;
    for (const e of this.lrus) e.expires += delta;
    this.idleTime = t;
  }

  /** Sets the maximum number of entries (clamped to 10..1,000,000). */
  setMaxEntries(n: number): void {
    this.maxEntries = n < 10 ? 10 : n > 1000000 ? 1000000 : n;
  }

  /** Sets the VLANs on which nothing is learned (all flooded).  Returns true on change. */
  setFloodVlans(vlans: ReadonlySet<number> | null): boolean {
    const a = this.floodVlans, b = vlans && vlans.size ? vlans : null;
    if (!a && !b) return false;
    if (a && b && a.size === b.size && [...a].every((v) => b.has(v))) return false;
    this.floodVlans = b ? new Set(b) : null;
    return true;
  }

  private isLearningVlan(vlan: number): boolean { return !this.floodVlans || !this.floodVlans.has(vlan); }

  /** True if 'mac' may be learned on 'vlan'. */
  mayLearn(mac: number, vlan: number): boolean {
    return this.isLearningVlan(vlan) && !macIsMulticast(mac);
  }

  /** The entry's age in seconds, or MAC_ENTRY_AGE_STATIC_ENTRY. */
  entryAge(e: MacEntry<P>): number {
    if (e.expires === MAC_ENTRY_AGE_STATIC_ENTRY) return MAC_ENTRY_AGE_STATIC_ENTRY;
    return this.idleTime - (e.expires - this.now());
  }

  private find(mac: number, vlan: number): MacEntry<P> | null {
    const list = this.table.get(mac);
    if (list) for (const e of list) if (e.vlan === vlan) return e;
    return null;
  }

  /** The entry for destination 'mac' on 'vlan' (none for multicast or flood VLANs). */
  lookup(mac: number, vlan: number): MacEntry<P> | null {
    if (macIsMulticast(mac) || !this.isLearningVlan(vlan)) return null;
    return this.find(mac, vlan);
  }

  /** Changes the port of 'e', keeping the per-port lists. */
  setPort(e: MacEntry<P>, port: P | null): void {
    if (e.port === port) return;
    this.needRevalidate = true;
    if (e.port !== null) {
      const set = this.portLrus.get(e.port)!;
      set.delete(e);
      if (set.size === 0) this.portLrus.delete(e.port);
    }
    e.port = port;
    if (port !== null) {
      let set = this.portLrus.get(port);
      if (!set) { set = new Set(); this.portLrus.set(port, set); }
      set.add(e);
    }
  }

  private insert__(mac: number, vlan: number, isStatic: boolean): MacEntry<P> {
    let e = this.find(mac, vlan);
    if (!e) {
      if (this.nEntries >= this.maxEntries) this.evictFairly();
      e = { mac, vlan, expires: 0, gratArpLock: TIME_MIN, port: null };
      const list = this.table.get(mac);
      if (list) list.push(e); else this.table.set(mac, [e]);
      this.nEntries++;
      if (!isStatic) this.stats.learned++;
    } else {
      this.lrus.delete(e);
    }
    this.lrus.add(e);
    if (e.port !== null) {
      const set = this.portLrus.get(e.port)!;
      set.delete(e);
      set.add(e);
    }
    if (isStatic) {
      if (e.expires !== MAC_ENTRY_AGE_STATIC_ENTRY) this.staticEntries++;
      e.expires = MAC_ENTRY_AGE_STATIC_ENTRY;
    } else {
      e.expires = this.now() + this.idleTime;
    }
    return e;
  }

  /**
   * Finds or creates the dynamic entry for 'mac' on 'vlan', marking it used.
   * The caller must have checked mayLearn() and must set a port on a new
   * entry (port null).
   */
  insert(mac: number, vlan: number): MacEntry<P> { return this.insert__(mac, vlan, false); }

  /** Adds (or converts to) a static entry on 'port'. */
  addStaticEntry(mac: number, vlan: number, port: P): boolean {
    const e = this.insert__(mac, vlan, true);
    this.setPort(e, port);
    return true;
  }

  /** Deletes a static entry; false if there is none. */
  delStaticEntry(mac: number, vlan: number): boolean {
    const e = this.lookup(mac, vlan);
    if (!e || e.expires !== MAC_ENTRY_AGE_STATIC_ENTRY) return false;
    this.expire(e);
    this.staticEntries--;
    return true;
  }

  /**
   * Learns that 'mac' on 'vlan' was seen on 'inPort' (null: learn nothing).
   * Returns true if the table changed in a way that needs flows revalidated
   * (a new entry or a move).
   */
  update(mac: number, vlan: number, isGratuitousArp: boolean, isBond: boolean, inPort: P | null): boolean {
    if (inPort === null || !this.mayLearn(mac, vlan)) return false;
    const old = this.find(mac, vlan);
    if (old) {
      const age = this.entryAge(old);
      if (age === MAC_ENTRY_AGE_STATIC_ENTRY) return false;
      if (age <= 0 && !(isGratuitousArp && !isBond)) {
        if (isGratuitousArp && isBond && this.now() < old.gratArpLock) return false;
        if (old.port === inPort) return false;
      }
    }
    const e = this.insert(mac, vlan);
    if (isGratuitousArp) {
      if (!isBond) e.gratArpLock = this.now() + MAC_GRAT_ARP_LOCK_TIME;
      else if (this.now() < e.gratArpLock) return false;
    }
    if (e.port !== inPort) {
      if (e.port !== null) this.stats.moved++;
      this.setPort(e, inPort);
      return true;
    }
    return false;
  }

  /** Removes entry 'e'. */
  expire(e: MacEntry<P>): void {
    this.needRevalidate = true;
    this.setPort(e, null);
    const list = this.table.get(e.mac)!;
    list.splice(list.indexOf(e), 1);
    if (list.length === 0) this.table.delete(e.mac);
    this.lrus.delete(e);
    this.nEntries--;
  }

  /** Least recently used dynamic entry, if any. */
  private lru(): MacEntry<P> | null {
    for (const e of this.lrus) if (e.expires !== MAC_ENTRY_AGE_STATIC_ENTRY) return e;
    return null;
  }

  private evictFairly(): void {
    let best: Set<MacEntry<P>> | null = null;
    for (const set of this.portLrus.values()) if (!best || set.size > best.size) best = set;
    const e = best?.values().next().value;
    if (!e) return;
    this.stats.evicted++;
    this.expire(e);
  }

  /** Removes every dynamic entry (fdb/flush). */
  flush(): void {
    for (let e = this.lru(); e; e = this.lru()) this.expire(e);
  }

  /** Removes every dynamic entry on 'port' (the port went away or changed VLANs). */
  flushPort(port: P): void {
    const set = this.portLrus.get(port);
    if (!set) return;
    for (const e of [...set]) if (e.expires !== MAC_ENTRY_AGE_STATIC_ENTRY) this.expire(e);
  }

  /**
   * Expires aged-out entries (and trims an over-full table).  Returns true if
   * something changed that may require flow revalidation.
   */
  run(): boolean {
    for (let e = this.lru(); e && (this.nEntries > this.maxEntries || this.now() >= e.expires); e = this.lru()) {
      this.stats.expired++;
      this.expire(e);
    }
    const r = this.needRevalidate;
    this.needRevalidate = false;
    return r;
  }

  /** Seconds (on this table's clock) when run() next has work, or null. */
  nextWakeup(): number | null {
    if (this.nEntries > this.maxEntries || this.needRevalidate) return this.now();
    const e = this.lru();
    return e ? e.expires : null;
  }

  /** Entries, least recently used first. */
  entries(): IterableIterator<MacEntry<P>> { return this.lrus.values(); }

  /** The fdb/show text; 'portName' gives each port's name (OVS prints its OpenFlow port number). */
  formatFdbShow(portName: (p: P) => string): string {
    let s = ' port  VLAN  MAC                Age\n';
    for (const e of this.lrus) {
      const age = this.entryAge(e);
      s += `${portName(e.port!).padStart(5)}  ${String(e.vlan).padStart(4)}  ${formatMac(e.mac)}  `;
      s += age === MAC_ENTRY_AGE_STATIC_ENTRY ? 'static\n' : `${String(age).padStart(3)}\n`;
    }
    return s;
  }

  /** The fdb/stats-show text for bridge 'bridgeName'. */
  formatStats(bridgeName: string): string {
    return `Statistics for bridge "${bridgeName}":\n`
      + `  Current/maximum MAC entries in the table: ${this.nEntries}/${this.maxEntries}\n`
      + `  Current static MAC entries in the table : ${this.staticEntries}\n`
      + `  Total number of learned MAC entries     : ${this.stats.learned}\n`
      + `  Total number of expired MAC entries     : ${this.stats.expired}\n`
      + `  Total number of evicted MAC entries     : ${this.stats.evicted}\n`
      + `  Total number of port moved MAC entries  : ${this.stats.moved}\n`;
  }
}

/** Monotonic whole seconds. */
function defaultClock(): number { return Math.floor(performance.now() / 1000); }
