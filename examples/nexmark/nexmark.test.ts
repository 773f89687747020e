// Specification of the Nexmark example: the generator is deterministic and keeps the benchmark's proportions and
// references; q5 (ProcessWindowFunction) and q7 (windowAll) commit what Nexmark's queries define, computed here straight
// from the events; and every Nexmark catalogue scenario commits, under its faults, exactly what a fault-free run commits.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { groupByKey } from '../../properties/oracle.js';
import { load_scenario_with_job } from '../../scenarios/job-module.js';
import { simulate } from '../../scenarios/runner.js';
import { plan_run } from '../../scenarios/run/plan.js';
import type { Scenario } from '../../scenarios/schema/scenario.generated.js';
import type { JobUnderTest } from '../../scenarios/job-under-test.js';
import { event_kind, FIRST_AUCTION_ID, FIRST_PERSON_ID, nexmark_events, type Bid, type NexmarkEvent } from './generator.js';
import { highestBids, hottest, type AuctionCount, type HighestBid } from './queries.js';

const CATALOGUE = fileURLToPath(new URL('../../scenarios/catalogue/', import.meta.url));

describe('the Nexmark generator', () => {
  const config = { seed: 7, events: 5000, partitions: 3, inter_event_ms: 2 };

  it('is deterministic: the same seed gives the same events, another seed other bids', () => {
    expect(nexmark_events(config)).toEqual(nexmark_events(config));
    expect(nexmark_events({ ...config, seed: 8 })).not.toEqual(nexmark_events(config));
  });

  it("keeps the benchmark's proportions, ids and references, with event time growing in every partition", () => {
    const partitions = nexmark_events(config);
    const all = partitions.flat().sort((a, b) => a.timestamp_ms - b.timestamp_ms).map((record) => record.value as NexmarkEvent);
    expect(all).toHaveLength(5000);
    const count = (type: NexmarkEvent['type']): number => all.filter((event) => event.type === type).length;
    expect([count('person'), count('auction'), count('bid')]).toEqual([100, 300, 4600]);
    all.forEach((event, n) => expect(event.type).toBe(event_kind(n)));
    const persons = new Set<number>();
    const auctions = new Set<number>();
    for (const event of all) {
      if (event.type === 'person') persons.add(event.person.id);
      if (event.type === 'auction') {
        expect(persons.has(event.auction.seller), `seller ${event.auction.seller}`).toBe(true);
        auctions.add(event.auction.id);
      }
      if (event.type === 'bid') {
        expect(auctions.has(event.bid.auction), `auction ${event.bid.auction}`).toBe(true);
        expect(persons.has(event.bid.bidder), `bidder ${event.bid.bidder}`).toBe(true);
      }
    }
    expect(Math.min(...persons)).toBe(FIRST_PERSON_ID);
    expect(Math.min(...auctions)).toBe(FIRST_AUCTION_ID);
    for (const partition of partitions) {
      for (let i = 1; i < partition.length; i++) expect(partition[i]!.timestamp_ms).toBeGreaterThan(partition[i - 1]!.timestamp_ms);
    }
  });
});

/** The committed output of one simulated run, grouped by the job's output key. */
function committed(scenario: Scenario, job: JobUnderTest, seed: number): { output: Map<string, unknown[]>; recoveries: number; status: string } {
  const evidence = simulate(plan_run(scenario, job), seed, 'none');
  return {
    output: groupByKey(evidence.final_output, job.definition.output.key as (record: unknown) => string),
    recoveries: evidence.observer.recoveries.length,
    status: evidence.final_status,
  };
}

/** A catalogue scenario's fault-free committed output (its first seed) and the bids of the input it ran on. */
async function scenario_bids(file: string): Promise<{ bids: Bid[]; output: Map<string, unknown[]> }> {
  const loaded = await load_scenario_with_job(join(CATALOGUE, file));
  if (!loaded.ok) throw new Error(`${file} does not load`);
  const evidence = simulate(plan_run({ ...loaded.scenario, faults: [] }, loaded.job), loaded.scenario.seeds?.[0] ?? 1, 'none');
  expect(evidence.final_status).toBe('FINISHED');
  const bids = [...evidence.view.run.input.values()]
    .flat(2)
    .map((record) => record.value as NexmarkEvent)
    .flatMap((event) => (event.type === 'bid' ? [event.bid] : []));
  return { bids, output: groupByKey(evidence.final_output, loaded.job.definition.output.key as (record: unknown) => string) };
}

