// Specification of refused deliveries: a message sent to a process that is down comes back to its sender as
// onSendRefused one round trip later (a connection reset); partitions, paused receivers and messages lost in flight
// refuse nothing; a crashed sender hears nothing and a paused one hears it at resume; refusals draw their round trips
// from a stream of their own, so they never shift the network's latencies.
import { describe, expect, it } from 'vitest';
import { World } from './world.js';
import { recorder, type Observed } from './test-support.js';
import type { LatencyModel } from './network.js';
import type { ProcessContext } from './types.js';

function two_processes(seed: number, latency: LatencyModel) {
  const world = new World({ seed, network: { default_latency: latency }, trace: { memory: { max_records: 10_000 } } });
  const log: Observed[] = [];
  const contexts = new Map<string, ProcessContext>();
  for (const id of ['a', 'b']) world.add_process(id, recorder(log, () => world.now_ms, { on_start: (context) => contexts.set(id, context) }));
  world.run();
  const send = (from: string, to: string, message: unknown): void => contexts.get(from)!.send(to, message);
  return { world, log, send, contexts };
}

const fixed_2ms = { kind: 'fixed', delay_ms: 2 } as const;

describe('refused deliveries', () => {
  it('a message to a crashed process comes back refused after one round trip, with the message', () => {
    const { world, log, send } = two_processes(1, fixed_2ms);
    world.crash('b');
    world.schedule(10, () => send('a', 'b', { type: 'ping', n: 1 }));
    world.run();
    expect(log.filter((o) => o.kind === 'refused')).toEqual([{ kind: 'refused', node: 'a', to: 'b', message: { type: 'ping', n: 1 }, at_ms: 14 }]);
    const traced = world.trace.records().filter((r) => r.kind === 'refused');
    expect(traced).toMatchObject([{ node: 'a', to: 'b', type: 'ping', time_ms: 14 }]);
  });

  it('partitions, paused receivers and messages in flight at a crash refuse nothing', () => {
    const { world, log, send } = two_processes(2, fixed_2ms);
    world.partition_isolate('b', 5);
    send('a', 'b', { type: 'cut' });
    world.run();
    world.pause('b', 5);
    send('a', 'b', { type: 'held' });
    world.run();
    send('a', 'b', { type: 'in-flight' });
    world.crash('b');
    world.run();
    expect(log.filter((o) => o.kind === 'refused')).toEqual([]);
    expect(log.filter((o) => o.kind === 'message').map((o) => (o as { message: { type: string } }).message.type)).toEqual(['held']);
  });

  it('a sender that crashed hears nothing, not even its next incarnation', () => {
    const { world, log, send } = two_processes(3, fixed_2ms);
    world.crash('b');
    send('a', 'b', { type: 'lost' });
    world.crash('a');
    world.restart('a', 1);
    world.run();
    expect(world.incarnation('a')).toBe(1);
    expect(log.filter((o) => o.kind === 'refused')).toEqual([]);
  });

  it('a paused sender is told at its resume, in order with its other held events', () => {
    const { world, log, send } = two_processes(4, fixed_2ms);
    world.crash('b');
    const start_ms = world.now_ms;
    send('a', 'b', { type: 'x' });
    world.pause('a', 50);
    world.run();
    expect(log.filter((o) => o.kind === 'refused')).toEqual([{ kind: 'refused', node: 'a', to: 'b', message: { type: 'x' }, at_ms: start_ms + 50 }]);
  });

  it('refusals never shift the latencies of other messages (their round trips come from their own stream)', () => {
    const deliveries = (refuse: boolean): number[] => {
      const { world, log, send } = two_processes(5, { kind: 'uniform', min_ms: 1, max_ms: 9 });
      world.add_process('c', recorder(log, () => world.now_ms));
      world.run();
      if (refuse) world.crash('c');
      for (let i = 0; i < 20; i++) {
        world.schedule(world.now_ms + i, () => {
          if (refuse) send('a', 'c', { type: 'to-dead' });
          send('a', 'b', { type: 'ok', i });
        });
      }
      world.run();
      return log.filter((o) => o.kind === 'message' && o.node === 'b').map((o) => o.at_ms);
    };
    expect(deliveries(true)).toEqual(deliveries(false));
  });
});
