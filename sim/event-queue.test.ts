// Specification of the event queue: (time, sequence) order, payload round trip, the explicit bound.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { EventQueue } from './event-queue.js';
import { InvariantViolation } from './invariant.js';
import { property_runs } from './test-support.js';

describe('EventQueue', () => {
  test.prop([fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 300 })], {
    numRuns: property_runs(),
  })('pops in (time, insertion order) and carries payloads intact, with interleaved pops', (operations) => {
    const queue = new EventQueue(10_000);
    const model: { time_ms: number; order: number }[] = [];
    let order = 0;
    const check_pop = (): void => {
      model.sort((x, y) => x.time_ms - y.time_ms || x.order - y.order);
      const expected = model.shift();
      expect(queue.pop()).toBe(expected !== undefined);
      if (expected === undefined) return;
      expect(queue.popped_time_ms).toBe(expected.time_ms);
      expect(queue.popped_a).toBe(expected.order);
      expect(queue.popped_c).toBe(expected.order * 0.5);
      expect(queue.popped_ref).toEqual({ order: expected.order });
    };
    for (const [time_ms, pop_first] of operations) {
      if (pop_first) check_pop();
      queue.push(time_ms, 3, order, -order, order * 0.5, { order });
      model.push({ time_ms, order });
      order++;
    }
    while (model.length > 0) check_pop();
    expect(queue.size).toBe(0);
    expect(queue.pop()).toBe(false);
    expect(queue.peek_time_ms()).toBe(Infinity);
  });

  it('grows up to max_queued_events and then fails loudly, naming the bound', () => {
    const queue = new EventQueue(3000);
    for (let index = 0; index < 3000; index++) queue.push(index, 0, 0, 0, 0, undefined);
    expect(() => queue.push(1, 0, 0, 0, 0, undefined)).toThrow(InvariantViolation);
    expect(() => queue.push(1, 0, 0, 0, 0, undefined)).toThrow(/max_queued_events=3000/);
    // Still consistent after the refused push.
    for (let index = 0; index < 3000; index++) {
      expect(queue.pop()).toBe(true);
      expect(queue.popped_time_ms).toBe(index);
    }
  });

  it('reuses slots: a steady push/pop load never hits a small bound', () => {
    const queue = new EventQueue(8);
    for (let index = 0; index < 8; index++) queue.push(index, 0, 0, 0, 0, undefined);
    for (let index = 0; index < 10_000; index++) {
      queue.pop();
      queue.push(queue.popped_time_ms + 8, 0, 0, 0, 0, undefined);
    }
    expect(queue.size).toBe(8);
  });
});
