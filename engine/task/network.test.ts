// Specification of the data plane: credit-based flow control (a sender sends only with credit), bounded FIFO
// channels, events in channel order, availability signalling, watermark merging in the input gate, and the buffer
// timeout (partial buffers wait for a flush; events send them first; watermarks travel inside them).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_WATERMARK } from '../api/functions.js';
import { InputGate, OutputChannel, type InputChannel, type NetworkBuffer, type NetworkConfig } from './network.js';

const runs = Number(process.env.STREAMSIM_PROPERTY_RUNS ?? 30);
const fail = (message: string): never => {
  throw new Error(message);
};

function link(config: NetworkConfig) {
  const gate = new InputGate(fail);
  const input = gate.addChannel('0:0:0', 'tm-a', true, config.input_buffers_per_channel);
  const listener = { full_output_channels: 0, wakes: 0, onOutputAvailable() { this.wakes++; }, partial_starts: 0, onPartialBufferStarted() { this.partial_starts++; } };
  const output: OutputChannel = new OutputChannel('0:0:0', 'tm-a', true, config, {
    sendBuffer: (_channel, buffer) => gate.receive(input, buffer),
    returnCredit: (_channel: InputChannel, credits: number) => output.addCredit(credits),
  }, listener, fail);
  return { gate, input, output, listener };
}

describe('credit-based channel', () => {
  const config: NetworkConfig = { buffer_records: 4, input_buffers_per_channel: 2, output_queue_buffers: 2, buffer_timeout_ms: null };

  it('sends only with credit; the rest waits in the bounded output queue; consuming returns credit', () => {
    const { gate, input, output, listener } = link(config);
    for (let i = 0; i < 16; i++) output.addRecord(i, i);
    expect(input.queue.length).toBe(2);
    expect(output.queued_buffers).toBe(2);
    expect(listener.full_output_channels).toBe(1);
    gate.consumeHead(input);
    output.addCredit(input.pending_credit);
    input.pending_credit = 0;
    expect(input.queue.length).toBe(2);
    expect(output.queued_buffers).toBe(1);
    expect(listener.full_output_channels).toBe(0);
    expect(listener.wakes).toBe(1);
  });

  it('delivers every record once, in order, with events in channel order, for any consumption pattern', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('record'), fc.constant('watermark'), fc.constant('consume')), { maxLength: 200 }), (ops) => {
        const { gate, input, output } = link(config);
        const received: string[] = [];
        const sent: string[] = [];
        let n = 0;
        const consume = (): void => {
          const buffer: NetworkBuffer = gate.consumeHead(input);
          if (buffer.kind !== 'records') return;
          const marks = buffer.watermarks ?? [];
          for (let i = 0; i <= buffer.values.length; i++) {
            for (const mark of marks) if (mark.after_records === i) received.push(`w${mark.timestamp_ms}`);
            if (i < buffer.values.length) received.push(`r${String(buffer.values[i])}`);
          }
          const credit = input.pending_credit;
          input.pending_credit = 0;
          output.addCredit(credit);
        };
        for (const op of ops) {
          if (op === 'record' && output.queued_buffers < config.output_queue_buffers) {
            output.addRecord(n, n);
            sent.push(`r${n++}`);
          } else if (op === 'watermark') {
            output.addWatermark(n);
            // A newer watermark right after another one (no record between) replaces it.
            if (sent.at(-1)?.startsWith('w') === true) sent.pop();
            sent.push(`w${n}`);
          } else if (op === 'consume' && input.queue.length > 0) {
            consume();
          }
          expect(input.queue.length).toBeLessThanOrEqual(config.input_buffers_per_channel);
        }
        output.finishPartial();
        while (input.queue.length > 0) consume();
        expect(received).toEqual(sent);
      }),
      { numRuns: runs },
    );
  });
});

