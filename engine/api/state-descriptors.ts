// Flink's state descriptors: a state's name and kind (value, list, map, reducing, aggregating), with the functions
// a reducing or aggregating state needs. Keyed state, operator list state and window/trigger state are declared by them.
import type { AggregateFunction, ReduceFunction } from '../state/keyed-state.js';
import { StateTtlConfig } from '../state/ttl.js';

export { StateTtlConfig, StateTtlConfigBuilder, type TtlStateVisibility, type TtlUpdateType } from '../state/ttl.js';

export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

/** A named state declaration (Flink's StateDescriptor). Names beginning with "_" are reserved for the engine. */
export abstract class StateDescriptor {
  abstract readonly kind: StateKind;
  /** State time-to-live (enableTimeToLive); undefined: the state never expires. */
  ttl_config: StateTtlConfig | undefined = undefined;

  constructor(readonly name: string) {
    if (typeof name !== 'string' || name.length === 0) throw new Error('a state descriptor needs a non-empty name');
  }

  /** Flink's enableTimeToLive: values expire `ttl_config.ttl_ms` of processing time after their last write (or read). */
  enableTimeToLive(ttl_config: StateTtlConfig): void {
    if (!(ttl_config instanceof StateTtlConfig)) throw new Error('enableTimeToLive needs a StateTtlConfig (StateTtlConfig.newBuilder(ms).build())');
    this.ttl_config = ttl_config;
  }
}

export class ValueStateDescriptor<T> extends StateDescriptor {
  readonly kind = 'value' as const;
  declare readonly _value_type?: T;
}

export class ListStateDescriptor<T> extends StateDescriptor {
  readonly kind = 'list' as const;
  declare readonly _element_type?: T;
}

export class MapStateDescriptor<K, V> extends StateDescriptor {
  readonly kind = 'map' as const;
  declare readonly _entry_type?: [K, V];
}

export class ReducingStateDescriptor<T> extends StateDescriptor {
  readonly kind = 'reducing' as const;
  constructor(
    name: string,
    readonly reduce: ReduceFunction<T>,
  ) {
    super(name);
    if (typeof reduce !== 'function') throw new Error(`reducing state ${name} needs a reduce function`);
  }
}

export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor {
  readonly kind = 'aggregating' as const;
  constructor(
    name: string,
    readonly aggregate: AggregateFunction<IN, ACC, OUT>,
  ) {
    super(name);
    if (typeof aggregate?.add !== 'function' || typeof aggregate.createAccumulator !== 'function' || typeof aggregate.getResult !== 'function') {
      throw new Error(`aggregating state ${name} needs an AggregateFunction (createAccumulator, add, getResult)`);
    }
  }
}

/** The name a state is registered under: a plain string or a descriptor's name. */
export function stateName(descriptor: string | StateDescriptor): string {
  return typeof descriptor === 'string' ? descriptor : descriptor.name;
}
