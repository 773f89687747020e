// Nexmark queries as streamsim jobs, written the way a user writes one: only the public entry ('streamsim'), the
// job contract (defineJob) and the connectors it hands a job. q1 currency conversion, q2 selection, q5 hot items
// (sliding windows, ProcessWindowFunction), q7 highest bids per window (windowAll), q8 new persons who opened an
// auction in the same window (a window join).
import {
  defineJob,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  type AggregateFunction,
  type DataStream,
  type JobIo,
  type ProcessAllWindowFunction,
  type ProcessWindowFunction,
  type StreamExecutionEnvironment,
  type TimeWindow,
} from 'streamsim';
import { nexmark_events, type Bid, type NexmarkEvent } from './generator.js';

/** The one topic the events are in. */
export const NEXMARK_TOPIC = 'nexmark';

/** Parameters every query takes: how the events are laid out in event time. */
const EVENT_PARAMS = {
  inter_event: { type: 'duration', default: '2 ms', minimum_ms: 1, description: 'Event time between two consecutive events.' },
  out_of_orderness: { type: 'duration', default: '10 ms', description: 'Bounded out-of-orderness of the watermark strategy.' },
} as const;

/** The generated events: `workload.records` of them over `workload.source_partitions` partitions. */
const input = {
  generate: ({ seed, params, workload }: { seed: number; params: { inter_event: number }; workload: { records: number; partitions: number } }) => ({
    [NEXMARK_TOPIC]: nexmark_events({ seed, events: workload.records, partitions: workload.partitions, inter_event_ms: params.inter_event }),
  }),
};

function event_time(event: NexmarkEvent): number {
  return event.type === 'person' ? event.person.date_time : event.type === 'auction' ? event.auction.date_time : event.bid.date_time;
}

/** The event stream with event-time watermarks (the uid 'source' keeps its offsets across restores). */
function events(env: StreamExecutionEnvironment, io: JobIo, params: { out_of_orderness: number }): DataStream<NexmarkEvent> {
  return env.fromSource(io.source<NexmarkEvent>(NEXMARK_TOPIC), {
    uid: 'source',
    name: 'Nexmark events',
    watermarks: { out_of_orderness_ms: params.out_of_orderness, timestamp_assigner: event_time },
  });
}

function bids(stream: DataStream<NexmarkEvent>): DataStream<Bid> {
  return stream
    .filter((event) => event.type === 'bid')
    .uid('bids')
    .map((event) => (event as Extract<NexmarkEvent, { type: 'bid' }>).bid)
    .uid('bid');
}

// ---- q1: currency conversion -----------------------------------------------------------------------------------

export interface EuroBid {
  auction: number;
  bidder: number;
  price: number;
  date_time: number;
}

/** The dollar-to-euro rate of the Nexmark specification. */
export const DOLLAR_TO_EURO = 0.908;

export const q1 = defineJob({
  description: 'Nexmark q1: every bid with its price converted from dollars to euros',
  params: EVENT_PARAMS,
  build(env, params, io) {
    bids(events(env, io, params))
      .map((bid): EuroBid => ({ auction: bid.auction, bidder: bid.bidder, price: DOLLAR_TO_EURO * bid.price, date_time: bid.date_time }))
      .uid('convert')
      .sinkTo(io.sink<EuroBid>())
      .uid('sink');
  },
  input,
  output: { key: (bid: EuroBid) => `${bid.auction}/${bid.bidder}/${bid.date_time}` },
});

// ---- q2: selection ---------------------------------------------------------------------------------------------

export interface SelectedBid {
  auction: number;
  price: number;
}

export const q2 = defineJob({
  description: 'Nexmark q2: the bids on auctions whose id is a multiple of `modulus`',
  params: { ...EVENT_PARAMS, modulus: { type: 'integer', default: 123, minimum: 1, explore: [2, 200], description: 'Bids on auctions whose id is a multiple of this are selected.' } },
  build(env, params, io) {
    bids(events(env, io, params))
      .filter((bid) => bid.auction % params.modulus === 0)
      .uid('select')
      .map((bid): SelectedBid => ({ auction: bid.auction, price: bid.price }))
      .uid('project')
      .sinkTo(io.sink<SelectedBid>())
      .uid('sink');
  },
  input,
});

// ---- q5: hot items ---------------------------------------------------------------------------------------------

export interface AuctionCount {
  auction: number;
  count: number;
  window_start: number;
  window_end: number;
}

const countBids: AggregateFunction<Bid, number, number> = {
  createAccumulator: () => 0,
  add: (_bid, count) => count + 1,
  getResult: (count) => count,
  merge: (a, b) => a + b,
};

/** An auction's bid count with the bounds of the sliding window it was counted in. */
const countInWindow: ProcessWindowFunction<number, AuctionCount, number, TimeWindow> = {
  process(auction, context, counts, out) {
    const window = context.window();
    out.collect({ auction, count: counts[0]!, window_start: window.start, window_end: window.end });
  },
};

/**
 * The hottest auctions of one sliding window so far: every one with the highest count (Nexmark's `num >= maxn`), by
 * auction id. Kept in that order, the accumulator does not depend on the order the counts arrive in.
 */
export const hottest: AggregateFunction<AuctionCount, AuctionCount[], AuctionCount[]> = {
  createAccumulator: () => [],
  add: (count, hot) =>
    hot.length === 0 || count.count > hot[0]!.count ? [count] : count.count === hot[0]!.count ? [...hot, count].sort((a, b) => a.auction - b.auction) : hot,
  getResult: (hot) => hot,
  merge: (a, b) => b.reduce((hot, count) => hottest.add(count, hot), a),
};

