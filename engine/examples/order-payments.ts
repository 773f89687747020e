// Orders matched with their payments (the shape of Flink's "rides and fares" exercise): two topics connected and
// keyed by order id, a KeyedCoProcessFunction keeps whichever side came first in keyed state and emits the match
// when the other arrives. With `timeout_ms` > 0 an event-time timer reports what stayed unmatched that long.
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { KeyedCoProcessFunction } from '../api/co-functions.js';
import type { RuntimeContext, Sink, Source } from '../api/functions.js';
import { defineJob } from '../api/job.js';
import { LogSource } from '../connectors/log-source.js';
import type { ValueState } from '../state/keyed-state.js';
import { commonParams, numberParam, sinkFor } from './common.js';
import { emptyPartitions, partitionForKey, WorkloadRandom, type TopicInput } from './workload.js';
import type { TopicConfig } from '../connectors/log-broker.js';

export interface Order {
  order_id: string;
  customer: string;
  amount: number;
  timestamp_ms: number;
}

export interface Payment {
  order_id: string;
  amount: number;
  timestamp_ms: number;
}

export type OrderOutcome =
  | { order_id: string; status: 'paid'; customer: string; amount: number; paid: number }
  | { order_id: string; status: 'unpaid'; customer: string; amount: number }
  | { order_id: string; status: 'payment_without_order'; paid: number };

interface OrderPaymentMatcher extends KeyedCoProcessFunction<string, Order, Payment, OrderOutcome> {
  order: ValueState<Order>;
  payment: ValueState<Payment>;
  timeout_ms: number;
}

/** A fresh matcher per subtask (its state handles are per-subtask fields). */
export function orderPaymentMatcher(timeout_ms: number): () => OrderPaymentMatcher {
  return () => ({
    timeout_ms,
    order: undefined as unknown as ValueState<Order>,
    payment: undefined as unknown as ValueState<Payment>,
    open(ctx: RuntimeContext) {
      this.order = ctx.getState<Order>('order');
      this.payment = ctx.getState<Payment>('payment');
    },
    processElement1(order, ctx, out) {
      const payment = this.payment.value();
      if (payment !== undefined) {
        // Matched: the waiting side's timer goes too, so what is left does not depend on which side came first.
        if (this.timeout_ms > 0) ctx.timerService().deleteEventTimeTimer(payment.timestamp_ms + this.timeout_ms);
        this.payment.clear();
        out.collect({ order_id: order.order_id, status: 'paid', customer: order.customer, amount: order.amount, paid: payment.amount });
        return;
      }
      this.order.update(order);
      if (this.timeout_ms > 0) ctx.timerService().registerEventTimeTimer(order.timestamp_ms + this.timeout_ms);
    },
    processElement2(payment, ctx, out) {
      const order = this.order.value();
      if (order !== undefined) {
        if (this.timeout_ms > 0) ctx.timerService().deleteEventTimeTimer(order.timestamp_ms + this.timeout_ms);
        this.order.clear();
        out.collect({ order_id: order.order_id, status: 'paid', customer: order.customer, amount: order.amount, paid: payment.amount });
        return;
      }
      this.payment.update(payment);
      if (this.timeout_ms > 0) ctx.timerService().registerEventTimeTimer(payment.timestamp_ms + this.timeout_ms);
    },
    onTimer(_timestamp_ms, _ctx, out) {
      const order = this.order.value();
      if (order !== undefined) {
        this.order.clear();
        out.collect({ order_id: order.order_id, status: 'unpaid', customer: order.customer, amount: order.amount });
      }
      const payment = this.payment.value();
      if (payment !== undefined) {
        this.payment.clear();
        out.collect({ order_id: payment.order_id, status: 'payment_without_order', paid: payment.amount });
      }
    },
  });
}

function topicNames(raw: Record<string, unknown>): { orders: string; payments: string } {
  return { orders: typeof raw['orders_topic'] === 'string' ? raw['orders_topic'] : 'orders', payments: typeof raw['payments_topic'] === 'string' ? raw['payments_topic'] : 'payments' };
}

export function orderPaymentsTopics(raw: Record<string, unknown>): TopicConfig[] {
  const { partitions } = commonParams(raw);
  const names = topicNames(raw);
  return [
    { name: names.orders, partitions },
    { name: names.payments, partitions },
  ];
}

/** An outcome's output key and upsert id: one per order id and status. */
export const orderOutcomeId = (outcome: OrderOutcome): string => `${outcome.order_id}/${outcome.status}`;

