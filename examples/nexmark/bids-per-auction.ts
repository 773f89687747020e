// A running bid count per auction, twice: `bidsPerAuction` keeps the count in keyed state (checkpointed, restored),
// `bidsPerAuctionInAMap` keeps it in a plain JavaScript Map on the function object — a classic user bug. The Map is
// not part of any checkpoint, so after a failover the counts restart from zero while the source rewinds only to the
// checkpoint: the committed counts are wrong, and the harness catches it (scenario nexmark-plain-map-state-bug).
import { defineJob, type KeyedProcessFunction, type ValueState } from 'streamsim';
import type { Bid, NexmarkEvent } from './generator.js';
import { NEXMARK_TOPIC } from './queries.js';
import { nexmark_events } from './generator.js';

export interface AuctionBids {
  auction: number;
  bids: number;
}

const input = {
  generate: ({ seed, workload }: { seed: number; workload: { records: number; partitions: number } }) => ({
    [NEXMARK_TOPIC]: nexmark_events({ seed, events: workload.records, partitions: workload.partitions, inter_event_ms: 2 }),
  }),
};
const output = { key: (count: AuctionBids) => String(count.auction), id: (count: AuctionBids) => `${count.auction}/${count.bids}` };

const counting_in_state: KeyedProcessFunction<number, Bid, AuctionBids> & { bids?: ValueState<number> } = {
  open(ctx) {
    this.bids = ctx.getState<number>('bids');
  },
  processElement(bid, _ctx, out) {
    const bids = (this.bids!.value() ?? 0) + 1;
    this.bids!.update(bids);
    out.collect({ auction: bid.auction, bids });
  },
};

const counting_in_a_map: KeyedProcessFunction<number, Bid, AuctionBids> & { bids?: Map<number, number> } = {
  open() {
    this.bids = new Map();
  },
  processElement(bid, _ctx, out) {
    const bids = (this.bids!.get(bid.auction) ?? 0) + 1;
    this.bids!.set(bid.auction, bids);
    out.collect({ auction: bid.auction, bids });
  },
};

function bid_counts(counting: KeyedProcessFunction<number, Bid, AuctionBids>) {
  return defineJob({
    description: 'a running count of the bids of every auction',
    build(env, _params, io) {
      env
        .fromSource(io.source<NexmarkEvent>(NEXMARK_TOPIC), { uid: 'source' })
        .filter((event) => event.type === 'bid')
        .uid('bids')
        .map((event) => (event as Extract<NexmarkEvent, { type: 'bid' }>).bid)
        .uid('bid')
        .keyBy((bid) => bid.auction)
        .process(counting)
        .uid('count')
        .sinkTo(io.sink<AuctionBids>())
        .uid('sink');
    },
    input,
    output,
  });
}

export const bidsPerAuction = bid_counts(counting_in_state);
export const bidsPerAuctionInAMap = bid_counts(counting_in_a_map);
