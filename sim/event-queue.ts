// The world's event queue: a binary min-heap ordered by (time_ms, tie key) over parallel typed arrays, with an
// explicit bound (max_queued_events). The tie key is the scheduling sequence number, or a seeded random draw when
// ties are shuffled. Each event carries a kind, two int32 arguments, a float and a reference. The simulator's hot path.
import { InvariantViolation } from './invariant.js';

const initial_capacity = 1024;
/** With shuffled ties the key is draw * TIE_SEQUENCE_SPAN + (sequence mod span): exact in a double for 32-bit draws. */
const TIE_SEQUENCE_SPAN = 2 ** 21;

/** A seeded source of 32-bit integers (0 ≤ n < 2^32) that orders events falling at the same time. */
export type TieDraw = () => number;

export class EventQueue {
  readonly max_queued_events: number;
  /** Events currently queued. */
  size = 0;
  /** Next sequence number: ties in time break by it (unless shuffled), so equal-time events run in scheduling order. */
  private next_sequence = 0;
  private capacity: number;
  // Heap order: position → (time, sequence, slot). Moving three numbers per level beats an indirection per compare.
  private heap_time_ms: Float64Array;
  private heap_sequence: Float64Array;
  private heap_slot: Int32Array;
  // Payload by slot; slots are recycled through a free stack so the arrays never grow past the bound.
  private slot_kind: Int32Array;
  private slot_a: Int32Array;
  private slot_b: Int32Array;
  private slot_c: Float64Array;
  private slot_ref: unknown[];
  private free_slots: Int32Array;
  private free_count: number;

  // Fields of the last popped event (read right after pop(); no allocation per event).
  popped_time_ms = 0;
  popped_kind = 0;
  popped_a = 0;
  popped_b = 0;
  popped_c = 0;
  popped_ref: unknown = undefined;

  /**
   * `tie_draw` absent: equal-time events run in scheduling order. Present: in the order of a seeded draw per event
   * (the same seed gives the same order), to explore interleavings.
   */
  constructor(
    max_queued_events: number,
    private readonly tie_draw?: TieDraw,
  ) {
    if (!(Number.isInteger(max_queued_events) && max_queued_events > 0)) {
      throw new Error(`EventQueue: max_queued_events must be a positive integer, got ${max_queued_events}`);
    }
    this.max_queued_events = max_queued_events;
    this.capacity = Math.min(initial_capacity, max_queued_events);
    this.heap_time_ms = new Float64Array(this.capacity);
    this.heap_sequence = new Float64Array(this.capacity);
    this.heap_slot = new Int32Array(this.capacity);
    this.slot_kind = new Int32Array(this.capacity);
    this.slot_a = new Int32Array(this.capacity);
    this.slot_b = new Int32Array(this.capacity);
    this.slot_c = new Float64Array(this.capacity);
    this.slot_ref = new Array<unknown>(this.capacity).fill(undefined);
    this.free_slots = new Int32Array(this.capacity);
    for (let index = 0; index < this.capacity; index++) this.free_slots[index] = this.capacity - 1 - index;
    this.free_count = this.capacity;
  }

  /** Queues an event; throws InvariantViolation naming the bound when the queue is full. */
  push(time_ms: number, kind: number, a: number, b: number, c: number, ref: unknown): void {
    if (this.size === this.capacity) this.grow();
    const slot = this.free_slots[--this.free_count] as number;
    this.slot_kind[slot] = kind;
    this.slot_a[slot] = a;
    this.slot_b[slot] = b;
    this.slot_c[slot] = c;
    this.slot_ref[slot] = ref;
    const sequence =
      this.tie_draw === undefined ? this.next_sequence++ : this.tie_draw() * TIE_SEQUENCE_SPAN + (this.next_sequence++ % TIE_SEQUENCE_SPAN);
    // Sift up.
    const heap_time_ms = this.heap_time_ms;
    const heap_sequence = this.heap_sequence;
    const heap_slot = this.heap_slot;
    let position = this.size++;
    while (position > 0) {
      const parent = (position - 1) >> 1;
      const parent_time_ms = heap_time_ms[parent] as number;
      if (parent_time_ms < time_ms || (parent_time_ms === time_ms && (heap_sequence[parent] as number) < sequence)) {
        break;
      }
      heap_time_ms[position] = parent_time_ms;
      heap_sequence[position] = heap_sequence[parent] as number;
      heap_slot[position] = heap_slot[parent] as number;
      position = parent;
    }
    heap_time_ms[position] = time_ms;
    heap_sequence[position] = sequence;
    heap_slot[position] = slot;
  }

