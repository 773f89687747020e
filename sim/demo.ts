// A small demo world: four gossiping counter processes that persist (and sync) to their disks, with a crash/restart, a
// partition, a link break, a pause and a disk fault, then the run summary. `tsx sim/demo.ts [--seed N] [--json]`.
// The determinism test runs this file in a fresh node process and compares hashes.
import { fileURLToPath } from 'node:url';
import { apply_fault_plan, type FaultPlan } from './fault-plan.js';
import { generate_nemesis_plan } from './nemesis.js';
import type { ProcessContext, SimProcess } from './types.js';
import { World, type WorldSummary } from './world.js';

const node_ids = ['n0', 'n1', 'n2', 'n3'];

/** Counts messages it received; gossips to random peers; saves its count to disk every 200 ms of its clock. */
class GossipCounter implements SimProcess {
  private received = 0;
  private recovered = false;
  constructor(private readonly context: ProcessContext) {}
  onStart(): void {
    this.context.disk.get('count', (result) => {
      if (result.ok && result.value.length === 4) {
        this.received = new DataView(result.value.buffer, result.value.byteOffset).getUint32(0);
        this.context.probe('demo.restored_count');
      }
      this.recovered = true;
      this.context.log('demo.recovered', { received: this.received });
    });
    this.context.setTimer(10, 'gossip');
    this.context.setTimer(200, 'save');
  }
  onMessage(from: string, message: unknown): void {
    this.received++;
    const kind = (message as { type: string }).type;
    if (kind === 'ping') this.context.send(from, { type: 'pong', received: this.received });
  }
  onTimer(tag: unknown): void {
    if (tag === 'gossip') {
      const peers = node_ids.filter((id) => id !== this.context.process_id);
      const peer = peers[this.context.rng.int_inclusive(0, peers.length - 1)] as string;
      this.context.send(peer, { type: 'ping' });
      this.context.setTimer(this.context.rng.int_inclusive(5, 20), 'gossip');
    } else if (tag === 'save') {
      if (this.recovered) {
        const bytes = new Uint8Array(4);
        new DataView(bytes.buffer).setUint32(0, this.received);
        // Durable only once synced: a crash before the sync may drop or tear the write.
        this.context.disk.put('count', bytes, (written) => {
          if (written.ok) this.context.disk.sync('count', () => {});
        });
      }
      this.context.setTimer(200, 'save');
    }
  }
  onLinkBroken(peer: string): void {
    this.context.log('demo.link_broken', { peer });
  }
}

export const demo_fault_plan: FaultPlan = [
  { at_ms: 500, kind: 'crash', target: 'n1' },
  { at_ms: 800, kind: 'restart', target: 'n1' },
  { at_ms: 1000, kind: 'partition_isolate', target: 'n2', duration_ms: 500 },
  { at_ms: 1200, kind: 'link_break', a: 'n0', b: 'n3' },
  { at_ms: 1300, kind: 'pause', target: 'n3', duration_ms: 300 },
  { at_ms: 1400, kind: 'clock_drift', target: 'n0', drift_ppm: 200 },
  { at_ms: 1500, kind: 'storage_bit_flip_write', store: 'disk/n0', key_prefix: '', count: 1 },
];

/** Builds and runs the demo world for `duration_ms` of virtual time. */
export function run_demo(
  seed: number,
  options: { duration_ms?: number; nemesis?: boolean; lines?: (line: string) => void } = {},
): WorldSummary {
  const world = new World({ seed, scenario: 'sim-demo', trace: options.lines === undefined ? 'none' : { lines: options.lines } });
  for (const id of node_ids) world.add_process(id, (context) => new GossipCounter(context));
  apply_fault_plan(world, demo_fault_plan);
  const duration_ms = options.duration_ms ?? 3000;
  if (options.nemesis === true) {
    const { plan } = generate_nemesis_plan(world.random('faults'), {
      start_ms: 0,
      end_ms: duration_ms,
      rates_per_s: { crash: 1, partition_split: 1, pause: 1, link_break: 2, storage_torn_write: 1 },
      targets: node_ids,
      stores: world.store_names(),
      swarm: true,
    });
    apply_fault_plan(world, plan);
  }
  world.phase('safety');
  world.run({ until_ms: duration_ms });
  return world.finish();
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arguments_ = process.argv.slice(2);
  const seed_index = arguments_.indexOf('--seed');
  const seed = seed_index === -1 ? 1 : Number(arguments_[seed_index + 1]);
  const summary = run_demo(seed, { nemesis: arguments_.includes('--nemesis') });
  if (arguments_.includes('--json')) console.log(JSON.stringify(summary));
  else console.log(summary);
}
