// Nexmark queries as streamsim jobs, written the way a user writes one: only the public entry ('streamsim'), the
// job contract (defineJob) and the connectors it hands a job. q1 currency conversion, q2 selection, q5 hot items
// (sliding windows), q7 highest bid per window, q8 new persons who opened an auction in the same window (a window join).
import {
  defineJob,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  type DataStream,
  type JobIo,
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

/** The hotter of two counts of one window; ties go to the lower auction id, so the result does not depend on order. */
export function hotter(a: AuctionCount, b: AuctionCount): AuctionCount {
  if (a.count !== b.count) return a.count > b.count ? a : b;
  return a.auction <= b.auction ? a : b;
}

export const q5 = defineJob({
  description: 'Nexmark q5: per sliding window, the auction with the most bids',
  params: {
    ...EVENT_PARAMS,
    window_size: { type: 'duration', default: '2 s', minimum_ms: 1, description: 'Size of the sliding window.' },
    slide: { type: 'duration', default: '500 ms', minimum_ms: 1, explore: [100, 1000], description: 'Slide of the sliding window (window_size a multiple of it).' },
  },
  build(env, params, io) {
    bids(events(env, io, params))
      .keyBy((bid) => bid.auction)
      .window(SlidingEventTimeWindows.of(params.window_size, params.slide))
      .aggregate(
        { createAccumulator: () => 0, add: (_bid: Bid, count: number) => count + 1, getResult: (count: number) => count, merge: (a: number, b: number) => a + b },
        (auction: number, window: TimeWindow, count: number): AuctionCount => ({ auction, count, window_start: window.start, window_end: window.end }),
      )
      .uid('count-bids')
      // Every count of one sliding window carries that window's max timestamp, so it lands in one tumbling window of
      // the slide's size: the per-window maximum fires once all counts of the window are in.
      .keyBy((count) => count.window_end)
      .window(TumblingEventTimeWindows.of(params.slide))
      .reduce(hotter)
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

/** The higher of two bids; ties go to the earlier, then the lower auction and bidder (order-independent). */
export function higher(a: Bid, b: Bid): Bid {
  if (a.price !== b.price) return a.price > b.price ? a : b;
  if (a.date_time !== b.date_time) return a.date_time < b.date_time ? a : b;
  if (a.auction !== b.auction) return a.auction < b.auction ? a : b;
  return a.bidder <= b.bidder ? a : b;
}

export const q7 = defineJob({
  description: 'Nexmark q7: the highest bid of every tumbling window',
  params: { ...EVENT_PARAMS, window_size: { type: 'duration', default: '1 s', minimum_ms: 1, explore: [200, 2000], description: 'Size of the tumbling window.' } },
  build(env, params, io) {
    bids(events(env, io, params))
      // Every bid of a window competes: one key (Flink's q7 takes the max over all bids of the window).
      .keyBy(() => 0)
      .window(TumblingEventTimeWindows.of(params.window_size))
      .reduce(higher, (_key: number, window: TimeWindow, bid: Bid): HighestBid => ({
        window_start: window.start,
        window_end: window.end,
        auction: bid.auction,
        bidder: bid.bidder,
        price: bid.price,
        date_time: bid.date_time,
      }))
      .uid('highest')
      .sinkTo(io.sink<HighestBid>())
      .uid('sink');
  },
  input,
  output: { key: (highest: HighestBid) => String(highest.window_start) },
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
