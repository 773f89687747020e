// Specification of the Nexmark example: the generator is deterministic and keeps the benchmark's proportions and
// references, and every Nexmark catalogue scenario commits, under its faults, exactly what a fault-free run commits.
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
import { event_kind, FIRST_AUCTION_ID, FIRST_PERSON_ID, nexmark_events, type NexmarkEvent } from './generator.js';

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
