// The statistics of one window of time (a second, a step, a whole ramp): counters, failures by message,
// and HDR histograms. Windows merge exactly, so per-second windows add up to steps and steps to ramps.
import type {FailureCount, InvocationRecord, Outcome, WindowView} from '../types.ts';
import {decode, encode, newHistogram, type Histogram} from './hist.ts';
import {maxMs, meanMs, minMs, percentileMs, recordMs} from './hist.ts';

/** Distinct failure messages kept per window; the rest are counted under one line. */
const MAX_MESSAGES = 50;
const OVERFLOW_MESSAGE = '(other failure messages)';

export interface EncodedWindow {
	started: number;
	completed: number;
	busyMs: number;
	latencySumMs: number;
	successes: number;
	failures: number;
	aborted: number;
	chunks: number;
	bytes: number;
	failuresByMessage: FailureCount[];
	hists: Partial<Record<HistName, string>>;
}

export type HistName = 'ttft' | 'latency' | 'ttfb' | 'itl';
const HIST_NAMES: HistName[] = ['ttft', 'latency', 'ttfb', 'itl'];

export class Window implements WindowView {
	started = 0;
	/** Completed requests (successes + failures); aborted ones are not requests that completed. */
	completed = 0;
	successes = 0;
	failures = 0;
	aborted = 0;
	/** Request-milliseconds in flight during the window (the integral of the in-flight count over time). */
	busyMs = 0;
	/** Sum of the latencies of every completed request (successes and failures), ms. */
	latencySumMs = 0;
	/** Text deltas of successful streams. */
	chunks = 0;
	bytes = 0;
	readonly failuresByMessage = new Map<string, FailureCount>();
	/** Created on first use: an empty second costs nothing. */
	ttft: Histogram | null = null;
	latency: Histogram | null = null;
	ttfb: Histogram | null = null;
	itl: Histogram | null = null;

	/**
	 * Adds one completed invocation. TTFT, latency and chunks are of successful streams only: a failure's
	 * "latency" (a 503 in 2 ms) says nothing about how fast the app streams. TTFB is of every response.
	 */
	record(r: InvocationRecord): void {
		if (r.outcome === 'aborted') {
			this.aborted++;
			return;
		}
		this.completed++;
		this.latencySumMs += r.latencyMs;
		this.bytes += r.bytes;
		if (r.ttfbMs !== null) recordMs((this.ttfb ??= newHistogram()), r.ttfbMs);
		if (r.ok) {
			this.successes++;
			this.chunks += r.chunks;
			if (r.ttftMs !== null) recordMs((this.ttft ??= newHistogram()), r.ttftMs);
			recordMs((this.latency ??= newHistogram()), r.latencyMs);
		} else {
			this.failures++;
			this.addFailure(r.outcome, r.message, 1);
		}
	}

	percentile(hist: HistName, p: number): number | null {
		return percentileMs(this[hist], p);
	}

	mean(hist: HistName): number | null {
		return meanMs(this[hist]);
	}

	min(hist: HistName): number | null {
		return minMs(this[hist]);
	}

	max(hist: HistName): number | null {
		return maxMs(this[hist]);
	}

	count(hist: HistName): number {
		return this[hist]?.totalCount ?? 0;
	}

	gap(ms: number): void {
		recordMs((this.itl ??= newHistogram()), ms);
	}

	private addFailure(outcome: Outcome, message: string, count: number): void {
		let key = `${outcome}\u0000${message}`;
		let entry = this.failuresByMessage.get(key);
		if (!entry && this.failuresByMessage.size >= MAX_MESSAGES) {
			key = `${outcome}\u0000${OVERFLOW_MESSAGE}`;
			entry = this.failuresByMessage.get(key);
			message = OVERFLOW_MESSAGE;
		}
		if (entry) entry.count += count;
		else this.failuresByMessage.set(key, {outcome, message, count});
	}

	add(other: Window): this {
		this.started += other.started;
		this.completed += other.completed;
		this.busyMs += other.busyMs;
		this.latencySumMs += other.latencySumMs;
		this.successes += other.successes;
		this.failures += other.failures;
		this.aborted += other.aborted;
		this.chunks += other.chunks;
		this.bytes += other.bytes;
		for (const f of other.failuresByMessage.values()) this.addFailure(f.outcome, f.message, f.count);
		for (const name of HIST_NAMES) {
			const h = other[name];
			if (h && h.totalCount > 0) (this[name] ??= newHistogram()).add(h);
		}
		return this;
	}

	/**
	 * Completions per second over `seconds` of this window, by Little's law: the mean number of requests in
	 * flight divided by their mean latency. Counting completions in whole seconds aliases when users run in
	 * lockstep (equal stream times, batching servers): a 3 s window could catch 2 or 3 bursts of 20, i.e.
	 * 13 or 20 QPS; in-flight time does not jump. Falls back to the plain count when nothing was in flight.
	 */
	rate(seconds: number, which: 'all' | 'successes' = 'all'): number {
		if (seconds <= 0 || this.completed === 0) return 0;
		const share = which === 'all' ? 1 : this.successes / this.completed;
		if (this.busyMs <= 0 || this.latencySumMs <= 0) return (this.completed * share) / seconds;
		const inFlight = this.busyMs / (seconds * 1000);
		const meanLatencyS = this.latencySumMs / this.completed / 1000;
		return (inFlight / meanLatencyS) * share;
	}

	topFailures(n = 5): FailureCount[] {
		return [...this.failuresByMessage.values()].sort((a, b) => b.count - a.count).slice(0, n).map((f) => ({...f}));
	}

	encode(): EncodedWindow {
		const hists: EncodedWindow['hists'] = {};
		for (const name of HIST_NAMES) {
			const h = this[name];
			if (h && h.totalCount > 0) hists[name] = encode(h);
		}
		return {
			started: this.started,
			completed: this.completed,
			busyMs: this.busyMs,
			latencySumMs: this.latencySumMs,
			successes: this.successes,
			failures: this.failures,
			aborted: this.aborted,
			chunks: this.chunks,
			bytes: this.bytes,
			failuresByMessage: this.topFailures(MAX_MESSAGES),
			hists,
		};
	}

	static decode(e: EncodedWindow): Window {
		const w = new Window();
		w.started = e.started;
		w.completed = e.completed;
		w.busyMs = e.busyMs;
		w.latencySumMs = e.latencySumMs;
		w.successes = e.successes;
		w.failures = e.failures;
		w.aborted = e.aborted;
		w.chunks = e.chunks;
		w.bytes = e.bytes;
		for (const f of e.failuresByMessage) w.addFailure(f.outcome, f.message, f.count);
		for (const name of HIST_NAMES) {
			const text = e.hists[name];
			if (text) w[name] = decode(text);
		}
		return w;
	}
}
