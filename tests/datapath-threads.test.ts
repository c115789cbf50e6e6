// Datapath threads on real ports: a NetdevRelay and a dpif-netdev running in
// worker_threads on netdevs the main thread opened and handed over as fd
// handles, with traffic between two namespaces as in netdev-linux.test.ts
// (tests/helpers/netns.ts).  Needs root and ip(8).  The second is the PMD
// thread design ovs-vswitchd uses (dpif-netdev-thread.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { netdevInitialize } from '../src/datapath/netdev-classes.js';
import { netdevClose } from '../src/datapath/netdev.js';
import { type Netdev } from '../src/datapath/netdev-provider.js';
import { netdevLinuxSetUserspaceTso, netdevLinuxExport } from '../src/datapath/netdev-linux.js';
import { relayThreadUrl, type RelayThreadData } from '../src/datapath/netdev-relay-thread.js';
import { newFlowKey, W } from '../src/datapath/flow.js';
import { DpifNetdevPmd } from '../src/datapath/dpif-netdev-thread.js';
import { DpifNetdev, dpifNetdevPmdStatsShow } from '../src/datapath/dpif-netdev.js';
import { type OdpAction } from '../src/datapath/odp-actions.js';
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

test('dpif-netdev in a PMD thread: misses go up in batches, flows come down from the main datapath', { skip, timeout: 30000 }, async () => {
  netdevInitialize();
  netdevLinuxSetUserspaceTso(true);
  setup(false);
  let a: Netdev | null = null, b: Netdev | null = null, pmd: DpifNetdevPmd | null = null;
  const main = new DpifNetdev('ovs-pmdtest', { packetCapacity: 65546 });
  try {
    a = open(A0, 'system');
    b = open(B0, 'system');
    // The main thread's datapath holds the ports (sends only) and the flows.
    a.refCount++; b.refCount++;
    main.portAdd(a, 1, { rx: false });
    main.portAdd(b, 2, { rx: false });
    let upcalls = 0, batches = 0;
    // A two-port bridge: megaflows match in_port and the MACs only.
    const mask = newFlowKey();
    for (const w of [W.IN_PORT, W.RECIRC_ID, W.ETH_SRC_LO, W.ETH_DST_LO]) mask[w] = 0xffffffff;
    mask[W.ETH_SRC_HI] = mask[W.ETH_DST_HI] = 0xffff;
    pmd = new DpifNetdevPmd(3, {
      upcalls(list) {
        batches++;
        for (const u of list) {
          upcalls++;
          const actions: OdpAction[] = [{ type: 'output', port: u.inPort === 1 ? 2 : 1 }];
          main.flowPut(u.key, 0, mask, 0, actions);
          main.execute(u.packet, u.inPort, actions, u.ol);
        }
      },
      userspace() { /* none */ },
    }, 'ovs-pmdtest', { packetCapacity: 65546 });
    main.addRemote(pmd);
    pmd.portAdd(1, netdevLinuxExport(a)!);
    pmd.portAdd(2, netdevLinuxExport(b)!);
    await pingAndTcp(async () => `${main.flowDump().map((f) => main.formatFlow(f)).join('\n')}\n${JSON.stringify(pmd!.stats())}`);
    const flows = main.flowDump().map((f) => main.formatFlow(f));
    assert.ok(flows.length >= 2, flows.join('\n'));
    assert.ok(upcalls >= 2 && upcalls <= 30 && batches <= upcalls, `upcalls ${upcalls} in ${batches} batches`);
    // The PMD's hits are counted in the main datapath's dump.
    assert.match(flows.join('\n'), /^recirc_id\(0\),in_port\(1\),eth\(src=[0-9a-f:]+,dst=[0-9a-f:]+\), packets:[1-9]\d*, bytes:\d+, used:[\d.]+s(, flags:[^,]+)?, actions:2$/m);
    const stats = pmd.stats();
    assert.ok(stats.emcHits + stats.megaflowHits > 20, JSON.stringify(stats));
    assert.equal(stats.misses, upcalls);
    assert.match(dpifNetdevPmdStatsShow(main), /^pmd thread numa_id 0 core_id 3:\n  packets received: [1-9]/);
    // A deleted flow is gone from the PMD too: the next packets miss again.
    main.flowFlush();
    await pingAndTcp();
    assert.ok(pmd.stats().misses > stats.misses);
    await pmd.portDel(1);
    await pmd.portDel(2);
  } finally {
    await pmd?.stop();
    main.destroy();
    if (a) netdevClose(a);
    if (b) netdevClose(b);
    netdevLinuxSetUserspaceTso(false);
    teardown();
  }
});
