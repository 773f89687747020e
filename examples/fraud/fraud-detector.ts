// Flink's fraud-detection walkthrough as a streamsim job, written the way a user writes one (public entry only): a
// small transaction followed by a large one on the same account within a timeout raises an alert. The flag and the
// timer live in keyed state and a processing-time timer clears them, so the result depends on the clock.
import {
  AbstractRichFunction,
  defineJob,
  emptyPartitions,
  partitionForKey,
  WorkloadRandom,
  type Collector,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type OnTimerContext,
  type ValueState,
} from 'streamsim';

export interface Transaction {
  accountId: string;
  amount: number;
  /** The transaction's position in the input: what an alert names. */
  seq: number;
}

export interface Alert {
  accountId: string;
  seq: number;
  /** Transactions of the account so far (the alerting one included). */
  transactions: number;
}

const SMALL_AMOUNT = 1.0;
const LARGE_AMOUNT = 500.0;

/** Flink's FraudDetector (KeyedProcessFunction), plus a per-account transaction count carried by its alerts. */
export class FraudDetector extends AbstractRichFunction implements KeyedProcessFunction<string, Transaction, Alert> {
  private flagState!: ValueState<boolean>;
  private timerState!: ValueState<number>;
  private countState!: ValueState<number>;

  constructor(private readonly timeout_ms: number) {
    super();
  }

  open(): void {
    this.flagState = this.getRuntimeContext().getState<boolean>('flag');
    this.timerState = this.getRuntimeContext().getState<number>('timer-state');
    this.countState = this.getRuntimeContext().getState<number>('transactions');
  }

  processElement(transaction: Transaction, ctx: KeyedProcessContext<string>, out: Collector<Alert>): void {
    const transactions = (this.countState.value() ?? 0) + 1;
    this.countState.update(transactions);
    const lastTransactionWasSmall = this.flagState.value();
    if (lastTransactionWasSmall != null) {
      if (transaction.amount > LARGE_AMOUNT) out.collect({ accountId: transaction.accountId, seq: transaction.seq, transactions });
      this.cleanUp(ctx);
    }
    if (transaction.amount < SMALL_AMOUNT) {
      this.flagState.update(true);
      const timer = ctx.timerService().currentProcessingTime() + this.timeout_ms;
      ctx.timerService().registerProcessingTimeTimer(timer);
      this.timerState.update(timer);
    }
  }

  onTimer(_timestamp_ms: number, _ctx: OnTimerContext<string>, _out: Collector<Alert>): void {
    this.timerState.clear();
    this.flagState.clear();
  }

  private cleanUp(ctx: KeyedProcessContext<string>): void {
    const timer = this.timerState.value();
    if (timer != null) ctx.timerService().deleteProcessingTimeTimer(timer);
    this.timerState.clear();
    this.flagState.clear();
  }
}

const params = {
  timeout_ms: { type: 'integer', default: 60_000, minimum: 1, description: 'How long a small transaction flags its account (processing time)' },
} as const;

export const fraudDetection = defineJob({
  description: "Flink's fraud-detection walkthrough: a small then a large transaction within a processing-time timeout",
  params,
  build(env, { timeout_ms }, io) {
    env
      .fromSource(io.source<Transaction>(), { uid: 'transactions' })
      .keyBy((transaction) => transaction.accountId)
      .process(new FraudDetector(timeout_ms))
      .uid('fraud-detector')
      .name('fraud-detector')
      .sinkTo(io.sink<Alert>())
      .uid('alerts');
  },
  input: {
    /** One account's transactions all go to one partition, in order; one in ten is small, one in ten large. */
    generate({ seed, workload }: { seed: number; params: { timeout_ms: number }; workload: { records: number; keys: number; partitions: number } }) {
      const random = new WorkloadRandom(seed);
      const partitions = emptyPartitions(workload.partitions);
      for (let seq = 0; seq < workload.records; seq++) {
        const accountId = `account-${random.int(1, workload.keys)}`;
        const draw = random.int(0, 9);
        const amount = draw === 0 ? 0.5 : draw === 1 ? 900 : random.int(2, 400);
        partitions[partitionForKey(accountId, workload.partitions)]!.push({ value: { accountId, amount, seq }, timestamp_ms: seq });
      }
      return { transactions: partitions };
    },
  },
  output: { key: (alert: Alert) => alert.accountId, id: (alert: Alert) => `${alert.accountId}/${alert.seq}` },
});
