/* ofpact-bitmap: the "supported actions" bitmaps of features replies
 * (OF1.0 switch features, group features, table features): which wire
 * action type bit means which action, per version, and their text in OVS's
 * action order. */

/** OVS's action kinds in its internal order, with their printed names. */
const OFPACT_ORDER = ['output', 'group', 'controller', 'enqueue', 'output_reg', 'bundle', 'set_field',
  'set_vlan_vid', 'set_vlan_pcp', 'strip_vlan', 'push_vlan', 'mod_dl_src', 'mod_dl_dst', 'mod_nw_src',
  'mod_nw_dst', 'mod_nw_tos', 'mod_nw_ecn', 'mod_nw_ttl', 'mod_tp_src', 'mod_tp_dst', 'move', 'push', 'pop',
  'dec_ttl', 'set_mpls_label', 'set_mpls_tc', 'set_mpls_ttl', 'dec_mpls_ttl', 'push_mpls', 'pop_mpls',
  'dec_nsh_ttl', 'delete_field', 'encap', 'decap', 'set_tunnel', 'set_queue', 'pop_queue', 'fin_timeout',
  'resubmit', 'learn', 'conjunction', 'multipath', 'note', 'exit', 'sample', 'unroll_xlate', 'ct', 'ct_clear',
  'nat', 'output_trunc', 'clone', 'debug_recirc', 'debug_slow', 'meter', 'clear_actions', 'write_actions',
  'write_metadata', 'goto_table'];

/** Wire action type -> action name, per version family. */
const OF10: Record<number, string> = {
  0: 'output', 1: 'set_vlan_vid', 2: 'set_vlan_pcp', 3: 'strip_vlan', 4: 'mod_dl_src', 5: 'mod_dl_dst',
  6: 'mod_nw_src', 7: 'mod_nw_dst', 8: 'mod_nw_tos', 9: 'mod_tp_src', 10: 'mod_tp_dst', 11: 'enqueue',
};
const OF11: Record<number, string> = {
  0: 'output', 1: 'set_vlan_vid', 2: 'set_vlan_pcp', 3: 'mod_dl_src', 4: 'mod_dl_dst', 5: 'mod_nw_src',
  6: 'mod_nw_dst', 7: 'mod_nw_tos', 8: 'mod_nw_ecn', 9: 'mod_tp_src', 10: 'mod_tp_dst', 13: 'set_mpls_label',
  14: 'set_mpls_tc', 15: 'set_mpls_ttl', 16: 'dec_mpls_ttl', 17: 'push_vlan', 18: 'strip_vlan', 19: 'push_mpls',
  20: 'pop_mpls', 21: 'set_queue', 22: 'group', 23: 'mod_nw_ttl', 24: 'dec_ttl',
};
const OF12: Record<number, string> = {
  0: 'output', 15: 'set_mpls_ttl', 16: 'dec_mpls_ttl', 17: 'push_vlan', 18: 'strip_vlan', 19: 'push_mpls',
  20: 'pop_mpls', 21: 'set_queue', 22: 'group', 23: 'mod_nw_ttl', 24: 'dec_ttl', 25: 'set_field',
};

function mapFor(version: number): Record<number, string> {
  return version === 1 ? OF10 : version === 2 ? OF11 : OF12;
}

/** Names of the actions in wire bitmap 'bits' of 'version', in OVS order. */
export function actionBitmapNames(bits: number, version: number): string[] {
  const map = mapFor(version);
  const set = new Set<string>();
  for (const [bit, name] of Object.entries(map)) if ((bits >>> Number(bit)) & 1) set.add(name);
  return OFPACT_ORDER.filter((n) => set.has(n));
}

/** The bitmap as ovs-ofctl prints it: names separated by spaces. */
export function formatActionBitmap(bits: number, version: number): string {
  return actionBitmapNames(bits, version).join(' ');
}

/** Wire bitmap for the named actions in 'version' (unknown names ignored). */
export function actionBitmapFromNames(names: Iterable<string>, version: number): number {
  const map = mapFor(version);
  const want = new Set(names);
  let bits = 0;
  for (const [bit, name] of Object.entries(map)) if (want.has(name)) bits |= 1 << Number(bit);
  return bits >>> 0;
}
