/* ofproto-dpif-rid: recirculation ids and the frozen translation states they
 * name.
 *
 * When translation must stop and resume later (after the datapath has done
 * something only it can do: conntrack, a hash for a select group, a pause
 * for the controller) it "freezes" its state: the table to resume in, the
 * remaining actions, the action set, the stack, the packet's metadata.  The
 * datapath recirculates the packet with a recirc_id naming that state; the
 * upcall handler finds the state again and thaws it (XlateIn.frozen).
 * Controller actions use the same ids so a packet-in can be rebuilt.
 *
 * Identical states share one id, as OVS's recirc_alloc_id_ctx() does, so
 * repeated translations of the same flow produce the same datapath actions.
 * Ids start at 1 and are shared by all bridges of one datapath backer.
 */
import type { Ofpact } from '../openflow/ofp-actions.js';

/** A frozen translation state (struct frozen_state). */
export interface FrozenState {
  /** Bridge (ofproto) name the state belongs to. */
  bridge: string;
  tableId: number;
  /** Flow metadata to restore: tunnel, metadata, registers, in_port (flow-layout bytes). */
  metadata: Uint8Array;
  stack: Uint8Array[];
  mirrors: number;
  conntracked: boolean;
  wasMpls: boolean;
  /** Actions to run on thaw (empty: look up 'tableId'). */
  ofpacts: Ofpact[];
  actionSet: Ofpact[];
  userdata: Uint8Array | null;
  /** Rule cookie in effect when frozen (for packet-ins). */
  ruleCookie: bigint;
  /** For controller actions: the flow as the datapath has it at the action (committed
   * pkt_mark, packet_type, conntrack), which a packet-in reports beside 'metadata'. */
  dpFlow?: Uint8Array;
}

function keyOf(s: FrozenState): string {
  // 'dpFlow' describes one packet, not the state: packets sharing a megaflow share the id.
  return JSON.stringify(s, (k, v) => {
    if (k === 'dpFlow') return undefined;
    if (typeof v === 'bigint') return 'n' + v.toString();
    if (v instanceof Uint8Array) return Array.from(v);
    if (v && typeof v === 'object' && 'field' in v && 'ofs' in v) return `${v.field.name}[${v.ofs}+${v.nBits}]`;
    return v;
  });
}

/** Allocates recirculation ids for frozen states (recirc_alloc_id_ctx). */
export class RecircIdPool {
  private next = 1;
  private readonly byKey = new Map<string, number>();
  private readonly byId = new Map<number, { state: FrozenState; refs: number }>();

  /** The id for 'state', allocating one if no identical state has one. */
  alloc(state: FrozenState): number {
    const key = keyOf(state);
    const id = this.byKey.get(key);
    if (id !== undefined) {
      const e = this.byId.get(id)!;
      e.refs++;
      if (state.dpFlow) e.state.dpFlow = state.dpFlow;
      return id;
    }
    const nid = this.next++;
    if (this.next > 0xffffffff) this.next = 1;
    this.byKey.set(key, nid);
    this.byId.set(nid, { state, refs: 1 });
    return nid;
  }

  /** The state named by 'id'. */
  find(id: number): FrozenState | null {
    return this.byId.get(id)?.state ?? null;
  }

  /** Drops one reference to 'id'; the id is freed with the last one. */
  unref(id: number): void {
    const e = this.byId.get(id);
    if (!e) return;
    if (--e.refs <= 0) {
      this.byId.delete(id);
      this.byKey.delete(keyOf(e.state));
    }
  }

  /** Number of ids in use. */
  get size(): number { return this.byId.size; }
}