  /** Time of the earliest event; Infinity when empty. */
  peek_time_ms(): number {
    return this.size === 0 ? Infinity : (this.heap_time_ms[0] as number);
  }

  /** Removes the earliest event into the popped_* fields. Returns false when empty. */
  pop(): boolean {
    if (this.size === 0) return false;
    const heap_time_ms = this.heap_time_ms;
    const heap_sequence = this.heap_sequence;
    const heap_slot = this.heap_slot;
    const slot = heap_slot[0] as number;
    this.popped_time_ms = heap_time_ms[0] as number;
    this.popped_kind = this.slot_kind[slot] as number;
    this.popped_a = this.slot_a[slot] as number;
    this.popped_b = this.slot_b[slot] as number;
    this.popped_c = this.slot_c[slot] as number;
    this.popped_ref = this.slot_ref[slot];
    this.slot_ref[slot] = undefined;
    this.free_slots[this.free_count++] = slot;

    const size = --this.size;
    if (size > 0) {
      // Sift the last element down from the root.
      const moving_time_ms = heap_time_ms[size] as number;
      const moving_sequence = heap_sequence[size] as number;
      const moving_slot = heap_slot[size] as number;
      let position = 0;
      const half = size >> 1;
      while (position < half) {
        let child = 2 * position + 1;
        let child_time_ms = heap_time_ms[child] as number;
        let child_sequence = heap_sequence[child] as number;
        const right = child + 1;
        if (right < size) {
          const right_time_ms = heap_time_ms[right] as number;
          const right_sequence = heap_sequence[right] as number;
          if (right_time_ms < child_time_ms || (right_time_ms === child_time_ms && right_sequence < child_sequence)) {
            child = right;
            child_time_ms = right_time_ms;
            child_sequence = right_sequence;
          }
        }
        if (moving_time_ms < child_time_ms || (moving_time_ms === child_time_ms && moving_sequence < child_sequence)) {
          break;
        }
        heap_time_ms[position] = child_time_ms;
        heap_sequence[position] = child_sequence;
        heap_slot[position] = heap_slot[child] as number;
        position = child;
      }
      heap_time_ms[position] = moving_time_ms;
      heap_sequence[position] = moving_sequence;
      heap_slot[position] = moving_slot;
    }
    return true;
  }

  private grow(): void {
    if (this.capacity >= this.max_queued_events) {
      throw new InvariantViolation(`event queue is full: max_queued_events=${this.max_queued_events} reached`, {
        max_queued_events: this.max_queued_events,
      });
    }
    const old_capacity = this.capacity;
    const capacity = Math.min(old_capacity * 2, this.max_queued_events);
    const grow_f64 = (old: Float64Array): Float64Array => {
      const next = new Float64Array(capacity);
      next.set(old);
      return next;
    };
    const grow_i32 = (old: Int32Array): Int32Array => {
      const next = new Int32Array(capacity);
      next.set(old);
      return next;
    };
    this.heap_time_ms = grow_f64(this.heap_time_ms);
    this.heap_sequence = grow_f64(this.heap_sequence);
    this.heap_slot = grow_i32(this.heap_slot);
    this.slot_kind = grow_i32(this.slot_kind);
    this.slot_a = grow_i32(this.slot_a);
    this.slot_b = grow_i32(this.slot_b);
    this.slot_c = grow_f64(this.slot_c);
    for (let index = old_capacity; index < capacity; index++) this.slot_ref.push(undefined);
    // All old slots are in use (the queue was full), so the free stack holds exactly the new ones.
    this.free_slots = new Int32Array(capacity);
    this.free_count = 0;
    for (let slot = capacity - 1; slot >= old_capacity; slot--) this.free_slots[this.free_count++] = slot;
    this.capacity = capacity;
  }
}
