// A job of the shape of Flink's DataStreamAllroundTestProgram, written the way a user writes one (only the public
// entry): a keyed sequence generator (every key counts 0, 1, 2, … in event time) goes through value state, list and
// map state, operator state (CheckpointedFunction with even-split and union lists), a tumbling event-time window that
// passes its elements on, broadcast state (a key's events wait until its registration is broadcast), and a semantics
// check that emits, per event, whether next − last == 1 for its key. Every stage also checks what its own state says
// about the sequence; under exactly-once every verdict is ok and carries no error. The broadcast gate comes after the
// window: events it holds back leave stamped with the registration's time (Flink's collector in
// processBroadcastElement), so before the window they would land in windows that depend on how the inputs interleave.
import {
  defineJob,
  ListStateDescriptor,
  MapStateDescriptor,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WorkloadRandom,
  emptyPartitions,
  partitionForKey,
  type CheckpointedFunction,
  type Collector,
  type FunctionInitializationContext,
  type KeyedBroadcastProcessFunction,
  type KeyedProcessFunction,
  type ListState,
  type MapState,
  type ProcessWindowFunction,
  type RichFlatMapFunction,
  type RichMapFunction,
  type RuntimeContext,
  type TimeWindow,
  type ValueState,
} from 'streamsim';

/** One generated event: key `key`'s `seq`-th, at event time `ts`; each stage appends what its state found wrong. */
export interface SequenceEvent {
  key: string;
  seq: number;
  ts: number;
  errors: string[];
}

/** The registration of a key, broadcast to every parallel instance. */
export interface Registration {
  key: string;
}

/** The semantics check's verdict for one event (Flink's SemanticsCheckMapper: next − last == 1). */
export interface SequenceVerdict {
  key: string;
  seq: number;
  last: number;
  ok: boolean;
  errors: string[];
}

const with_error = (event: SequenceEvent, error: string): SequenceEvent => ({ ...event, errors: [...event.errors, error] });

// ---- value state: the last sequence number per key -----------------------------------------------------------

const LAST_SEQ = new ValueStateDescriptor<number>('last_seq');

interface ValueStateMapper extends RichMapFunction<SequenceEvent, SequenceEvent> {
  last: ValueState<number>;
}

const valueStateMapper: ValueStateMapper = {
  last: undefined as unknown as ValueState<number>,
  open(ctx: RuntimeContext) {
    this.last = ctx.getState(LAST_SEQ);
  },
  map(event) {
    const last = this.last.value() ?? -1;
    this.last.update(event.seq);
    return event.seq === last + 1 ? event : with_error(event, `value state: last ${last}, got ${event.seq}`);
  },
};

// ---- list and map state: the last three sequence numbers, and a count per residue -------------------------------

interface ListMapStateFunction extends KeyedProcessFunction<string, SequenceEvent, SequenceEvent> {
  recent: ListState<number>;
  residues: MapState<number, number>;
}

const listMapStateFunction: ListMapStateFunction = {
  recent: undefined as unknown as ListState<number>,
  residues: undefined as unknown as MapState<number, number>,
  open(ctx: RuntimeContext) {
    this.recent = ctx.getListState(new ListStateDescriptor<number>('recent'));
    this.residues = ctx.getMapState(new MapStateDescriptor<number, number>('residues'));
  },
  processElement(event, _ctx, out) {
    const recent = this.recent.get();
    const last = recent.length === 0 ? -1 : recent[recent.length - 1]!;
    const residue = event.seq % 4;
    const seen = this.residues.get(residue) ?? 0;
    // seq = 4 * seen + residue for a gapless sequence from 0.
    let checked = event.seq === last + 1 ? event : with_error(event, `list state: last ${last}, got ${event.seq}`);
    if (seen !== Math.floor(event.seq / 4)) checked = with_error(checked, `map state: residue ${residue} seen ${seen} times before ${event.seq}`);
    this.recent.update([...recent.slice(-2), event.seq]);
    this.residues.put(residue, seen + 1);
    out.collect(checked);
  },
};

// ---- broadcast state: a key's events wait for its registration ----------------------------------------------------

const REGISTERED = new MapStateDescriptor<string, true>('registered');
const WAITING = new ListStateDescriptor<SequenceEvent>('waiting');

interface RegistrationGate extends KeyedBroadcastProcessFunction<string, SequenceEvent, Registration, SequenceEvent> {
  waiting: ListState<SequenceEvent>;
}

const registrationGate: RegistrationGate = {
  waiting: undefined as unknown as ListState<SequenceEvent>,
  open(ctx: RuntimeContext) {
    this.waiting = ctx.getListState(WAITING);
  },
  processElement(event, ctx, out) {
    if (ctx.getBroadcastState(REGISTERED).contains(event.key)) out.collect(event);
    else this.waiting.add(event);
  },
  processBroadcastElement(registration, ctx, out) {
    ctx.getBroadcastState(REGISTERED).put(registration.key, true);
    ctx.applyToKeyedState(WAITING, (key, waiting) => {
      if (key !== registration.key) return;
      for (const event of waiting.get()) out.collect(event);
      waiting.clear();
    });
  },
};

