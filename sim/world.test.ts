// Specification of the world's processes: start, crash (volatile state lost, disk kept), restart with a new
// incarnation, pause (events held then delivered in order), per-process clocks, timers, invariant failures.
import { describe, expect, it } from 'vitest';
import { InvariantViolation, World } from './world.js';
import { recorder, type Observed } from './test-support.js';
import type { ProcessContext, SimProcess } from './types.js';

const fixed_1ms = { kind: 'fixed', delay_ms: 1 } as const;

describe('World processes', () => {
  it('starts processes as events, in order, with incarnation 0', () => {
    const world = new World({ seed: 1 });
    const log: Observed[] = [];
    world.add_process('a', recorder(log, () => world.now_ms));
    world.add_process('b', recorder(log, () => world.now_ms), { start_after_ms: 5 });
    expect(log).toEqual([]); // nothing runs until the world runs
    expect(world.incarnation('a')).toBe(-1);
    world.run();
    expect(log).toEqual([
      { kind: 'start', node: 'a', incarnation: 0, at_ms: 0 },
      { kind: 'start', node: 'b', incarnation: 0, at_ms: 5 },
    ]);
    expect(world.is_alive('a') && world.is_alive('b')).toBe(true);
  });

  it('a crash loses volatile state, keeps the disk; restart builds a new instance that sees only its disk', () => {
    const world = new World({ seed: 2 });
    const seen_on_start: { incarnation: number; disk_value: string | undefined; volatile: number }[] = [];
    class Counter implements SimProcess {
      volatile = 0;
      constructor(private readonly context: ProcessContext) {}
      onStart(): void {
        this.context.disk.get('saved', (result) => {
          seen_on_start.push({
            incarnation: this.context.incarnation,
            disk_value: result.ok ? new TextDecoder().decode(result.value) : undefined,
            volatile: this.volatile,
          });
          this.volatile = 100 + this.context.incarnation;
          // Synced: only a synced write is sure to survive a crash.
          this.context.disk.put('saved', new TextEncoder().encode(`written by ${this.context.incarnation}`), () => this.context.disk.sync('saved', () => {}));
        });
      }
      onMessage(): void {}
      onTimer(): void {}
    }
    world.add_process('p', (context) => new Counter(context));
    world.run({ until_ms: 100 });
    const first = world.process_object('p') as Counter;
    expect(first.volatile).toBe(100);
    expect(world.crash('p')).toBe(true);
    expect(world.is_alive('p')).toBe(false);
    expect(world.process_object('p')).toBeUndefined();
    expect(world.crash('p')).toBe(false); // crashing a dead process changes nothing
    world.restart('p', 50);
    world.run({ until_ms: 300 });
    const second = world.process_object('p') as Counter;
    expect(second).not.toBe(first);
    expect(world.incarnation('p')).toBe(1);
    expect(seen_on_start).toEqual([
      { incarnation: 0, disk_value: undefined, volatile: 0 },
      { incarnation: 1, disk_value: 'written by 0', volatile: 0 },
    ]);
    expect(new TextDecoder().decode(world.store('disk/p').peek('saved'))).toBe('written by 1');
  });

  it('a crash drops pending timers and storage callbacks of the old incarnation', () => {
    const world = new World({ seed: 3 });
    const log: Observed[] = [];
    let storage_callbacks = 0;
    world.add_process(
      'p',
      recorder(log, () => world.now_ms, {
        on_start: (context) => {
          if (context.incarnation === 0) {
            context.setTimer(100, 'old-timer');
            context.checkpoint_store.put('k', new Uint8Array([1, 2, 3]), () => storage_callbacks++);
          }
        },
      }),
    );
    world.run({ until_ms: 1 });
    world.crash('p');
    world.restart('p', 0);
    world.run({ until_ms: 500 });
    expect(log.filter((entry) => entry.kind === 'timer')).toEqual([]);
    expect(storage_callbacks).toBe(0);
    // The write itself was already issued to the device and completes (documented).
    expect(world.checkpoint_store.peek('k')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('restart of a live process crashes it first; each incarnation has its own random stream', () => {
    const world = new World({ seed: 4 });
    const draws: number[][] = [];
    world.add_process('p', (context) => ({
      onStart: () => draws.push([context.rng.next(), context.rng.next()]),
      onMessage: () => {},
      onTimer: () => {},
    }));
    world.run();
    world.restart('p');
    world.run();
    expect(world.incarnation('p')).toBe(1);
    expect(draws[0]).not.toEqual(draws[1]);
    // Same seed, same incarnation ⇒ same stream.
    const again = new World({ seed: 4 });
    const again_draws: number[][] = [];
    again.add_process('p', (context) => ({
      onStart: () => again_draws.push([context.rng.next(), context.rng.next()]),
      onMessage: () => {},
      onTimer: () => {},
    }));
    again.run();
    expect(again_draws[0]).toEqual(draws[0]);
  });

  it('pause holds messages and timers, then delivers them in their original order on resume', () => {
    const world = new World({ seed: 5, network: { default_latency: fixed_1ms } });
    const log: Observed[] = [];
    world.add_process('receiver', recorder(log, () => world.now_ms));
    let sender_context: ProcessContext | undefined;
    world.add_process('sender', recorder([], () => world.now_ms, { on_start: (context) => (sender_context = context) }));
    world.run();
    world.pause('receiver', 100);
    expect(world.is_paused('receiver')).toBe(true);
    world.schedule(10, () => {
      for (let index = 0; index < 5; index++) sender_context?.send('receiver', { type: 'm', index });
    });
    world.schedule(20, () => sender_context?.send('receiver', { type: 'm', index: 5 }));
    world.run({ until_ms: 99 });
    expect(log.filter((entry) => entry.kind === 'message')).toEqual([]); // nothing runs while paused
    world.run({ until_ms: 200 });
    const messages = log.filter((entry): entry is Extract<Observed, { kind: 'message' }> => entry.kind === 'message');
    expect(messages.map((entry) => (entry.message as { index: number }).index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(messages.every((entry) => entry.at_ms === 100)).toBe(true); // all delivered when the pause ended
  });

  it('a timer due during a pause fires after resume, in order with held messages', () => {
    const world = new World({ seed: 6, network: { default_latency: fixed_1ms } });
    const log: Observed[] = [];
    let receiver_context: ProcessContext | undefined;
    let sender_context: ProcessContext | undefined;
    world.add_process('r', recorder(log, () => world.now_ms, { on_start: (context) => (receiver_context = context) }));
    world.add_process('s', recorder([], () => world.now_ms, { on_start: (context) => (sender_context = context) }));
    world.run();
    receiver_context?.setTimer(20, 'due-in-pause');
    world.pause('r', 50);
    world.schedule(5, () => sender_context?.send('r', 'before-timer'));
    world.schedule(30, () => sender_context?.send('r', 'after-timer'));
    world.run({ until_ms: 100 });
    const order = log
      .filter((entry) => entry.kind === 'message' || entry.kind === 'timer')
      .map((entry) => (entry.kind === 'timer' ? String(entry.tag) : String((entry as { message: unknown }).message)));
    expect(order).toEqual(['before-timer', 'due-in-pause', 'after-timer']);
    expect(log.find((entry) => entry.kind === 'timer')?.at_ms).toBe(50);
  });

  it('clock offset shifts now_ms but not timer durations; drift scales both', () => {
    const world = new World({ seed: 7 });
    const log: Observed[] = [];
    let context_of_p: ProcessContext | undefined;
    world.add_process('p', recorder(log, () => world.now_ms, { on_start: (context) => (context_of_p = context) }));
    world.run();
    const context = context_of_p as ProcessContext;
    expect(context.now_ms()).toBe(0);

    world.set_clock_offset('p', 5000);
    expect(context.now_ms()).toBe(5000);
    context.setTimer(100, 'offset');
    world.run();
    const offset_fire = log.find((entry) => entry.kind === 'timer' && entry.tag === 'offset') as Extract<Observed, { kind: 'timer' }>;
    expect(offset_fire.at_ms).toBe(100); // a duration on a monotonic timer: the offset does not move it
    expect(offset_fire.local_ms).toBe(5100);

    // +100,000 ppm = the process clock runs 10% fast: its 110 ms pass in 100 ms of virtual time.
    world.set_clock_drift('p', 100_000);
    const local_before = context.now_ms();
    world.schedule(world.now_ms + 100, () => expect(context.now_ms() - local_before).toBeCloseTo(110, 9));
    context.setTimer(110, 'drift');
    world.run();
    const drift_fire = log.find((entry) => entry.kind === 'timer' && entry.tag === 'drift') as Extract<Observed, { kind: 'timer' }>;
    expect(drift_fire.at_ms).toBeCloseTo(200, 9);
    expect(drift_fire.local_ms - local_before).toBeCloseTo(110, 9);
    expect(world.process_now_ms('p')).toBeCloseTo(5000 + 100 + 110, 9);
  });

  it('cancelTimer stops a timer; timers fire in deadline order', () => {
    const world = new World({ seed: 8 });
    const log: Observed[] = [];
    world.add_process(
      'p',
      recorder(log, () => world.now_ms, {
        on_start: (context) => {
          context.setTimer(30, 'c');
          const cancelled = context.setTimer(20, 'cancelled');
          context.setTimer(10, 'a');
          context.setTimer(10, 'b');
          context.cancelTimer(cancelled);
        },
      }),
    );
    world.run();
    expect(log.filter((entry) => entry.kind === 'timer').map((entry) => (entry as { tag: unknown }).tag)).toEqual(['a', 'b', 'c']);
  });

  it('fail_invariant writes a violation with the seed and stops the run loudly', () => {
    const lines: string[] = [];
    const world = new World({ seed: 99, trace: { lines: (line) => lines.push(line) } });
    world.add_process('p', (context) => ({
      onStart: () => context.setTimer(5, 'boom'),
      onMessage: () => {},
      onTimer: () => context.fail_invariant('counter went backwards', { key: 'k' }),
    }));
    expect(() => world.run()).toThrow(InvariantViolation);
    expect(world.now_ms).toBe(5);
    const violation = JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>;
    expect(violation).toMatchObject({ kind: 'violation', node: 'p', seed: 99, message: 'counter went backwards' });
  });

  it('the event-queue bound stops a runaway world with an InvariantViolation naming it', () => {
    const world = new World({ seed: 10, max_queued_events: 1000 });
    world.add_process('p', (context) => ({
      onStart: () => {
        for (let index = 0; index < 2000; index++) context.setTimer(1, index);
      },
      onMessage: () => {},
      onTimer: () => {},
    }));
    expect(() => world.run()).toThrow(/max_queued_events=1000/);
  });

  it('run stops for the reason asked: until_ms (clock lands on it), until, max_events, idle', () => {
    const world = new World({ seed: 11 });
    let ticks = 0;
    world.add_process('p', (context) => ({
      onStart: () => context.setTimer(10, 'tick'),
      onMessage: () => {},
      onTimer: () => {
        ticks++;
        if (ticks < 100) context.setTimer(10, 'tick');
      },
    }));
    expect(world.run({ until_ms: 55 })).toEqual({ reason: 'until_ms', events: 6, now_ms: 55 });
    expect(world.run({ until: () => ticks >= 8 }).reason).toBe('until');
    expect(ticks).toBe(8);
    expect(world.run({ max_events: 3 })).toMatchObject({ reason: 'max_events', events: 3 });
    expect(world.run().reason).toBe('idle');
    expect(ticks).toBe(100);
    expect(world.now_ms).toBe(1000);
  });
});

describe('World loop', () => {
  it('refuses a nested run from inside an event', () => {
    const world = new World({ seed: 12 });
    world.schedule(1, () => world.run());
    expect(() => world.run()).toThrow(/only scheduler/);
    // The world stays usable afterwards.
    world.schedule(2, () => {});
    expect(world.run().reason).toBe('idle');
  });

  it('refuses to schedule in the past; step processes one event at a time', () => {
    const world = new World({ seed: 13 });
    const order: number[] = [];
    world.schedule(5, () => order.push(5));
    world.schedule(5, () => order.push(6)); // same time: scheduling order
    world.schedule(1, () => order.push(1));
    expect(world.step()).toBe(true);
    expect(order).toEqual([1]);
    expect(() => world.schedule(0, () => {})).toThrow(/in the past/);
    world.run();
    expect(order).toEqual([1, 5, 6]);
    expect(world.step()).toBe(false);
  });
});

describe('pause details', () => {
  it('holds storage callbacks too, and a held message dies with a link break during the pause', () => {
    const world = new World({ seed: 14, network: { default_latency: { kind: 'fixed', delay_ms: 1 } } });
    const seen: string[] = [];
    let receiver: ProcessContext | undefined;
    let sender: ProcessContext | undefined;
    world.add_process('r', (context) => {
      receiver = context;
      return {
        onStart: () => {},
        onMessage: (_from, message) => seen.push(`message ${String(message)} at ${world.now_ms}`),
        onTimer: () => {},
        onLinkBroken: (peer) => seen.push(`broken ${peer}`),
      };
    });
    world.add_process('s', (context) => {
      sender = context;
      return { onStart: () => {}, onMessage: () => {}, onTimer: () => {}, onLinkBroken: (peer) => seen.push(`s broken ${peer}`) };
    });
    world.run();
    world.pause('r', 100);
    receiver?.disk.put('k', new Uint8Array(1), () => seen.push(`stored at ${world.now_ms}`));
    world.schedule(10, () => sender?.send('r', 'doomed'));
    world.schedule(20, () => world.break_link('r', 's'));
    world.schedule(30, () => sender?.send('r', 'survivor'));
    world.run();
    expect(seen).toEqual(['s broken r', 'stored at 100', 'message survivor at 100']);
  });
});

describe('shuffled ties (exploring interleavings)', () => {
  /** Ten processes each set a timer for 5 ms: which order do the ten equal-time timers fire in? */
  function timer_order(seed: number, shuffle_ties: boolean): string[] {
    const world = new World({ seed, shuffle_ties });
    const fired: string[] = [];
    for (let index = 0; index < 10; index++) {
      const id = `p${index}`;
      world.add_process(id, (context) => ({
        onStart: () => void context.setTimer(5, 'tick'),
        onMessage: () => {},
        onTimer: () => void fired.push(id),
      }));
    }
    world.run();
    return fired;
  }

  it('off: equal-time events run in scheduling order', () => {
    const in_order = Array.from({ length: 10 }, (_, index) => `p${index}`);
    for (const seed of [1, 2, 3]) expect(timer_order(seed, false)).toEqual(in_order);
  });

  it('on: equal-time events run in an order the seed decides — the same for the same seed, different across seeds', () => {
    expect(timer_order(7, true)).toEqual(timer_order(7, true));
    const orders = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => timer_order(seed, true).join(',')));
    expect(orders.size).toBeGreaterThan(4);
    for (const seed of [1, 2]) expect([...timer_order(seed, true)].sort()).toEqual([...timer_order(seed, false)].sort());
  });

  it('on: messages of one link stay FIFO even when they fall at the same time', () => {
    for (const seed of [1, 2, 3, 4]) {
      const world = new World({ seed, shuffle_ties: true, network: { default_latency: fixed_1ms } });
      const received: number[] = [];
      world.add_process('receiver', () => ({ onStart: () => {}, onMessage: (_from, message) => void received.push((message as { index: number }).index), onTimer: () => {} }));
      // Sent from a timer: both processes have started by then, whichever order their starts ran in.
      world.add_process('sender', (context) => ({
        onStart: () => void context.setTimer(1, 'send'),
        onMessage: () => {},
        onTimer: () => {
          for (let index = 0; index < 50; index++) context.send('receiver', { type: 'm', index });
        },
      }));
      world.run();
      expect(received).toEqual(Array.from({ length: 50 }, (_, index) => index));
    }
  });
});
