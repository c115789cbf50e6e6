/* ofctl-parse: ovs-ofctl's offline parse-flow / parse-flows commands: parse
 * flow-mod text, report the protocols able to carry it, and print each
 * flow_mod as it would be encoded. */
import type { OfctlOptions } from './ovs-ofctl.js';

/** Parses each non-empty, non-comment line of 'lines' as a flow and prints
 * the result as ovs-ofctl does.  Returns the exit status. */
export async function parseFlows(lines: string[], _opts: OfctlOptions): Promise<number> {
  void lines;
  process.stderr.write('ovs-ofctl: parse-flow is not available yet\n');
  return 1;
}
