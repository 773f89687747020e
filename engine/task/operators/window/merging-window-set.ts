// Flink's MergingWindowSet: per key, which in-flight (session) window keeps its contents in which "state window".
// Merging windows only rewrites this mapping (and merges state into the kept state window), so a merge never moves
// the contents of the window that is kept. The mapping is keyed state (checkpointed, restored, rescaled by key group).
import type { TimeWindow } from '../../../api/functions.js';
import { sameWindow, windowNamespace, type MergingWindowAssigner, type Window } from '../../../api/windows.js';

/** Internal keyed state (namespace ""): the sorted [window, state window] pairs of one key. */
export const MERGING_WINDOWS_STATE = '_merging_windows';

export type WindowMapping = [Window, Window][];

/** Called for every merge: the merged window, the windows it absorbed, its state window and the state windows to fold in. */
export type MergeFunction = (merge_result: Window, merged_windows: Window[], state_window_result: Window, merged_state_windows: Window[]) => void;

function compareWindows(a: Window, b: Window): number {
  const ta = a as TimeWindow;
  const tb = b as TimeWindow;
  return (ta.start ?? 0) - (tb.start ?? 0) || (ta.end ?? 0) - (tb.end ?? 0);
}

export class MergingWindowSet {
  /** window namespace → [window, state window], in window order. */
  private readonly mapping = new Map<string, [Window, Window]>();
  private readonly initial: string;

  constructor(
    private readonly assigner: MergingWindowAssigner,
    stored: WindowMapping | undefined,
  ) {
    for (const [window, state_window] of stored ?? []) this.mapping.set(windowNamespace(window), [window, state_window]);
    this.initial = JSON.stringify(this.persisted());
  }

  get size(): number {
    return this.mapping.size;
  }

  /** The state window of an in-flight window, undefined when the window is not in flight. */
  getStateWindow(window: Window): Window | undefined {
    return this.mapping.get(windowNamespace(window))?.[1];
  }

  /** Removes a window that is purged for good (or dropped as late right after a merge). */
  retireWindow(window: Window): void {
    if (!this.mapping.delete(windowNamespace(window))) throw new Error(`window ${windowNamespace(window)} is not in the in-flight window set`);
  }

  /**
   * Adds a new window, merging it with in-flight windows as the assigner decides; returns the window the new one ended
   * up in (itself when nothing merged). For each merge, `merge` is called after the mapping is updated; a merge
   * result's state window is the state window of its first (earliest) absorbed in-flight window.
   */
  addWindow(new_window: Window, merge: MergeFunction): Window {
    const windows = [...[...this.mapping.values()].map(([window]) => window), new_window];
    const merges: { result: Window; merged: Window[] }[] = [];
    this.assigner.mergeWindows(windows, (merged, result) => merges.push({ result, merged: [...merged] }));
    let result_window = new_window;
    let merged_new_window = false;
    for (const { result, merged } of merges) {
      const at = merged.findIndex((w) => sameWindow(w, new_window));
      if (at >= 0) {
        merged.splice(at, 1);
        merged_new_window = true;
        result_window = result;
      }
      const state_window = this.mapping.get(windowNamespace(merged[0]!))![1];
      const merged_state_windows: Window[] = [];
      for (const window of merged) {
        const namespace = windowNamespace(window);
        const entry = this.mapping.get(namespace);
        this.mapping.delete(namespace);
        if (entry !== undefined) merged_state_windows.push(entry[1]);
      }
      this.mapping.set(windowNamespace(result), [result, state_window]);
      const kept = merged_state_windows.findIndex((w) => sameWindow(w, state_window));
      if (kept >= 0) merged_state_windows.splice(kept, 1);
      // An in-flight window absorbing only the new window without growing has nothing to merge.
      if (!(merged.length === 1 && sameWindow(merged[0]!, result))) merge(result, merged, state_window, merged_state_windows);
    }
    if (merges.length === 0 || (sameWindow(result_window, new_window) && !merged_new_window)) {
      this.mapping.set(windowNamespace(result_window), [result_window, result_window]);
    }
    return result_window;
  }

  /** The mapping as stored: pairs sorted by window. */
  persisted(): WindowMapping {
    return [...this.mapping.values()].sort((a, b) => compareWindows(a[0], b[0]));
  }

  /** True when the mapping differs from what was loaded (Flink's persist() writes only then). */
  changed(): boolean {
    return JSON.stringify(this.persisted()) !== this.initial;
  }
}
