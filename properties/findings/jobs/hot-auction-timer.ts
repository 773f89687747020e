// A user job the outside runs brought (Nexmark's hot items in the shape users often write it): bids counted per
// auction in sliding event-time windows, then keyBy(window end) and a KeyedProcessFunction that keeps the hottest
// count in keyed state and emits it from an event-time timer at the window's end. Only the public entry is used.
import { defineJob, SlidingEventTimeWindows, type KeyedProcessFunction, type TimeWindow, type ValueState } from 'streamsim';
import { nexmark_events, type Bid, type NexmarkEvent } from '../../../examples/nexmark/generator.js';

export interface AuctionCount {
  auction: number;
  count: number;
  window_end: number;
}

const hottest: KeyedProcessFunction<number, AuctionCount, AuctionCount> & { best?: ValueState<AuctionCount> } = {
  open(ctx) {
    this.best = ctx.getState<AuctionCount>('best');
  },
  processElement(count, ctx, _out) {
    const best = this.best!.value();
    // Ties go to the lower auction id, so the result does not depend on arrival order.
    if (best === undefined || count.count > best.count || (count.count === best.count && count.auction < best.auction)) this.best!.update(count);
    ctx.timerService().registerEventTimeTimer(count.window_end - 1);
  },
  onTimer(_timestamp_ms, _ctx, out) {
    const best = this.best!.value();
    if (best !== undefined) out.collect(best);
    this.best!.clear();
  },
};

export const hot_auction_timer = defineJob({
  description: 'per sliding window, the auction with the most bids, emitted by an event-time timer',
  params: {
    window_size: { type: 'duration', default: '10 s', minimum_ms: 1 },
    slide: { type: 'duration', default: '2 s', minimum_ms: 1 },
    inter_event: { type: 'duration', default: '2 ms', minimum_ms: 1 },
  },
  build(env, params, io) {
    env
      .fromSource(io.source<NexmarkEvent>('nexmark'), {
        uid: 'source',
        watermarks: { out_of_orderness_ms: 10, timestamp_assigner: (event) => (event.type === 'bid' ? event.bid.date_time : event.type === 'auction' ? event.auction.date_time : event.person.date_time) },
      })
      .filter((event) => event.type === 'bid')
      .uid('bids')
      .map((event) => (event as Extract<NexmarkEvent, { type: 'bid' }>).bid)
      .uid('bid')
      .keyBy((bid: Bid) => bid.auction)
      .window(SlidingEventTimeWindows.of(params.window_size, params.slide))
      .aggregate(
        { createAccumulator: () => 0, add: (_bid: Bid, count: number) => count + 1, getResult: (count: number) => count, merge: (a: number, b: number) => a + b },
        (auction: number, window: TimeWindow, count: number): AuctionCount => ({ auction, count, window_end: window.end }),
      )
      .uid('count-bids')
      .keyBy((count) => count.window_end)
      .process(hottest)
      .uid('hottest')
      .sinkTo(io.sink<AuctionCount>())
      .uid('sink');
  },
  input: {
    generate: ({ seed, params, workload }) => ({
      nexmark: nexmark_events({ seed, events: workload.records, partitions: workload.partitions, inter_event_ms: params.inter_event }),
    }),
  },
  output: { key: (hot: AuctionCount) => String(hot.window_end) },
});
