// Specification of a run's memory budget: over its share of the heap limit a run stops with RunBudgetExceeded
// ('memory', bad input for the CLI: exit 2) naming the heap in use and how to go on; under it nothing happens.
import { describe, expect, it } from 'vitest';
import { check_heap, heap_check_every } from './heap-guard.js';
import { RunBudgetExceeded, RunStopped } from './run-stopped.js';

describe('the heap guard', () => {
  it('lets a run go on while the heap is under its share of the limit', () => {
    expect(() => check_heap('here')).not.toThrow();
  });

  it('stops a run over its share with a RunBudgetExceeded naming the heap, the limit and what to change', () => {
    let thrown: unknown;
    try {
      check_heap('at world event 5', 0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RunBudgetExceeded);
    expect(thrown).toBeInstanceOf(RunStopped);
    expect((thrown as RunBudgetExceeded).limit).toBe('memory');
    expect((thrown as Error).message).toMatch(/^run budget exceeded: \d+ MB of heap in use at world event 5, over 0% of the \d+ MB this process may hold; make the scenario smaller/);
    expect((thrown as Error).message).toContain('NODE_OPTIONS=--max-old-space-size=<MB>');
  });

  it('checks once every n calls', () => {
    const check = heap_check_every(3, 'in a loop', 0);
    expect(() => check()).not.toThrow();
    expect(() => check()).not.toThrow();
    expect(() => check()).toThrow(RunBudgetExceeded);
    expect(() => check()).not.toThrow();
  });
});
