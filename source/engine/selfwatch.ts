// The generator watches itself: a saturated client must never be mistaken for a saturated server.
import {monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram} from 'node:perf_hooks';

export interface ThreadHealth {
	/** Event-loop utilisation over the interval, 0..1. */
	elu: number;
	/** Event-loop delay p99 over the interval, ms. */
	lagMs: number;
}

/** Watches the event loop of the thread it runs in. */
export class LoopWatch {
	private readonly delay: IntervalHistogram;
	private lastElu: EventLoopUtilization;

	constructor() {
		this.delay = monitorEventLoopDelay({resolution: 10});
		this.delay.enable();
		this.lastElu = performance.eventLoopUtilization();
	}

	/** Figures since the last call. */
	sample(): ThreadHealth {
		const now = performance.eventLoopUtilization();
		const d = performance.eventLoopUtilization(now, this.lastElu);
		this.lastElu = now;
		// The histogram's resolution (10 ms) is included in every sample: subtract it.
		const lagMs = this.delay.count > 0 ? Math.max(0, this.delay.percentile(99) / 1e6 - 10) : 0;
		this.delay.reset();
		return {elu: d.utilization, lagMs};
	}

	close(): void {
		this.delay.disable();
	}
}

/** Process CPU, % of one core, since the last call. */
export class CpuWatch {
	private last = process.cpuUsage();
	private lastAt = performance.now();

	sample(): number {
		const usage = process.cpuUsage(this.last);
		const now = performance.now();
		const elapsedUs = (now - this.lastAt) * 1000;
		this.last = process.cpuUsage();
		this.lastAt = now;
		return elapsedUs > 0 ? ((usage.user + usage.system) / elapsedUs) * 100 : 0;
	}
}

/** Thresholds for an untrusted second. */
export const UNTRUSTED_ELU = 0.9;
export const UNTRUSTED_LAG_MS = 100;