describe('input gate watermarks', () => {
  it('the combined watermark is the minimum over channels; ended channels count as +∞', () => {
    const gate = new InputGate(fail);
    const a = gate.addChannel('a', 'x', true, 2);
    const b = gate.addChannel('b', 'x', true, 2);
    expect(gate.onWatermark(a, 10)).toBeUndefined();
    expect(gate.onWatermark(b, 5)).toBe(5);
    expect(gate.onWatermark(b, 20)).toBe(10);
    expect(gate.onEndOfPartition(a)).toEqual({ all_ended: false, change: { watermark: 20 } });
    expect(gate.onEndOfPartition(b)).toEqual({ all_ended: true, change: { watermark: MAX_WATERMARK } });
  });

  it('blocked channels are skipped when reading (aligned checkpoints)', () => {
    const gate = new InputGate(fail);
    const a = gate.addChannel('a', 'x', true, 2);
    const b = gate.addChannel('b', 'x', true, 2);
    gate.receive(a, { kind: 'records', values: [1], timestamps: [1] });
    gate.receive(b, { kind: 'records', values: [2], timestamps: [2] });
    gate.blockChannel(a);
    expect(gate.nextReadable()).toBe(b);
    gate.consumeHead(b);
    expect(gate.nextReadable()).toBeUndefined();
    gate.unblockAll();
    expect(gate.nextReadable()).toBe(a);
  });
});

describe('unaligned checkpoint support', () => {
  const config: NetworkConfig = { buffer_records: 4, input_buffers_per_channel: 2, output_queue_buffers: 2, buffer_timeout_ms: null };

  it('a priority barrier leaves at once, without credit, ahead of queued buffers, and reports what it overtook', () => {
    const sent: NetworkBuffer[] = [];
    const listener = { full_output_channels: 0, onOutputAvailable() {}, onPartialBufferStarted() {} };
    const output = new OutputChannel('0:0:0', 'tm-b', false, config, {
      sendBuffer: (_channel, buffer) => sent.push(buffer),
      returnCredit: () => {},
    }, listener, fail);
    for (let i = 0; i < 14; i++) output.addRecord(i, 100 + i); // 2 buffers sent (credit 2), 1 queued, 2 records partial
    expect(sent).toHaveLength(2);
    expect(output.available_credit).toBe(0);
    const overtaken = output.sendPriorityBarrier(7);
    expect(sent[2]).toEqual({ kind: 'barrier', checkpoint_id: 7, priority: true });
    expect(overtaken).toEqual({ channel: '0:0:0', values: [8, 9, 10, 11, 12, 13], timestamps: [108, 109, 110, 111, 112, 113] });
    expect(output.available_credit).toBe(0);
    expect(output.buffers_sent).toBe(3);
    // The overtaken records are still sent afterwards, in order.
    output.addCredit(2);
    expect(sent.slice(3).flatMap((b) => (b.kind === 'records' ? b.values : []))).toEqual([8, 9, 10, 11, 12, 13]);
  });

  it('no barrier follows an end of partition that already left the channel', () => {
    const { output, input } = link(config);
    output.addEvent({ kind: 'end_of_partition' });
    expect(input.queue.at(-1)).toEqual({ kind: 'end_of_partition' });
    expect(output.sendPriorityBarrier(3)).toBeUndefined();
    expect(input.queue).toHaveLength(1);
  });

  it('captures the unconsumed records before a queued barrier, removes that barrier and owes its credit', () => {
    const gate = new InputGate(fail);
    const input = gate.addChannel('c', 'tm-a', false, 4);
    gate.receive(input, { kind: 'records', values: ['a', 'b', 'c'], timestamps: [1, 2, 3] });
    gate.receive(input, { kind: 'records', values: ['d'], timestamps: [4] });
    gate.receive(input, { kind: 'barrier', checkpoint_id: 5 });
    gate.receive(input, { kind: 'records', values: ['e'], timestamps: [5] });
    input.cursor = 1; // 'a' was processed already
    const captured = gate.captureInFlight(input, 5);
    expect(captured.stopped).toBe(true);
    expect(captured.records).toEqual({ channel: 'c', values: ['b', 'c', 'd'], timestamps: [2, 3, 4] });
    expect(input.queue.map((b) => b.kind)).toEqual(['records', 'records', 'records']);
    expect(input.pending_credit).toBe(1);
    expect(gate.buffered_buffers).toBe(3);
  });

  it('captures everything queued when the barrier has not arrived, and stops at an end of partition', () => {
    const gate = new InputGate(fail);
    const waiting = gate.addChannel('w', 'tm-a', false, 4);
    gate.receive(waiting, { kind: 'records', values: [1, 2], timestamps: [1, 2] });
    expect(gate.captureInFlight(waiting, 9)).toEqual({ records: { channel: 'w', values: [1, 2], timestamps: [1, 2] }, buffers: 1, stopped: false });
    const ending = gate.addChannel('e', 'tm-a', false, 4);
    gate.receive(ending, { kind: 'records', values: [3], timestamps: [3] });
    gate.receive(ending, { kind: 'end_of_partition' });
    expect(gate.captureInFlight(ending, 9)).toEqual({ records: { channel: 'e', values: [3], timestamps: [3] }, buffers: 1, stopped: true });
    expect(ending.queue).toHaveLength(2);
  });
});

