// Flink's StatusWatermarkValve: combines the watermarks and watermark statuses (active/idle) of a task's input
// channels. The output watermark is the minimum over active channels that are aligned (caught up with the output);
// an idle channel stops holding it back, and when every channel is idle the valve flushes the maximum and goes idle.
import { MAX_WATERMARK, MIN_WATERMARK } from '../api/functions.js';

export type WatermarkStatus = 'active' | 'idle';

/** What the valve emits for one input: an 'active' status goes before the watermark, an 'idle' one after it. */
export interface ValveChange {
  watermark?: number;
  status?: WatermarkStatus;
}

interface ChannelStatus {
  watermark_ms: number;
  status: WatermarkStatus;
  /** Takes part in the minimum: active and not behind the last output watermark since it became active. */
  aligned: boolean;
}

export class StatusWatermarkValve {
  private readonly channels: ChannelStatus[] = [];
  private last_output_ms = MIN_WATERMARK;
  private last_output_status: WatermarkStatus = 'active';

  addChannel(): number {
    this.channels.push({ watermark_ms: MIN_WATERMARK, status: 'active', aligned: true });
    return this.channels.length - 1;
  }

  get output_watermark_ms(): number {
    return this.last_output_ms;
  }

  get output_status(): WatermarkStatus {
    return this.last_output_status;
  }

  channelWatermark(index: number): number {
    return this.channel(index).watermark_ms;
  }

  channelStatus(index: number): WatermarkStatus {
    return this.channel(index).status;
  }

  private channel(index: number): ChannelStatus {
    const channel = this.channels[index];
    if (channel === undefined) throw new Error(`no input channel ${index}`);
    return channel;
  }

  /** A watermark from an idle channel (or while the whole valve is idle) is ignored, as in Flink. */
  inputWatermark(index: number, timestamp_ms: number): ValveChange | undefined {
    const channel = this.channel(index);
    if (this.last_output_status !== 'active' || channel.status !== 'active') return undefined;
    if (timestamp_ms <= channel.watermark_ms) return undefined;
    channel.watermark_ms = timestamp_ms;
    if (!channel.aligned && timestamp_ms >= this.last_output_ms) channel.aligned = true;
    return this.newMinAcrossAligned();
  }

  inputWatermarkStatus(index: number, status: WatermarkStatus): ValveChange | undefined {
    const channel = this.channel(index);
    if (status === 'idle' && channel.status === 'active') {
      channel.status = 'idle';
      channel.aligned = false;
      if (!this.channels.some((c) => c.status === 'active')) {
        // Nothing can advance the watermark any more: flush the maximum over all channels, then go idle.
        const change: ValveChange = channel.watermark_ms === this.last_output_ms ? (this.maxAcrossAll() ?? {}) : {};
        this.last_output_status = 'idle';
        change.status = 'idle';
        return change;
      }
      return channel.watermark_ms === this.last_output_ms ? this.newMinAcrossAligned() : undefined;
    }
    if (status === 'active' && channel.status === 'idle') {
      channel.status = 'active';
      if (channel.watermark_ms >= this.last_output_ms) channel.aligned = true;
      if (this.last_output_status === 'idle') {
        this.last_output_status = 'active';
        return { status: 'active' };
      }
    }
    return undefined;
  }

  /** An ended channel counts as an active channel at the end of time. */
  channelEnded(index: number): ValveChange | undefined {
    const channel = this.channel(index);
    const reactivated = channel.status === 'idle' && this.last_output_status === 'idle';
    channel.status = 'active';
    channel.watermark_ms = MAX_WATERMARK;
    channel.aligned = true;
    if (reactivated) this.last_output_status = 'active';
    const change = this.newMinAcrossAligned();
    if (!reactivated) return change;
    return { ...change, status: 'active' };
  }

  private newMinAcrossAligned(): ValveChange | undefined {
    let min = MAX_WATERMARK;
    let any = false;
    for (const channel of this.channels) {
      if (!channel.aligned) continue;
      any = true;
      if (channel.watermark_ms < min) min = channel.watermark_ms;
    }
    if (!any || min <= this.last_output_ms) return undefined;
    this.last_output_ms = min;
    return { watermark: min };
  }

  private maxAcrossAll(): ValveChange | undefined {
    let max = MIN_WATERMARK;
    for (const channel of this.channels) if (channel.watermark_ms > max) max = channel.watermark_ms;
    if (max <= this.last_output_ms) return undefined;
    this.last_output_ms = max;
    return { watermark: max };
  }
}
