// SharedStateRegistry: reference counts of shared (incremental) state files across retained checkpoints.
// A file becomes deletable only when the last retained checkpoint that references it is released.

import type { FileRef } from './backend.js';

export class SharedStateRegistry {
  /** path → number of registered checkpoints referencing it. */
  private readonly reference_counts = new Map<string, number>();
  /** checkpoint id → the distinct paths it registered. */
  private readonly by_checkpoint = new Map<number, string[]>();
  /** Bound on registered checkpoints (retained checkpoints are few; a leak is a bug). */
  readonly max_registered_checkpoints: number;

  constructor(max_registered_checkpoints = 1024) {
    this.max_registered_checkpoints = max_registered_checkpoints;
  }

  /** Register the shared files a retained checkpoint references. A checkpoint registers once. */
  register(checkpoint_id: number, shared_files: readonly (FileRef | string)[]): void {
    if (this.by_checkpoint.has(checkpoint_id)) throw new Error(`shared state registry: checkpoint ${checkpoint_id} registered twice`);
    if (this.by_checkpoint.size >= this.max_registered_checkpoints) {
      throw new Error(`shared state registry: more than ${this.max_registered_checkpoints} checkpoints registered`);
    }
    const paths = [...new Set(shared_files.map((f) => (typeof f === 'string' ? f : f.path)))].sort();
    for (const path of paths) this.reference_counts.set(path, (this.reference_counts.get(path) ?? 0) + 1);
    this.by_checkpoint.set(checkpoint_id, paths);
  }

  /** Release a checkpoint; returns the shared files no registered checkpoint references any more (sorted). */
  release(checkpoint_id: number): string[] {
    const paths = this.by_checkpoint.get(checkpoint_id);
    if (paths === undefined) return [];
    this.by_checkpoint.delete(checkpoint_id);
    const deletable: string[] = [];
    for (const path of paths) {
      const count = this.reference_counts.get(path);
      // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: invariant a correct caller cannot reach (every registered path holds a count)
      if (count === undefined || count < 1) throw new Error(`shared state registry: ${path} has no reference to release`);
      if (count === 1) {
        this.reference_counts.delete(path);
        deletable.push(path);
      } else {
        this.reference_counts.set(path, count - 1);
      }
    }
    // Invariant: a file reported deletable is referenced by no registered checkpoint.
    // Stryker disable all: invariant a correct caller cannot reach (counts reach 0 only when the last holder is released)
    for (const path of deletable) {
      for (const [other, other_paths] of this.by_checkpoint) {
        if (other_paths.includes(path)) throw new Error(`shared state registry: ${path} still used by checkpoint ${other}`);
      }
    }
    // Stryker restore all
    return deletable;
  }

  is_referenced(path: string): boolean {
    return this.reference_counts.has(path);
  }

  reference_count(path: string): number {
    return this.reference_counts.get(path) ?? 0;
  }

  registered_checkpoints(): number[] {
    return [...this.by_checkpoint.keys()].sort((a, b) => a - b);
  }
}
