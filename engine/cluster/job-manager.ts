// The JobManager process: TaskManager registration, slot-sharing scheduling and deployment of one job, heartbeats
// to TaskManagers (Flink defaults: interval 10 s, timeout 50 s), job status transitions logged as "job.status",
// and finish detection for bounded input. Checkpoint coordination and restarts hook in here (see on_task_lost).
import { placeSubtasks, type ExecutionPlan } from '../graph/execution-graph.js';
import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import { buildJob, type JobCatalogue } from './build-job.js';
import { isClusterMessage, type ClusterMessage, type JobSpec } from './messages.js';

export type JobStatus = 'CREATED' | 'RUNNING' | 'FAILING' | 'RESTARTING' | 'FINISHED' | 'FAILED' | 'CANCELED';

export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_MS = 50_000;

export interface JobManagerConfig {
  job: JobSpec;
  jobs: JobCatalogue;
  /** Deploy only once this many TaskManagers registered (and enough slots exist). */
  expected_task_managers: number;
  heartbeat_interval_ms?: number;
  heartbeat_timeout_ms?: number;
}

interface RegisteredTaskManager {
  slots: number;
  last_heartbeat_ms: number;
}

type JobManagerTimer = { kind: 'heartbeat' };

export class JobManager implements EngineNode {
  private readonly task_managers = new Map<NodeId, RegisteredTaskManager>();
  private readonly heartbeat_interval_ms: number;
  private readonly heartbeat_timeout_ms: number;
  private readonly plan: ExecutionPlan;
  private status: JobStatus = 'CREATED';
  private attempt = 0;
  private heartbeat_seq = 0;
  private deployed_acks = new Set<NodeId>();
  private deployed_to: NodeId[] = [];
  private finished_tasks = new Map<string, { records_in: number; records_out: number }>();
  private total_tasks: number;
  status_history: { status: JobStatus; time_ms: number; reason: string }[] = [];

  constructor(
    private readonly runtime: Runtime,
    private readonly config: JobManagerConfig,
  ) {
    this.heartbeat_interval_ms = config.heartbeat_interval_ms ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    this.heartbeat_timeout_ms = config.heartbeat_timeout_ms ?? DEFAULT_HEARTBEAT_TIMEOUT_MS;
    if (!(this.heartbeat_timeout_ms > this.heartbeat_interval_ms)) throw new Error('heartbeat timeout must exceed interval');
    this.plan = buildJob(config.jobs, config.job).plan;
    this.total_tasks = this.plan.vertices.reduce((sum, v) => sum + v.parallelism, 0);
  }

  get job_status(): JobStatus {
    return this.status;
  }

  get records(): { records_in: number; records_out: number }[] {
    return [...this.finished_tasks.values()];
  }

  on_start(): void {
    this.setStatus('CREATED', 'submitted');
    this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'heartbeat' } satisfies JobManagerTimer);
  }

  private setStatus(status: JobStatus, reason: string): void {
    this.status = status;
    this.status_history.push({ status, time_ms: this.runtime.now_ms(), reason });
    this.runtime.log('job.status', { status, reason, attempt: this.attempt });
  }

  private isTerminal(): boolean {
    return this.status === 'FINISHED' || this.status === 'FAILED' || this.status === 'CANCELED';
  }

  on_message(from: NodeId, message: unknown): void {
    if (!isClusterMessage(message)) return;
    switch (message.type) {
      case 'tm.register': {
        const known = this.task_managers.has(from);
        this.task_managers.set(from, { slots: message.slots, last_heartbeat_ms: this.runtime.now_ms() });
        this.runtime.send(from, { type: 'tm.registered' } satisfies ClusterMessage);
        if (!known) this.runtime.log('jm.tm_registered', { tm: from, slots: message.slots });
        this.tryDeploy();
        return;
      }
      case 'hb.reply': {
        const tm = this.task_managers.get(from);
        if (tm !== undefined) tm.last_heartbeat_ms = this.runtime.now_ms();
        return;
      }
      case 'deployed': {
        if (message.attempt !== this.attempt || this.status !== 'CREATED') return;
        this.deployed_acks.add(from);
        if (this.deployed_to.every((tm) => this.deployed_acks.has(tm))) {
          for (const tm of this.deployed_to) this.runtime.send(tm, { type: 'start', attempt: this.attempt } satisfies ClusterMessage);
          this.setStatus('RUNNING', 'all tasks deployed');
        }
        return;
      }
      case 'task.finished': {
        if (message.attempt !== this.attempt || this.status !== 'RUNNING') return;
        if (this.finished_tasks.has(message.task)) this.runtime.fail_invariant('task finished twice', { task: message.task });
        this.finished_tasks.set(message.task, { records_in: message.records_in, records_out: message.records_out });
        if (this.finished_tasks.size === this.total_tasks) this.setStatus('FINISHED', 'all tasks finished');
        return;
      }
      case 'task.failed':
        if (message.attempt !== this.attempt) return;
        this.failJob(`task ${message.task} failed: ${message.reason}`);
        return;
      default:
        return;
    }
  }

  on_timer(tag: unknown): void {
    if ((tag as JobManagerTimer).kind !== 'heartbeat' || this.isTerminal()) return;
    const now = this.runtime.now_ms();
    for (const tm of [...this.task_managers.keys()].sort()) {
      const entry = this.task_managers.get(tm)!;
      if (now - entry.last_heartbeat_ms > this.heartbeat_timeout_ms) {
        this.task_managers.delete(tm);
        this.runtime.log('jm.tm_lost', { tm, silent_ms: now - entry.last_heartbeat_ms });
        this.on_task_manager_lost(tm);
        continue;
      }
      this.runtime.send(tm, { type: 'hb.request', seq: ++this.heartbeat_seq } satisfies ClusterMessage);
    }
    if (!this.isTerminal()) this.runtime.setTimer(this.heartbeat_interval_ms, { kind: 'heartbeat' } satisfies JobManagerTimer);
  }

  /** Recovery hook: without checkpoints and a restart strategy, losing a TaskManager that runs tasks fails the job. */
  private on_task_manager_lost(tm: NodeId): void {
    if (this.deployed_to.includes(tm) && (this.status === 'RUNNING' || this.status === 'CREATED')) {
      this.failJob(`TaskManager ${tm} lost (heartbeat timeout)`);
    }
  }

  private failJob(reason: string): void {
    if (this.isTerminal()) return;
    this.setStatus('FAILING', reason);
    for (const tm of this.deployed_to) this.runtime.send(tm, { type: 'cancel', attempt: this.attempt } satisfies ClusterMessage);
    this.setStatus('FAILED', 'no restart strategy');
  }

  private tryDeploy(): void {
    if (this.status !== 'CREATED' || this.attempt > 0) return;
    if (this.task_managers.size < this.config.expected_task_managers) return;
    const slots = new Map([...this.task_managers].map(([id, tm]) => [id, tm.slots] as const));
    const placement = placeSubtasks(this.plan, slots);
    if (placement === undefined) return;
    this.attempt++;
    this.deployed_acks = new Set();
    this.deployed_to = [...new Set(placement.flat())].sort();
    for (const tm of this.deployed_to) {
      this.runtime.send(tm, { type: 'deploy', attempt: this.attempt, job: this.config.job, placement } satisfies ClusterMessage);
    }
    this.runtime.log('jm.deploying', { attempt: this.attempt, task_managers: this.deployed_to, tasks: this.total_tasks });
  }
}

export function createJobManager(config: JobManagerConfig): (runtime: Runtime) => JobManager {
  return (runtime) => new JobManager(runtime, config);
}
