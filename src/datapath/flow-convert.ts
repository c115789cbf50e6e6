/* flow-convert: converters between the datapath flow key (flow.ts, FLOW_WORDS
 * 32-bit words) and the OpenFlow flow layout (openflow/flow.ts, FL byte
 * offsets) that ofproto-dpif translates with.
 *
 * keyToFlow() turns a miss's key into the flow handed to ofproto's
 * handleMiss(); flowToKey() turns the flow and megaflow mask that ofproto
 * installs back into a key and mask for dpif-netdev's classifier.  Both are
 * driven by one table of (key byte, flow byte) pairs built at load time, so a
 * conversion is a flat loop over typed arrays with no allocation.  The only
 * field whose encoding differs is the IP fragment type (ODP: none/first/later;
 * flow: FLOW_NW_FRAG_ANY|LATER bits), handled after the loop.  Datapath-only
 * fields the flow layout lacks (nd_reserved, nd_options_type) convert to 0.
 * Port numbers are copied as they are: the caller maps datapath ports to
 * OpenFlow ports (FL.IN_PORT) before or after.
 */
import { FL, FLOW_SIZE, FLOW_NW_FRAG_ANY, FLOW_NW_FRAG_LATER, FLOW_NW_FRAG_MASK } from '../openflow/flow.js';
import { W, FLOW_WORDS, FragType } from './flow.js';

/* [key word, first byte within the word (0 = most significant), flow offset, bytes].
 * Fields that span words continue into the next word's byte 0. */
const FIELDS: readonly (readonly [number, number, number, number])[] = [
  [W.IN_PORT, 0, FL.IN_PORT, 4],
  [W.RECIRC_ID, 0, FL.RECIRC_ID, 4],
  [W.DP_HASH, 0, FL.DP_HASH, 4],
  [W.SKB_PRIORITY, 0, FL.SKB_PRIORITY, 4],
  [W.SKB_MARK, 0, FL.PKT_MARK, 4],
  [W.CT_STATE, 3, FL.CT_STATE, 1],
  [W.CT_ZONE, 2, FL.CT_ZONE, 2],
  [W.CT_MARK, 0, FL.CT_MARK, 4],
  [W.CT_LABEL, 0, FL.CT_LABEL, 16],
  [W.TUN_ID, 0, FL.TUN_ID, 8],
  [W.TUN_SRC, 0, FL.TUN_IP_SRC, 4],
  [W.TUN_DST, 0, FL.TUN_IP_DST, 4],
  [W.TUN_IPV6_SRC, 0, FL.TUN_IPV6_SRC, 16],
  [W.TUN_IPV6_DST, 0, FL.TUN_IPV6_DST, 16],
  [W.TUN_TOS_TTL_FLAGS, 0, FL.TUN_TOS, 1],
  [W.TUN_TOS_TTL_FLAGS, 1, FL.TUN_TTL, 1],
  [W.TUN_TOS_TTL_FLAGS, 2, FL.TUN_FLAGS, 2],
  [W.TUN_TP, 0, FL.TUN_TP_SRC, 4],
  [W.PACKET_TYPE, 0, FL.PACKET_TYPE, 4],
  [W.ETH_DST_HI, 2, FL.DL_DST, 6],
  [W.ETH_SRC_HI, 2, FL.DL_SRC, 6],
  [W.DL_TYPE, 2, FL.DL_TYPE, 2],
  [W.VLAN0, 0, FL.VLANS, 8],
  [W.NW_SRC, 0, FL.NW_SRC, 4],
  [W.NW_DST, 0, FL.NW_DST, 4],
  [W.IPV6_SRC, 0, FL.IPV6_SRC, 16],
  [W.IPV6_DST, 0, FL.IPV6_DST, 16],
  [W.IPV6_LABEL, 0, FL.IPV6_LABEL, 4],
  [W.NW_INFO, 0, FL.NW_PROTO, 1],
  [W.NW_INFO, 1, FL.NW_TOS, 1],
  [W.NW_INFO, 2, FL.NW_TTL, 1],
  [W.TP, 0, FL.TP_SRC, 4],
  [W.TCP_FLAGS, 2, FL.TCP_FLAGS, 2],
  [W.ARP_SHA_HI, 2, FL.ARP_SHA, 6],
  [W.ARP_THA_HI, 2, FL.ARP_THA, 6],
  [W.ND_TARGET, 0, FL.ND_TARGET, 16],
];

/* Flattened: pair i maps key byte KEY_BYTE[i] (word*4 + byte) to flow byte FLOW_BYTE[i]. */
const N_PAIRS = FIELDS.reduce((n, f) => n + f[3], 0);
const KEY_BYTE = new Uint16Array(N_PAIRS);
const FLOW_BYTE = new Uint16Array(N_PAIRS);
{
  let i = 0;
  for (const [w, b, fo, n] of FIELDS) {
    for (let j = 0; j < n; j++, i++) { KEY_BYTE[i] = w * 4 + b + j; FLOW_BYTE[i] = fo + j; }
  }
}

/** Fills 'flow' (FLOW_SIZE bytes, zeroed here) from the key at keys[k..]. */
export function keyToFlow(keys: Uint32Array, k: number, flow: Uint8Array): Uint8Array {
  flow.fill(0, 0, FLOW_SIZE);
  for (let i = 0; i < N_PAIRS; i++) {
    const kb = KEY_BYTE[i]!;
    flow[FLOW_BYTE[i]!] = (keys[k + (kb >>> 2)]! >>> (24 - 8 * (kb & 3))) & 0xff;
  }
  const frag = keys[k + W.NW_INFO]! & 0xff;
  flow[FL.NW_FRAG] = frag === FragType.FIRST ? FLOW_NW_FRAG_ANY
    : frag === FragType.LATER ? FLOW_NW_FRAG_ANY | FLOW_NW_FRAG_LATER : 0;
  return flow;
}

/** Fills the key at keys[k..] from 'flow'.  With isMask, 'flow' is a megaflow
 * mask and the result the key mask (any fragment bit makes frag exact). */
export function flowToKey(flow: Uint8Array, keys: Uint32Array, k: number, isMask = false): Uint32Array {
  keys.fill(0, k, k + FLOW_WORDS);
  for (let i = 0; i < N_PAIRS; i++) {
    const kb = KEY_BYTE[i]!, w = k + (kb >>> 2);
    keys[w] = (keys[w]! | (flow[FLOW_BYTE[i]!]! << (24 - 8 * (kb & 3)))) >>> 0;
  }
  const nf = flow[FL.NW_FRAG]! & FLOW_NW_FRAG_MASK;
  const frag = isMask ? (nf ? 0xff : 0)
    : nf & FLOW_NW_FRAG_LATER ? FragType.LATER : nf & FLOW_NW_FRAG_ANY ? FragType.FIRST : FragType.NO;
  keys[k + W.NW_INFO] = (keys[k + W.NW_INFO]! | frag) >>> 0;
  return keys;
}