export function orderPaymentsGraph(
  env: StreamExecutionEnvironment,
  sources: { orders: Source<Order>; payments: Source<Payment> },
  sink: Sink<OrderOutcome>,
  options: { out_of_orderness_ms: number; timeout_ms: number },
): void {
  const orders = env.fromSource<Order>(sources.orders, {
    uid: 'orders',
    name: 'Orders',
    watermarks: { out_of_orderness_ms: options.out_of_orderness_ms, timestamp_assigner: (order) => order.timestamp_ms },
  });
  const payments = env.fromSource<Payment>(sources.payments, {
    uid: 'payments',
    name: 'Payments',
    watermarks: { out_of_orderness_ms: options.out_of_orderness_ms, timestamp_assigner: (payment) => payment.timestamp_ms },
  });
  orders
    .connect(payments)
    .keyBy(
      (order) => order.order_id,
      (payment) => payment.order_id,
    )
    .process(orderPaymentMatcher(options.timeout_ms))
    .uid('match')
    .sinkTo(sink)
    .uid('sink');
}

export function buildOrderPayments(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  const names = topicNames(raw);
  const source = (topic: string) => new LogSource({ broker: params.broker, topic, partitions: params.partitions, bounded: params.bounded }) as never;
  orderPaymentsGraph(env, { orders: source(names.orders), payments: source(names.payments) }, sinkFor(params, (r) => orderOutcomeId(r as OrderOutcome)), {
    out_of_orderness_ms: numberParam(raw, 'out_of_orderness_ms', 20),
    timeout_ms: numberParam(raw, 'timeout_ms', 0),
  });
}

/**
 * `records` orders (customers `keys`), a payment for about `paid_percent`% of them, and a few payments without an
 * order. An order's and its payment's partitions match (by order id). Order i and its payment are stamped
 * i * step_ms + a jitter of at most out_of_orderness_ms each, so no record is behind its split's watermark and the two
 * are at most out_of_orderness_ms apart: with timeout_ms above that, matches do not depend on how the run interleaves
 * the inputs.
 */
export function orderPaymentsInput(raw: Record<string, unknown>): TopicInput {
  const params = commonParams(raw);
  const names = topicNames(raw);
  const records = numberParam(raw, 'records', 600);
  const customers = numberParam(raw, 'keys', 20);
  const paid_percent = numberParam(raw, 'paid_percent', 90);
  const step_ms = numberParam(raw, 'step_ms', 3);
  const disorder_ms = numberParam(raw, 'out_of_orderness_ms', 20);
  const random = new WorkloadRandom(numberParam(raw, 'seed', 1));
  const orders = emptyPartitions(params.partitions);
  const payments = emptyPartitions(params.partitions);
  for (let i = 0; i < records; i++) {
    const stamp = (): number => i * step_ms + random.int(0, disorder_ms);
    const order_id = `o${i}`;
    const p = partitionForKey(order_id, params.partitions);
    const amount = random.int(1, 500);
    const roll = random.int(0, 99);
    if (roll < 97) {
      const timestamp_ms = stamp();
      const order: Order = { order_id, customer: `c${random.int(0, customers - 1)}`, amount, timestamp_ms };
      orders[p]!.push({ value: order, timestamp_ms });
    }
    if (roll < paid_percent || roll >= 97) {
      const timestamp_ms = stamp();
      const payment: Payment = { order_id, amount, timestamp_ms };
      payments[p]!.push({ value: payment, timestamp_ms });
    }
  }
  return new Map([
    [names.orders, orders],
    [names.payments, payments],
  ]);
}

export const orderPaymentsJob = defineJob({
  description: 'orders matched with their payments by a KeyedCoProcessFunction over two topics (keyed by order id); what stays unmatched timeout long is reported',
  params: {
    timeout: {
      type: 'duration',
      default: '200 ms',
      minimum_ms: 0,
      description: 'Event time after which an unmatched order or payment is reported (0: never); above out_of_orderness, matches do not depend on interleaving.',
    },
    paid_percent: { type: 'integer', default: 90, minimum: 0, maximum: 97, description: 'Share of orders that get a payment.' },
    out_of_orderness: { type: 'duration', default: '20 ms', description: 'Bounded out-of-orderness of the input and of the watermark strategies.' },
  },
  build(env, params, io) {
    if (params.timeout > 0 && params.timeout <= params.out_of_orderness) {
      throw new Error(`timeout (${params.timeout} ms) must exceed out_of_orderness (${params.out_of_orderness} ms): a partner may come that much later`);
    }
    orderPaymentsGraph(env, { orders: io.source<Order>('orders'), payments: io.source<Payment>('payments') }, io.sink<OrderOutcome>(), {
      out_of_orderness_ms: params.out_of_orderness,
      timeout_ms: params.timeout,
    });
  },
  input: {
    generate: ({ seed, params, workload }) =>
      orderPaymentsInput({
        seed,
        records: workload.records,
        keys: workload.keys,
        partitions: workload.partitions,
        paid_percent: params.paid_percent,
        out_of_orderness_ms: params.out_of_orderness,
      }),
  },
  output: { key: orderOutcomeId },
});
