// Datapath threads on real ports: a NetdevRelay and a dpif-netdev running in
// worker_threads on netdevs the main thread opened and handed over as fd
// handles, with traffic between two namespaces as in netdev-linux.test.ts
// (tests/helpers/netns.ts).  Needs root and ip(8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { netdevInitialize } from '../src/datapath/netdev-classes.js';
import { netdevClose } from '../src/datapath/netdev.js';
import { type Netdev } from '../src/datapath/netdev-provider.js';
import { netdevLinuxSetUserspaceTso, netdevLinuxExport } from '../src/datapath/netdev-linux.js';
import { relayThreadUrl, type RelayThreadData } from '../src/datapath/netdev-relay-thread.js';
import { newFlowKey, W } from '../src/datapath/flow.js';
import { DpifNetdevThread } from '../src/datapath/dpif-netdev-thread.js';
import { skip, setup, teardown, open, pingAndTcp, TCP_BYTES, A0, B0 } from './helpers/netns.js';

test('a worker thread relays on ports the main thread opened', { skip, timeout: 30000 }, async () => {
  netdevInitialize();
  netdevLinuxSetUserspaceTso(true);
  setup(false);
  let a: Netdev | null = null, b: Netdev | null = null, worker: Worker | null = null;
  try {
    a = open(A0, 'system');
    b = open(B0, 'system');
    const data: RelayThreadData = { a: netdevLinuxExport(a)!, b: netdevLinuxExport(b)!, options: { packetCapacity: 65546 } };
    worker = new Worker(relayThreadUrl, { workerData: data });
    const w = worker;
    const next = () => new Promise<Record<string, unknown>>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    assert.deepEqual(await next(), { ready: true });
    await pingAndTcp();
    w.postMessage('counters');
    const { counters } = await next() as { counters: { packets: number; bytes: number }[] };
    assert.ok(counters[0]!.bytes >= TCP_BYTES, JSON.stringify(counters));
    w.postMessage('stop');
    assert.deepEqual(await next(), { stopped: true });
  } finally {
    await worker?.terminate();
    if (a) netdevClose(a);
    if (b) netdevClose(b);
    netdevLinuxSetUserspaceTso(false);
    teardown();
  }
});

test('dpif-netdev in a worker thread: upcalls answered by the main thread', { skip, timeout: 30000 }, async () => {
  netdevInitialize();
  netdevLinuxSetUserspaceTso(true);
  setup(false);
  let a: Netdev | null = null, b: Netdev | null = null, dp: DpifNetdevThread | null = null;
  try {
    a = open(A0, 'system');
    b = open(B0, 'system');
    let upcalls = 0;
    // A two-port bridge: megaflows match in_port and the MACs only.
    const mask = newFlowKey();
    for (const w of [W.IN_PORT, W.RECIRC_ID, W.ETH_SRC_LO, W.ETH_DST_LO]) mask[w] = 0xffffffff;
    mask[W.ETH_SRC_HI] = mask[W.ETH_DST_HI] = 0xffff;
    dp = await DpifNetdevThread.start(
      [{ portNo: 1, handle: netdevLinuxExport(a)! }, { portNo: 2, handle: netdevLinuxExport(b)! }],
      (u) => {
        upcalls++;
        return { actions: [{ type: 'output', port: u.inPort === 1 ? 2 : 1 }], mask };
      },
      { packetCapacity: 65546 });
    const t = dp;
    await pingAndTcp(async () => `${(await t.flowDump()).join('\n')}\n${JSON.stringify(await t.stats())}`);
    const flows = await dp.flowDump();
    assert.ok(flows.length >= 2, flows.join('\n'));
    assert.ok(upcalls >= 2 && upcalls <= 30, `upcalls ${upcalls}`);
    assert.match(flows.join('\n'), /^recirc_id\(0\),in_port\(1\),eth\(src=[0-9a-f:]+,dst=[0-9a-f:]+\), packets:\d+, bytes:\d+, used:[\d.]+s(, flags:[^,]+)?, actions:2$/m);
    const stats = await dp.stats();
    assert.ok(stats.emcHits + stats.megaflowHits > 20, JSON.stringify(stats));
  } finally {
    await dp?.stop();
    if (a) netdevClose(a);
    if (b) netdevClose(b);
    netdevLinuxSetUserspaceTso(false);
    teardown();
  }
});
