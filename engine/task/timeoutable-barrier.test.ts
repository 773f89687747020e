// Flink's timeoutable aligned barrier on the output side: a barrier queued behind buffers without credit leaves as a
// priority barrier when the aligned-checkpoint timeout runs out, the records it overtook are returned as the
// channel's output state and still delivered afterwards, in order; one that left in order tells its listener.
import { describe, expect, it } from 'vitest';
import { InputGate, OutputChannel, type InputChannel, type NetworkBuffer, type NetworkConfig } from './network.js';

const fail = (message: string): never => {
  throw new Error(message);
};

function link(config: NetworkConfig) {
  const gate = new InputGate(fail);
  const input = gate.addChannel('0:0:0', 'tm-a', true, config.input_buffers_per_channel);
  const arrived: NetworkBuffer[] = [];
  const sent_barriers: number[] = [];
  const listener = { full_output_channels: 0, onOutputAvailable() {}, onPartialBufferStarted() {}, onQueuedBarrierSent: (id: number) => sent_barriers.push(id) };
  const output: OutputChannel = new OutputChannel('0:0:0', 'tm-a', true, config, {
    sendBuffer: (_channel, buffer) => {
      arrived.push(buffer);
      if (buffer.kind !== 'barrier' || buffer.priority !== true) gate.receive(input, buffer);
    },
    returnCredit: (_channel: InputChannel, credits: number) => output.addCredit(credits),
  }, listener, fail);
  return { gate, input, output, arrived, sent_barriers };
}

const config: NetworkConfig = { buffer_records: 2, input_buffers_per_channel: 1, output_queue_buffers: 4, buffer_timeout_ms: null };

describe('timeoutable barrier in an output queue', () => {
  it('overtakes the queued buffers at the timeout; they are its output state and are still sent after it', () => {
    const { gate, input, output, arrived, sent_barriers } = link(config);
    for (let i = 0; i < 6; i++) output.addRecord(i, i);
    output.addEvent({ kind: 'barrier', checkpoint_id: 7, timestamp_ms: 100 });
    // One buffer went with the only credit; two wait, then the barrier.
    expect(output.hasQueuedBarrier(7)).toBe(true);
    const overtaken = output.promoteQueuedBarrier(7);
    expect(overtaken?.values).toEqual([2, 3, 4, 5]);
    expect(output.hasQueuedBarrier(7)).toBe(false);
    expect(arrived.at(-1)).toEqual({ kind: 'barrier', checkpoint_id: 7, timestamp_ms: 100, priority: true });
    expect(output.promoteQueuedBarrier(7)).toBeUndefined();
    // The overtaken records still arrive, in order, as credit comes back.
    const values: unknown[] = [];
    while (input.queue.length > 0) {
      const buffer = gate.consumeHead(input);
      if (buffer.kind === 'records') values.push(...buffer.values);
      const credit = input.pending_credit;
      input.pending_credit = 0;
      if (credit > 0) output.addCredit(credit);
    }
    expect(values).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sent_barriers).toEqual([]);
  });

  it('tells the listener when the barrier left in order (nothing to overtake any more)', () => {
    const { gate, input, output, sent_barriers } = link(config);
    for (let i = 0; i < 2; i++) output.addRecord(i, i);
    output.addEvent({ kind: 'barrier', checkpoint_id: 8, timestamp_ms: 0 });
    expect(output.hasQueuedBarrier(8)).toBe(true);
    gate.consumeHead(input);
    output.addCredit(input.pending_credit);
    input.pending_credit = 0;
    expect(output.hasQueuedBarrier(8)).toBe(false);
    expect(sent_barriers).toEqual([8]);
  });
});
