// One timer for every request's time limits, instead of a timer (or two) per request and a reset per chunk:
// with 10 000 streams, per-chunk timer churn costs more than a scan of the set a few times a second.
import {performance} from 'node:perf_hooks';

export interface Watched {
	/** performance.now() after which the request has timed out (Infinity for none). */
	deadline: number;
	/** Longest silence allowed, ms (Infinity for none). */
	idleMs: number;
	/** performance.now() of the last byte (or of the send). */
	lastActivity: number;
	expire(why: 'timeout' | 'idle_timeout'): void;
}

const TICK_MS = 100;

class Watchdog {
	private readonly items = new Set<Watched>();
	private timer: NodeJS.Timeout | undefined;

	add(item: Watched): void {
		if (item.deadline === Infinity && item.idleMs === Infinity) return;
		this.items.add(item);
		if (!this.timer) {
			this.timer = setInterval(() => this.scan(), TICK_MS);
			this.timer.unref();
		}
	}

	delete(item: Watched): void {
		this.items.delete(item);
		if (this.items.size === 0 && this.timer) {
			clearInterval(this.timer);
			this.timer = undefined;
		}
	}

	private scan(): void {
		const now = performance.now();
		for (const item of this.items) {
			if (now >= item.deadline) {
				this.items.delete(item);
				item.expire('timeout');
			} else if (now - item.lastActivity >= item.idleMs) {
				this.items.delete(item);
				item.expire('idle_timeout');
			}
		}
	}
}

export const watchdog = new Watchdog();
