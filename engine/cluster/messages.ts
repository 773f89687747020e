// Control-plane and data-plane messages between JobManager, TaskManagers and collectors (plain data).
import type { NetworkBuffer } from '../task/network.js';

/** What to run: a job factory name from the catalogue with its parameters. */
export interface JobSpec {
  name: string;
  params: Record<string, unknown>;
  parallelism: number;
  max_parallelism?: number;
}

export type ClusterMessage =
  | { type: 'tm.register'; slots: number }
  | { type: 'tm.registered' }
  | { type: 'hb.request'; seq: number }
  | { type: 'hb.reply'; seq: number }
  | { type: 'deploy'; attempt: number; job: JobSpec; placement: string[][] }
  | { type: 'deployed'; attempt: number; tasks: number }
  | { type: 'start'; attempt: number }
  | { type: 'cancel'; attempt: number }
  | { type: 'task.finished'; attempt: number; task: string; records_in: number; records_out: number }
  | { type: 'task.failed'; attempt: number; task: string; reason: string }
  | { type: 'data'; attempt: number; channel: string; buffer: NetworkBuffer }
  | { type: 'credit'; attempt: number; channel: string; credits: number };

export function isClusterMessage(message: unknown): message is ClusterMessage {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}