const emitHottest: ProcessWindowFunction<AuctionCount[], AuctionCount, number, TimeWindow> = {
  process(_window_end, _context, [hot], out) {
    for (const count of hot!) out.collect(count);
  },
};

export const q5 = defineJob({
  description: 'Nexmark q5: per sliding window, the auctions with the most bids',
  params: {
    ...EVENT_PARAMS,
    window_size: { type: 'duration', default: '2 s', minimum_ms: 1, description: 'Size of the sliding window.' },
    slide: { type: 'duration', default: '500 ms', minimum_ms: 1, explore: [100, 1000], description: 'Slide of the sliding window (window_size a multiple of it).' },
  },
  build(env, params, io) {
    bids(events(env, io, params))
      .keyBy((bid) => bid.auction)
      .window(SlidingEventTimeWindows.of(params.window_size, params.slide))
      .aggregate(countBids, countInWindow)
      .uid('count-bids')
      // Every count of one sliding window carries that window's max timestamp, so the counts of a window meet in one
      // tumbling window of the slide's size, which fires once all of them are in.
      .keyBy((count) => count.window_end)
      .window(TumblingEventTimeWindows.of(params.slide))
      .aggregate(hottest, emitHottest)
      .uid('hottest')
      .sinkTo(io.sink<AuctionCount>())
      .uid('sink');
  },
  input,
  output: { key: (hot: AuctionCount) => String(hot.window_end) },
});

// ---- q7: highest bid -------------------------------------------------------------------------------------------

export interface HighestBid {
  window_start: number;
  window_end: number;
  auction: number;
  bidder: number;
  price: number;
  date_time: number;
}

/** Bids in a fixed order (time, then auction, then bidder). */
export function byTime(a: Bid, b: Bid): number {
  return a.date_time - b.date_time || a.auction - b.auction || a.bidder - b.bidder;
}

/**
 * The bids at the window's highest price so far (Nexmark q7 reports every bid at the highest price), in time order:
 * the accumulator does not depend on the order the bids arrive in.
 */
export const highestBids: AggregateFunction<Bid, Bid[], Bid[]> = {
  createAccumulator: () => [],
  add: (bid, top) => (top.length === 0 || bid.price > top[0]!.price ? [bid] : bid.price === top[0]!.price ? [...top, bid].sort(byTime) : top),
  getResult: (top) => top,
  merge: (a, b) => b.reduce((top, bid) => highestBids.add(bid, top), a),
};

const highestInWindow: ProcessAllWindowFunction<Bid[], HighestBid, TimeWindow> = {
  process(context, [top], out) {
    const window = context.window();
    for (const bid of top!) {
      out.collect({ window_start: window.start, window_end: window.end, auction: bid.auction, bidder: bid.bidder, price: bid.price, date_time: bid.date_time });
    }
  },
};

export const q7 = defineJob({
  description: 'Nexmark q7: the highest bids of every tumbling window',
  params: { ...EVENT_PARAMS, window_size: { type: 'duration', default: '1 s', minimum_ms: 1, explore: [200, 2000], description: 'Size of the tumbling window.' } },
  build(env, params, io) {
    bids(events(env, io, params))
      // Every bid of a window competes: windowAll (one parallel instance) over the whole bid stream.
      .windowAll(TumblingEventTimeWindows.of(params.window_size))
      .aggregate(highestBids, highestInWindow)
      .uid('highest')
      .sinkTo(io.sink<HighestBid>())
      .uid('sink');
  },
  input,
  // The window's highest bids go to the sink's instances round-robin: each is a key of its own.
  output: { key: (highest: HighestBid) => `${highest.window_start}/${highest.auction}/${highest.bidder}/${highest.date_time}` },
});

// ---- q8: monitor new users -------------------------------------------------------------------------------------

/** A person who opened an auction in the window they registered in (Nexmark's IdNameReserve, one per auction). */
export interface NewSeller {
  person: number;
  name: string;
  auction: number;
  reserve: number;
}

export const q8 = defineJob({
  description: 'Nexmark q8: persons who registered and opened an auction within the same tumbling window (a window join of persons and auctions)',
  params: { ...EVENT_PARAMS, window_size: { type: 'duration', default: '2 s', minimum_ms: 1, explore: [500, 4000], description: 'Size of the tumbling window.' } },
  build(env, params, io) {
    const stream = events(env, io, params);
    const persons = stream
      .filter((event) => event.type === 'person')
      .uid('persons')
      .map((event) => (event as Extract<NexmarkEvent, { type: 'person' }>).person)
      .uid('person');
    const auctions = stream
      .filter((event) => event.type === 'auction')
      .uid('auctions')
      .map((event) => (event as Extract<NexmarkEvent, { type: 'auction' }>).auction)
      .uid('auction');
    // Flink's window join: each person with each auction they sell that falls in the same tumbling window.
    persons
      .join(auctions)
      .where((person) => person.id)
      .equalTo((auction) => auction.seller)
      .window(TumblingEventTimeWindows.of(params.window_size))
      .apply((person, auction): NewSeller => ({ person: person.id, name: person.name, auction: auction.id, reserve: auction.reserve }))
      .uid('join')
      .sinkTo(io.sink<NewSeller>())
      .uid('sink');
  },
  input,
  output: { key: (seller: NewSeller) => `${seller.person}/${seller.auction}` },
});
