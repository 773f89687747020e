// Seeded random streams for the world: one integer-first class (Rng) over seedrandom's alea generator.
// Streams fork by name (child seed `${seed}/${name}`), so drawing from one stream never shifts another.
import seedrandom from 'seedrandom';
import type { RandomStream } from './types.js';

export type RngState = { seed: string; alea: seedrandom.State.Alea };

export class Rng implements RandomStream {
  readonly seed: string;
  private readonly generator: seedrandom.StatefulPRNG<seedrandom.State.Alea>;

  constructor(seed: string | number, state?: seedrandom.State.Alea) {
    this.seed = String(seed);
    if (this.seed.length === 0) throw new Error('Rng: the seed must be a non-empty string (never entropy)');
    this.generator =
      state === undefined
        ? seedrandom.alea(this.seed, { state: true })
        : seedrandom.alea(this.seed, { state: { ...state } });
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.generator();
  }

  /** Uniform integer in [min, max], both inclusive. */
  int_inclusive(min: number, max: number): number {
    if (!(Number.isInteger(min) && Number.isInteger(max) && min <= max)) {
      throw new Error(`Rng.int_inclusive: need integers min <= max, got ${min}, ${max}`);
    }
    return min + Math.floor(this.generator() * (max - min + 1));
  }

  /** Uniform float in [min, max). */
  float_between(min: number, max: number): number {
    return min + this.generator() * (max - min);
  }

  /** True with probability ratio (0..1). ratio 0 never, ratio 1 always. */
  chance(ratio: number): boolean {
    return this.generator() < ratio;
  }

  /** One element, uniformly. The array must not be empty. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty array');
    return items[Math.floor(this.generator() * items.length)] as T;
  }

  /** An index drawn with probability proportional to weights[i] (all >= 0, sum > 0). */
  weighted_index(weights: readonly number[]): number {
    let total = 0;
    for (const weight of weights) {
      if (!(weight >= 0)) throw new Error(`Rng.weighted_index: negative or NaN weight ${weight}`);
      total += weight;
    }
    if (!(total > 0)) throw new Error('Rng.weighted_index: weights sum to zero');
    let point = this.generator() * total;
    for (let index = 0; index < weights.length; index++) {
      point -= weights[index] as number;
      if (point < 0) return index;
    }
    // Floating point rounding: the last positive weight.
    for (let index = weights.length - 1; index >= 0; index--) if ((weights[index] as number) > 0) return index;
    throw new Error('unreachable');
  }

  /** One of the entries, with probability proportional to its weight. */
  weighted_pick<T>(entries: readonly (readonly [T, number])[]): T {
    const index = this.weighted_index(entries.map((entry) => entry[1]));
    return (entries[index] as readonly [T, number])[0];
  }

  /** Fisher–Yates, in place; returns the same array. */
  shuffle_in_place<T>(items: T[]): T[] {
    for (let index = items.length - 1; index > 0; index--) {
      const other = Math.floor(this.generator() * (index + 1));
      const held = items[index] as T;
      items[index] = items[other] as T;
      items[other] = held;
    }
    return items;
  }

  /** Exponential with the given mean (inter-arrival time of a Poisson process). */
  exponential(mean: number): number {
    return -Math.log(1 - this.generator()) * mean;
  }

  /** An independent child stream seeded `${seed}/${name}`: its draws never shift this stream or its siblings. */
  fork(name: string): Rng {
    return new Rng(`${this.seed}/${name}`);
  }

  /** The exact position of this stream, plain JSON. */
  save_state(): RngState {
    return { seed: this.seed, alea: { ...this.generator.state() } };
  }

  static from_state(state: RngState): Rng {
    return new Rng(state.seed, state.alea);
  }
}
