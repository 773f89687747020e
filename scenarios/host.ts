// The adapter where engine and world meet: an engine node (engine/runtime.ts EngineNode over a Runtime) hosted as
// a simulated process (sim/types.ts SimProcess over a ProcessContext). The mapping is structural and one-to-one.
import type { EngineNode, EngineNodeFactory, Runtime } from '../engine/runtime.js';
import type { ProcessContext, ProcessFactory, SimProcess } from '../sim/types.js';

export function runtimeOf(context: ProcessContext): Runtime {
  return {
    node_id: context.process_id,
    incarnation: context.incarnation,
    now_ms: () => context.now_ms(),
    monotonic_ms: () => context.monotonic_ms(),
    send: (to, message) => context.send(to, message),
    setTimer: (after_ms, tag) => context.setTimer(after_ms, tag),
    cancelTimer: (handle) => context.cancelTimer(handle),
    rng: context.rng,
    disk: context.disk,
    checkpoint_store: context.checkpoint_store,
    log: (event, fields) => context.log(event, fields),
    probe: (name) => context.probe(name),
    fail_invariant: (message, detail) => context.fail_invariant(message, detail),
  };
}

/** A SimProcess that forwards to an engine node; `node` gives tests and drivers the engine object. */
export class HostedEngineNode<N extends EngineNode = EngineNode> implements SimProcess {
  constructor(readonly node: N) {}
  onStart(): void {
    this.node.on_start();
  }
  onMessage(from: string, message: unknown): void {
    this.node.on_message(from, message);
  }
  onTimer(tag: unknown): void {
    this.node.on_timer(tag);
  }
  onLinkBroken(peer: string): void {
    this.node.on_link_broken?.(peer);
  }
  onSendRefused(to: string, message: unknown): void {
    this.node.on_delivery_failed?.(to, message);
  }
}

export function hostEngineNode<N extends EngineNode>(factory: (runtime: Runtime) => N): ProcessFactory {
  return (context) => new HostedEngineNode<N>(factory(runtimeOf(context)));
}

export function hostAnyEngineNode(factory: EngineNodeFactory): ProcessFactory {
  return hostEngineNode(factory);
}

/** The engine object behind a hosted process, or undefined when the process is down or not an engine node. */
export function engineNodeOf<N extends EngineNode>(process: SimProcess | undefined): N | undefined {
  return process instanceof HostedEngineNode ? (process.node as N) : undefined;
}
