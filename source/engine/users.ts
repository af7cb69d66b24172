// Closed-loop virtual users on the current thread: each sends its next request as soon as the last ended
// (plus an optional think time). Completed requests go into per-second windows keyed by their end time,
// so a request in flight at a step boundary belongs to the step in which it finishes.
import {performance} from 'node:perf_hooks';
import {setMaxListeners} from 'node:events';
import type {Dispatcher} from 'undici';
import {invoke} from '../client/invoke.ts';
import type {InvocationRecord} from '../types.ts';
import {Window} from '../stats/window.ts';

export interface UserPoolOptions {
	invocationsUrl: string;
	bodies: string[];
	headers: Record<string, string>;
	/** Resolves at once while a valid token is in hand; rejects when none can be had. */
	getToken: () => Promise<string | undefined>;
	/** The app answered 401/403 with this token. */
	onAuthRejected: (token: string | undefined) => void;
	timeoutMs: number;
	idleTimeoutMs: number;
	thinkTimeMs: number;
	dispatcher?: Dispatcher;
	/** Absolute ms (performance.timeOrigin + performance.now()) of second 0. */
	t0: number;
	/** Offset for body cycling, so several pools do not all start on the same body. */
	bodyOffset?: number;
}

/** Something that runs users and hands over one window per second, in order. */
export interface LoadPool {
	setUsers(n: number): void;
	readonly users: number;
	inFlight(): number;
	/** The window of second s (completions with end time in [s, s+1) s after t0). Called once per s, in order. */
	collect(s: number): Promise<Window>;
	/** Aborts every request in flight (reported as aborted, never as failures) and ends the users. */
	stop(): Promise<void>;
	/** Releases threads, after stop (windows can still be collected between stop and close). */
	close?(): Promise<void>;
	/** Event-loop health of the load threads at the last collect, when they are not this thread. */
	threadHealth?(): {elu: number; lagMs: number};
}

const sleep = (ms: number, signal: AbortSignal) =>
	new Promise<void>((resolve) => {
		if (signal.aborted) return resolve();
		const timer = setTimeout(done, ms);
		function done() {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		}
		signal.addEventListener('abort', done, {once: true});
	});

export class UserPool implements LoadPool {
	private readonly windows = new Map<number, Window>();
	/** Seconds below this are handed over; late records are counted in the first open second. */
	private firstOpen = 0;
	private readonly abort = new AbortController();
	private readonly loops = new Set<Promise<void>>();
	private running = 0;
	private active = 0;
	private nextBody: number;
	/** performance.now() up to which in-flight time has been added to the windows. */
	private busyUntil = performance.now();
	private stopped = false;

	constructor(private readonly o: UserPoolOptions) {
		setMaxListeners(0, this.abort.signal);
		this.nextBody = o.bodyOffset ?? 0;
	}

	get users(): number {
		return this.running;
	}

	inFlight(): number {
		return this.active;
	}

	setUsers(n: number): void {
		while (!this.stopped && this.running < n) {
			this.running++;
			const loop = this.userLoop();
			this.loops.add(loop);
			void loop.finally(() => this.loops.delete(loop));
		}
	}

	/** Adds the in-flight time since the last call to the windows it fell in (split at second boundaries). */
	private accountBusy(): void {
		const now = performance.now();
		if (this.active > 0) {
			let from = this.busyUntil;
			while (from < now) {
				const abs = performance.timeOrigin + from;
				const s = this.secondOf(abs);
				const secondEnd = this.o.t0 + (s + 1) * 1000 - performance.timeOrigin;
				const to = Math.min(now, Math.max(secondEnd, from + 0.001));
				this.window(s).busyMs += this.active * (to - from);
				from = to;
			}
		}
		this.busyUntil = now;
	}

	private secondOf(absMs: number): number {
		const s = Math.floor((absMs - this.o.t0) / 1000);
		return s < this.firstOpen ? this.firstOpen : s;
	}

	private window(s: number): Window {
		let w = this.windows.get(s);
		if (!w) {
			w = new Window();
			this.windows.set(s, w);
		}
		return w;
	}

	/** Counts one finished request in the second it ended in. */
	private record(r: InvocationRecord): void {
		this.window(this.secondOf(r.endMs)).record(r);
	}

	private async userLoop(): Promise<void> {
		const signal = this.abort.signal;
		const origin = performance.timeOrigin;
		const onGap = (ms: number, at: number) => this.window(this.secondOf(origin + at)).gap(ms);
		while (!signal.aborted) {
			const body = this.o.bodies[this.nextBody++ % this.o.bodies.length]!;
			let token: string | undefined;
			try {
				token = await this.o.getToken();
			} catch (error) {
				if (signal.aborted) break;
				const now = performance.timeOrigin + performance.now();
				this.record({
					outcome: 'auth_error',
					ok: false,
					message: `no token: ${(error as Error).message}`.slice(0, 200),
					status: null,
					startMs: now,
					endMs: now,
					ttfbMs: null,
					firstEventMs: null,
					ttftMs: null,
					latencyMs: 0,
					chunks: 0,
					events: 0,
					bytes: 0,
				});
				await sleep(1000, signal);
				continue;
			}
			this.window(this.secondOf(performance.timeOrigin + performance.now())).started++;
			this.accountBusy();
			this.active++;
			const r = await invoke({
				url: this.o.invocationsUrl,
				body,
				headers: this.o.headers,
				token,
				dispatcher: this.o.dispatcher,
				timeoutMs: this.o.timeoutMs,
				idleTimeoutMs: this.o.idleTimeoutMs,
				signal,
				onGap,
			});
			this.accountBusy();
			this.active--;
			if (r.outcome === 'aborted') break;
			this.record(r);
			if (r.outcome === 'auth_error') this.o.onAuthRejected(token);
			if (this.o.thinkTimeMs > 0) await sleep(this.o.thinkTimeMs, signal);
		}
	}

	async collect(s: number): Promise<Window> {
		this.accountBusy();
		const w = this.windows.get(s) ?? new Window();
		this.windows.delete(s);
		// From now on a record that ends in second s (it came late) is counted in the next open second.
		this.firstOpen = s + 1;
		return w;
	}

	async stop(): Promise<void> {
		this.stopped = true;
		this.abort.abort();
		await Promise.allSettled([...this.loops]);
	}
}
