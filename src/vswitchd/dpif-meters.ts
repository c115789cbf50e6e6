/* dpif-meters: the meter table of a userspace datapath (the meter part of
 * OVS's dpif-netdev.c), shared by the two backers (dpif-backer.ts and
 * dpif-netdev-backer.ts), which implement DpifBackend's meterFeatures /
 * meterSet / meterGet / meterDel with it and credit it when a packet passes
 * a datapath "meter" action.  Rates are not enforced: bands only count.
 */
import { OfpError } from '../openflow/ofp-errors.js';
import type { MeterConfig, MeterFeatures } from '../openflow/ofp-meter.js';

/** Meters the userspace datapath supports (dpif-netdev's MAX_METERS, MAX_BANDS). */
const MAX_METERS = 1 << 18, MAX_BANDS = 8;
const OFPMBT13_DROP = 1;
/** OFPMF13_KBPS | PKTPS | BURST | STATS. */
const METER_FLAGS = 1 | 2 | 4 | 8;

interface DpMeter { config: MeterConfig; packets: number; bytes: number; bands: { packets: number; bytes: number }[] }

/** A datapath's meters by datapath meter id. */
export class DpifMeters {
  private readonly meters = new Map<number, DpMeter>();
  private nextMeterId = 0;

  features(): MeterFeatures {
    return { maxMeters: MAX_METERS, bandTypes: 1 << OFPMBT13_DROP, capabilities: METER_FLAGS, maxBands: MAX_BANDS, maxColor: 0 };
  }

  /** Adds (id null: allocates an id) or replaces a meter; its datapath id or an error. */
  set(id: number | null, config: MeterConfig): number | OfpError {
    let mid = id;
    if (mid === null) {
      while (this.meters.has(this.nextMeterId) && this.nextMeterId < MAX_METERS) this.nextMeterId++;
      if (this.nextMeterId >= MAX_METERS) return new OfpError('OFPMMFC_OUT_OF_METERS');
      mid = this.nextMeterId++;
    }
    if (mid >= MAX_METERS) return new OfpError('OFPMMFC_OUT_OF_METERS');
    if (config.flags & ~METER_FLAGS) return new OfpError('OFPMMFC_BAD_FLAGS');
    if (config.bands.length > MAX_BANDS) return new OfpError('OFPMMFC_OUT_OF_BANDS');
    if (config.bands.some((b) => b.type !== OFPMBT13_DROP)) return new OfpError('OFPMMFC_BAD_BAND');
    const old = this.meters.get(mid);
    this.meters.set(mid, {
      config, packets: old?.packets ?? 0, bytes: old?.bytes ?? 0,
      bands: config.bands.map((_b, i) => old?.bands[i] ?? { packets: 0, bytes: 0 }),
    });
    return mid;
  }

  /** A meter's counters, with 'nBands' band entries; null if there is no such meter. */
  get(id: number, nBands: number): { packetsIn: number; bytesIn: number; bands: { packets: number; bytes: number }[] } | null {
    const m = this.meters.get(id);
    if (!m) return null;
    return {
      packetsIn: m.packets, bytesIn: m.bytes,
      bands: Array.from({ length: nBands }, (_x, i) => ({ ...(m.bands[i] ?? { packets: 0, bytes: 0 }) })),
    };
  }

  del(id: number): void {
    this.meters.delete(id);
    if (id < this.nextMeterId) this.nextMeterId = id;
  }

  /** Counts a packet of 'bytes' through meter 'id'. */
  hit(id: number, bytes: number): void {
    const m = this.meters.get(id);
    if (m) { m.packets++; m.bytes += bytes; }
  }
}
