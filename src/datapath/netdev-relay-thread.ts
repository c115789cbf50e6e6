/* netdev-relay-thread: a NetdevRelay running in a worker_thread, on ports the
 * main thread opened (netdevLinuxExport → postMessage → netdevLinuxAdopt).
 *
 * This is the shape the userspace datapath's PMD threads take: the main
 * thread (vswitchd, ofproto) opens and configures the netdevs and keeps them
 * for attributes and statistics; a datapath thread gets plain handles (fd
 * numbers are valid in every thread of the process), waits for readiness on
 * its own event loop (uv_poll in the addon works per thread) and moves
 * packets through its own DpPacketBatch buffers.
 *
 * Protocol (workerData = { a: LinuxPortHandle, b: LinuxPortHandle, options }):
 *   worker → parent  { ready: true } once relaying
 *   parent → worker  'counters'  →  worker → parent { counters: [a→b, b→a] }
 *   parent → worker  'stop'      →  worker closes its side, replies { stopped: true }, exits
 */
import { parentPort, workerData } from 'node:worker_threads';
import { netdevLinuxAdopt, netdevLinuxClass, type LinuxPortHandle } from './netdev-linux.js';
import { netdevInternalClass, netdevTapClass } from './netdev-tap.js';
import { netdevClose } from './netdev.js';
import { NetdevRelay, type RelayOptions } from './netdev-relay.js';
import { type NetdevClass } from './netdev-provider.js';

/** What the parent passes as workerData. */
export interface RelayThreadData { a: LinuxPortHandle; b: LinuxPortHandle; options?: RelayOptions }

/** URL of this module, for `new Worker(relayThreadUrl, { workerData })`. */
export const relayThreadUrl = new URL(import.meta.url);

function classFor(type: string): NetdevClass {
  return type === 'internal' ? netdevInternalClass : type === 'tap' ? netdevTapClass : netdevLinuxClass;
}

if (parentPort && workerData && (workerData as RelayThreadData).a) {
  const data = workerData as RelayThreadData;
  const port = parentPort;
  const a = netdevLinuxAdopt(data.a, classFor(data.a.type));
  const b = netdevLinuxAdopt(data.b, classFor(data.b.type));
  const relay = new NetdevRelay(a, b, data.options);
  relay.start();
  port.on('message', (m) => {
    if (m === 'counters') {
      port.postMessage({ counters: relay.counters() });
    } else if (m === 'stop') {
      relay.stop();
      netdevClose(a);
      netdevClose(b);
      port.postMessage({ stopped: true });
      port.close();
    }
  });
  port.postMessage({ ready: true });
}
