// A deterministic Nexmark event generator (after the Nexmark benchmark's and Flink/Beam's NexmarkGenerator): one
// stream of person, auction and bid events in the benchmark's proportions (1 : 3 : 46 per 50 events), event times
// advancing a fixed step per event, bids skewed towards hot auctions and hot bidders. Only the seed decides the data.
import { emptyPartitions, WorkloadRandom, type LogRecord } from 'streamsim';

export interface Person {
  id: number;
  name: string;
  email_address: string;
  credit_card: string;
  city: string;
  state: string;
  date_time: number;
}

export interface Auction {
  id: number;
  item_name: string;
  description: string;
  initial_bid: number;
  reserve: number;
  date_time: number;
  expires: number;
  seller: number;
  category: number;
}

export interface Bid {
  auction: number;
  bidder: number;
  price: number;
  channel: string;
  url: string;
  date_time: number;
}

export type NexmarkEvent = { type: 'person'; person: Person } | { type: 'auction'; auction: Auction } | { type: 'bid'; bid: Bid };

/** The benchmark's proportions per cycle of 50 events. */
export const PERSON_PROPORTION = 1;
export const AUCTION_PROPORTION = 3;
export const BID_PROPORTION = 46;
const CYCLE = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;
/** Ids start here, as in the benchmark. */
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
/** One in HOT_RATIO bids goes to a hot auction or comes from a hot bidder (the benchmark's hot ratios are 2 and 4). */
const HOT_AUCTION_RATIO = 2;
const HOT_BIDDER_RATIO = 4;
/** A hot auction or bidder id is a multiple of this (Beam's HOT_*_RATIO rounding). */
const HOT_ROUNDING = 100;
/** Bids go to one of the most recent auctions (the benchmark's num_in_flight_auctions). */
const IN_FLIGHT_AUCTIONS = 100;
/** Bidders are drawn among the most recent persons (the benchmark's num_active_people). */
const ACTIVE_PEOPLE = 1000;
const CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];

export interface NexmarkConfig {
  seed: number;
  events: number;
  partitions: number;
  /** Event time between two consecutive events. */
  inter_event_ms: number;
  /** Event time of the first event. */
  base_time_ms?: number;
  /** How long an auction runs (event time). */
  auction_duration_ms?: number;
}

/** What kind the n-th event (from 0) is. */
export function event_kind(n: number): NexmarkEvent['type'] {
  const offset = n % CYCLE;
  if (offset < PERSON_PROPORTION) return 'person';
  if (offset < PERSON_PROPORTION + AUCTION_PROPORTION) return 'auction';
  return 'bid';
}

/** Persons created among the first n events. */
function persons_before(n: number): number {
  return Math.floor(n / CYCLE) * PERSON_PROPORTION + Math.min(n % CYCLE, PERSON_PROPORTION);
}

/** Auctions created among the first n events. */
function auctions_before(n: number): number {
  const offset = n % CYCLE;
  return Math.floor(n / CYCLE) * AUCTION_PROPORTION + Math.max(0, Math.min(offset - PERSON_PROPORTION, AUCTION_PROPORTION));
}

const pick = <T>(random: WorkloadRandom, items: readonly T[]): T => items[random.int(0, items.length - 1)]!;

/** The n-th event, drawn from `random` (which the caller advances event by event). */
export function nexmark_event(n: number, random: WorkloadRandom, config: NexmarkConfig): NexmarkEvent {
  const date_time = (config.base_time_ms ?? 0) + n * config.inter_event_ms;
  const kind = event_kind(n);
  if (kind === 'person') {
    const id = FIRST_PERSON_ID + persons_before(n);
    return {
      type: 'person',
      person: {
        id,
        name: `${pick(random, FIRST_NAMES)} ${pick(random, LAST_NAMES)}`,
        email_address: `p${id}@example.com`,
        credit_card: String(random.int(1000, 9999)).repeat(4),
        city: pick(random, CITIES),
        state: pick(random, STATES),
        date_time,
      },
    };
  }
  const persons = persons_before(n);
  if (kind === 'auction') {
    const id = FIRST_AUCTION_ID + auctions_before(n);
    const initial_bid = random.int(1, 1000);
    return {
      type: 'auction',
      auction: {
        id,
        item_name: `item-${id}`,
        description: `description of item ${id}`,
        initial_bid,
        reserve: initial_bid + random.int(1, 1000),
        date_time,
        expires: date_time + (config.auction_duration_ms ?? 10_000),
        seller: FIRST_PERSON_ID + random.int(Math.max(0, persons - ACTIVE_PEOPLE), persons - 1),
        category: FIRST_CATEGORY_ID + random.int(0, 4),
      },
    };
  }
  const auctions = auctions_before(n);
  const last_auction = FIRST_AUCTION_ID + auctions - 1;
  const auction =
    random.int(0, HOT_AUCTION_RATIO - 1) > 0
      ? Math.max(FIRST_AUCTION_ID, Math.floor(last_auction / HOT_ROUNDING) * HOT_ROUNDING)
      : FIRST_AUCTION_ID + random.int(Math.max(0, auctions - IN_FLIGHT_AUCTIONS), auctions - 1);
  const last_person = FIRST_PERSON_ID + persons - 1;
  const bidder =
    random.int(0, HOT_BIDDER_RATIO - 1) > 0
      ? Math.max(FIRST_PERSON_ID, Math.floor(last_person / HOT_ROUNDING) * HOT_ROUNDING + 1)
      : FIRST_PERSON_ID + random.int(Math.max(0, persons - ACTIVE_PEOPLE), persons - 1);
  return {
    type: 'bid',
    bid: { auction, bidder: Math.min(bidder, last_person), price: random.int(100, 100_000), channel: pick(random, CHANNELS), url: `https://nexmark.example/${auction}`, date_time },
  };
}

/**
 * The events, round-robin over `partitions` of one topic: event time grows within every partition, so a bounded
 * out-of-orderness watermark never finds a late event.
 */
export function nexmark_events(config: NexmarkConfig): LogRecord[][] {
  const random = new WorkloadRandom(config.seed);
  const partitions = emptyPartitions(config.partitions);
  for (let n = 0; n < config.events; n++) {
    const event = nexmark_event(n, random, config);
    partitions[n % config.partitions]!.push({ value: event, timestamp_ms: (config.base_time_ms ?? 0) + n * config.inter_event_ms });
  }
  return partitions;
}