describe('buffer timeout: partial buffers', () => {
  const held: NetworkConfig = { buffer_records: 4, input_buffers_per_channel: 2, output_queue_buffers: 2, buffer_timeout_ms: 100 };

  it('holds a partial buffer until it is flushed, and reports when an empty partial buffer starts (the timer arms)', () => {
    const { input, output, listener } = link(held);
    output.addRecord('a', 1);
    output.addRecord('b', 2);
    expect(listener.partial_starts).toBe(1);
    expect(input.queue).toHaveLength(0);
    output.flush();
    expect(input.queue).toEqual([{ kind: 'records', values: ['a', 'b'], timestamps: [1, 2] }]);
    output.addRecord('c', 3);
    expect(listener.partial_starts).toBe(2);
    expect(input.queue).toHaveLength(1);
  });

  it('a full buffer leaves without a flush', () => {
    const { input, output, listener } = link(held);
    for (let i = 0; i < 4; i++) output.addRecord(i, i);
    expect(input.queue).toHaveLength(1);
    expect(listener.partial_starts).toBe(1);
  });

  it('a flush without credit never grows the queue: the partial buffer leaves with the next credit, with what was added meanwhile', () => {
    const { gate, input, output } = link(held);
    for (let i = 0; i < 8; i++) output.addRecord(i, i); // two full buffers use both credits
    output.addRecord(8, 8);
    output.flush();
    expect(output.queued_buffers).toBe(0);
    output.addRecord(9, 9);
    expect(input.queue).toHaveLength(2);
    gate.consumeHead(input);
    output.addCredit(input.pending_credit);
    input.pending_credit = 0;
    expect(input.queue.at(-1)).toEqual({ kind: 'records', values: [8, 9], timestamps: [8, 9] });
    output.addRecord(10, 10); // the flush was served: this one waits for the next timeout
    expect(input.queue).toHaveLength(2);
  });

  it('a barrier or the end of the partition sends the partial buffer first, at once', () => {
    for (const event of [{ kind: 'barrier', checkpoint_id: 1 }, { kind: 'end_of_partition' }] as NetworkBuffer[]) {
      const { input, output } = link(held);
      output.addRecord('a', 1);
      output.addEvent(event);
      expect(input.queue).toEqual([{ kind: 'records', values: ['a'], timestamps: [1] }, event]);
    }
  });

  it('buffer timeout 0 sends after every record while there is credit', () => {
    const { input, output, listener } = link({ ...held, buffer_timeout_ms: 0 });
    output.addRecord('a', 1);
    expect(input.queue).toEqual([{ kind: 'records', values: ['a'], timestamps: [1] }]);
    output.addRecord('b', 2);
    output.addRecord('c', 3); // no credit left: waits, then leaves with the next credit
    expect(input.queue).toHaveLength(2);
    expect(output.queued_buffers).toBe(0);
    expect(listener.full_output_channels).toBe(0);
  });

  it('watermarks travel inside the buffer at their position and do not flush it; a newer one at the same position replaces the older', () => {
    const { input, output } = link(held);
    output.addWatermark(5);
    output.addRecord('a', 6);
    output.addWatermark(6);
    output.addWatermark(7);
    expect(input.queue).toHaveLength(0);
    output.flush();
    expect(input.queue).toEqual([
      { kind: 'records', values: ['a'], timestamps: [6], watermarks: [{ after_records: 0, timestamp_ms: 5 }, { after_records: 1, timestamp_ms: 7 }] },
    ]);
  });
});