// ---- operator state: records per subtask (even-split) and every subtask's count (union) -------------------------

interface OperatorStateMapper extends RichMapFunction<SequenceEvent, SequenceEvent>, CheckpointedFunction {
  count: number;
  counts: ListState<number>;
  all_counts: ListState<number>;
}

/** A pass-through map that counts its records in operator state (Flink's ArtificialOperatorStateMapper's role). */
export const operatorStateMapper: OperatorStateMapper = {
  count: 0,
  counts: undefined as unknown as ListState<number>,
  all_counts: undefined as unknown as ListState<number>,
  initializeState(ctx: FunctionInitializationContext) {
    this.counts = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<number>('records'));
    this.all_counts = ctx.getOperatorStateStore().getUnionListState(new ListStateDescriptor<number>('all_records'));
    this.count = this.counts.get().reduce((sum, n) => sum + n, 0);
  },
  snapshotState() {
    this.counts.update([this.count]);
    this.all_counts.update([this.count]);
  },
  map(event) {
    this.count++;
    return event;
  },
};

// ---- windows and the semantics check ------------------------------------------------------------------------------

const passWindow: ProcessWindowFunction<SequenceEvent, SequenceEvent, string, TimeWindow> = {
  process(_key, _ctx, elements, out) {
    for (const element of elements) out.collect(element);
  },
};

interface SemanticsCheck extends RichFlatMapFunction<SequenceEvent, SequenceVerdict> {
  last: ValueState<number>;
}

const semanticsCheck: SemanticsCheck = {
  last: undefined as unknown as ValueState<number>,
  open(ctx: RuntimeContext) {
    this.last = ctx.getState(new ValueStateDescriptor<number>('checked_seq'));
  },
  flatMap(event: SequenceEvent, out: Collector<SequenceVerdict>) {
    const last = this.last.value() ?? -1;
    this.last.update(event.seq);
    out.collect({ key: event.key, seq: event.seq, last, ok: event.seq - last === 1, errors: event.errors });
  },
};

export const allround = defineJob({
  description: "Flink's DataStreamAllroundTestProgram shape: keyed sequences through value, list, map, broadcast and operator state and a window; a semantics check emits next − last == 1 per event",
  params: {
    step: { type: 'duration', default: '2 ms', minimum_ms: 1, description: 'Event time between two consecutive events.' },
    window_size: { type: 'duration', default: '100 ms', minimum_ms: 1, description: 'Size of the tumbling window the events pass through.' },
  },
  build(env, params, io) {
    const events = env
      .fromSource(io.source<SequenceEvent>('events'), { uid: 'events', name: 'Sequence generator', watermarks: { out_of_orderness_ms: 0, timestamp_assigner: (e) => e.ts } })
      .keyBy((e) => e.key)
      .map(valueStateMapper)
      .uid('value-state')
      .keyBy((e) => e.key)
      .process(listMapStateFunction)
      .uid('list-map-state');
    const registrations = env.fromSource(io.source<Registration>('registrations'), { uid: 'registrations', name: 'Registrations' });
    events
      .map(operatorStateMapper)
      .uid('operator-state')
      .keyBy((e) => e.key)
      .window(TumblingEventTimeWindows.of(params.window_size))
      .process(passWindow)
      .uid('window')
      .keyBy((e) => e.key)
      .connect(registrations.broadcast(REGISTERED))
      .process(registrationGate)
      .uid('broadcast-state')
      .keyBy((e) => e.key)
      .flatMap(semanticsCheck)
      .uid('semantics-check')
      .sinkTo(io.sink())
      .uid('sink');
  },
  input: {
    generate({ seed, params, workload }) {
      const random = new WorkloadRandom(seed);
      const events = emptyPartitions(workload.partitions);
      const next_seq = new Map<string, number>();
      for (let i = 0; i < workload.records; i++) {
        const key = `k${random.int(0, workload.keys - 1)}`;
        const seq = next_seq.get(key) ?? 0;
        next_seq.set(key, seq + 1);
        const ts = i * params.step;
        events[partitionForKey(key, workload.partitions)]!.push({ value: { key, seq, ts, errors: [] } satisfies SequenceEvent, timestamp_ms: ts });
      }
      // Every key is registered once, in a seeded order spread over the run.
      const keys = [...next_seq.keys()];
      for (let i = keys.length - 1; i > 0; i--) {
        const j = random.int(0, i);
        [keys[i], keys[j]] = [keys[j]!, keys[i]!];
      }
      return { events, registrations: [keys.map((key, i) => ({ value: { key } satisfies Registration, timestamp_ms: i }))] };
    },
  },
  output: {
    key: (verdict: SequenceVerdict) => verdict.key,
    id: (verdict: SequenceVerdict) => `${verdict.key}/${verdict.seq}`,
  },
});
