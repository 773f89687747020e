// Specification of the data plane: credit-based flow control (a sender sends only with credit), bounded FIFO
// channels, events in channel order, availability signalling, and watermark merging in the input gate.
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
  const listener = { full_output_channels: 0, wakes: 0, onOutputAvailable() { this.wakes++; } };
  const output: OutputChannel = new OutputChannel('0:0:0', 'tm-a', true, config, {
    sendBuffer: (_channel, buffer) => gate.receive(input, buffer),
    returnCredit: (_channel: InputChannel, credits: number) => output.addCredit(credits),
  }, listener, fail);
  return { gate, input, output, listener };
}

describe('credit-based channel', () => {
  const config: NetworkConfig = { buffer_records: 4, input_buffers_per_channel: 2, output_queue_buffers: 2 };

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
          if (buffer.kind === 'records') for (const v of buffer.values) received.push(`r${String(v)}`);
          else if (buffer.kind === 'watermark') received.push(`w${buffer.timestamp_ms}`);
          const credit = input.pending_credit;
          input.pending_credit = 0;
          output.addCredit(credit);
        };
        for (const op of ops) {
          if (op === 'record' && output.queued_buffers < config.output_queue_buffers) {
            output.addRecord(n, n);
            sent.push(`r${n++}`);
          } else if (op === 'watermark' && output.queued_buffers < config.output_queue_buffers) {
            output.addEvent({ kind: 'watermark', timestamp_ms: n });
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
    expect(gate.onEndOfPartition(a)).toBe(false);
    expect(gate.recomputeWatermark()).toBe(20);
    expect(gate.onEndOfPartition(b)).toBe(true);
    expect(gate.recomputeWatermark()).toBe(MAX_WATERMARK);
  });

  it('blocked channels are skipped when reading (aligned checkpoints)', () => {
    const gate = new InputGate(fail);
    const a = gate.addChannel('a', 'x', true, 2);
    const b = gate.addChannel('b', 'x', true, 2);
    gate.receive(a, { kind: 'watermark', timestamp_ms: 1 });
    gate.receive(b, { kind: 'watermark', timestamp_ms: 2 });
    gate.blockChannel(a);
    expect(gate.nextReadable()).toBe(b);
    gate.consumeHead(b);
    expect(gate.nextReadable()).toBeUndefined();
    gate.unblockAll();
    expect(gate.nextReadable()).toBe(a);
  });
});