describe('Nexmark q5 and q7 commit what the queries define (fault-free)', () => {
  it('their accumulators keep every tie, in an order that does not depend on arrival (restored state compares exactly)', () => {
    const counts: AuctionCount[] = [5, 9, 3, 9, 9, 1].map((count, i) => ({ auction: 1000 + ((i * 7) % 6), count, window_start: 0, window_end: 2000 }));
    const fold = (items: AuctionCount[]) => items.reduce((acc, c) => hottest.add(c, acc), hottest.createAccumulator());
    expect(fold(counts).map((c) => c.auction)).toEqual([1001, 1003, 1004]);
    expect(fold([...counts].reverse())).toEqual(fold(counts));
    const bid = (price: number, date_time: number): Bid => ({ auction: 1000, bidder: 1001, price, date_time, channel: 'web', url: '' });
    const bids = [bid(7, 30), bid(9, 20), bid(9, 10), bid(8, 5)];
    const top = bids.reduce((acc, b) => highestBids.add(b, acc), highestBids.createAccumulator());
    expect(top.map((b) => b.date_time)).toEqual([10, 20]);
    expect(highestBids.merge!([bid(9, 40)], top).map((b) => b.date_time)).toEqual([10, 20, 40]);
  });

  it('q5: per 2 s window sliding by 500 ms, every auction with the most bids (ties all reported, by auction id)', async () => {
    const { bids, output } = await scenario_bids('nexmark-q5-hot-items-tm-crash.yaml');
    const counts = new Map<number, Map<number, number>>();
    for (const bid of bids) {
      // Sliding windows [start, start + 2000) with start a multiple of 500 that contain the bid.
      for (let start = Math.floor(bid.date_time / 500) * 500; start > bid.date_time - 2000; start -= 500) {
        const per_auction = counts.get(start + 2000) ?? new Map<number, number>();
        per_auction.set(bid.auction, (per_auction.get(bid.auction) ?? 0) + 1);
        counts.set(start + 2000, per_auction);
      }
    }
    const expected = new Map<string, AuctionCount[]>();
    for (const [end, per_auction] of counts) {
      const highest = Math.max(...per_auction.values());
      const hot = [...per_auction].filter(([, n]) => n === highest).map(([auction]) => auction).sort((a, b) => a - b);
      expected.set(String(end), hot.map((auction) => ({ auction, count: highest, window_start: end - 2000, window_end: end })));
    }
    expect(expected.size).toBeGreaterThan(10);
    expect(output).toEqual(expected);
  });

  it('q7: per 1 s tumbling window over all bids (windowAll), every bid at the highest price', async () => {
    const { bids, output } = await scenario_bids('nexmark-q7-highest-bid-partition.yaml');
    const windows = new Map<number, Bid[]>();
    for (const bid of bids) {
      const start = Math.floor(bid.date_time / 1000) * 1000;
      windows.set(start, [...(windows.get(start) ?? []), bid]);
    }
    const expected = new Map<string, HighestBid[]>();
    for (const [start, in_window] of windows) {
      const highest = Math.max(...in_window.map((bid) => bid.price));
      for (const bid of in_window.filter((b) => b.price === highest)) {
        const row: HighestBid = { window_start: start, window_end: start + 1000, auction: bid.auction, bidder: bid.bidder, price: bid.price, date_time: bid.date_time };
        expected.set(`${start}/${bid.auction}/${bid.bidder}/${bid.date_time}`, [row]);
      }
    }
    expect(windows.size).toBeGreaterThan(3);
    expect(output).toEqual(expected);
  });
});

describe('the Nexmark catalogue scenarios', () => {
  const files = readdirSync(CATALOGUE).filter((name) => name.startsWith('nexmark-'));

  it('exist for every query and the planted user bug', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  for (const file of files) {
    it(`${file}: the committed output under its faults equals a fault-free run's (differs, for the planted user bug)`, async () => {
      const loaded = await load_scenario_with_job(join(CATALOGUE, file));
      expect(loaded.ok).toBe(true);
      if (!loaded.ok) return;
      const seed = loaded.scenario.seeds?.[0] ?? 1;
      const faulty = committed(loaded.scenario, loaded.job, seed);
      const calm = committed({ ...loaded.scenario, faults: [] }, loaded.job, seed);
      expect(faulty.recoveries, 'the faults never made the job recover').toBeGreaterThan(0);
      expect([faulty.status, calm.status]).toEqual(['FINISHED', 'FINISHED']);
      expect(calm.recoveries).toBe(0);
      expect(faulty.output.size).toBeGreaterThan(0);
      if (loaded.scenario.expect_violation === undefined) expect(faulty.output).toEqual(calm.output);
      else expect(faulty.output).not.toEqual(calm.output);
    });
  }
});
