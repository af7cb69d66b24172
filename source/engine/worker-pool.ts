// The users of a ramp spread over worker threads (`--workers N`): each thread keeps its own windows and
// HDR histograms; once a second the main thread asks every thread for its window of that second and adds
// them exactly (encoded histograms). The main thread holds the token provider and hands tokens out.
import {Worker} from 'node:worker_threads';
import type {TokenProvider} from '../types.ts';
import {Window, type EncodedWindow} from '../stats/window.ts';
import type {LoadPool, UserPoolOptions} from './users.ts';

export interface LoadWorkerInit {
	options: Omit<UserPoolOptions, 'getToken' | 'onAuthRejected' | 'dispatcher'>;
	token: string | null;
	tokenError: string | null;
	needsToken: boolean;
}

export type ToLoadWorker =
	| {type: 'users'; n: number}
	| {type: 'token'; token: string | null; error: string | null}
	| {type: 'collect'; s: number}
	| {type: 'stop'};

export type FromLoadWorker =
	| {type: 'ready'}
	| {type: 'window'; s: number; window: EncodedWindow; elu: number; lagMs: number; inFlight: number}
	| {type: 'authRejected'; token: string | null}
	| {type: 'stopped'};

const WORKER_URL = new URL('./load-worker.js', import.meta.url);

/**
 * How often the main thread checks the provider for a newer token to hand out (getToken() resolves at once
 * while a token is valid). Short tokens are refreshed at 80% of their life: the threads must have the new one
 * well before the old one expires.
 */
const TOKEN_POLL_MS = 100;

export class WorkerPool implements LoadPool {
	private readonly workers: Worker[] = [];
	private readonly inflight: number[];
	private requested = 0;
	private readonly pending = new Map<number, {left: number; window: Window; resolve: (w: Window) => void}>();
	private health = {elu: 0, lagMs: 0};
	private lastToken: string | undefined;
	private tokenTimer: NodeJS.Timeout | undefined;
	private stopping: Promise<void> | null = null;
	private readonly ready: Promise<unknown>;

	constructor(
		options: UserPoolOptions,
		private readonly count: number,
		private readonly auth: TokenProvider,
	) {
		const {getToken: _g, onAuthRejected: _o, dispatcher: _d, ...plain} = options;
		this.inflight = new Array(count).fill(0);
		const init: LoadWorkerInit = {options: plain, token: null, tokenError: null, needsToken: auth.kind !== 'none'};
		const readies: Promise<void>[] = [];
		for (let i = 0; i < count; i++) {
			const worker = new Worker(WORKER_URL, {workerData: {...init, options: {...plain, bodyOffset: i}}});
			readies.push(new Promise((resolve) => worker.once('message', () => resolve())));
			worker.on('message', (m: FromLoadWorker) => this.onMessage(i, m));
			worker.on('error', (error) => {
				// A load thread that dies loses its users' in-flight requests only; say so through its windows.
				process.emitWarning(`qpscope load thread ${i} failed: ${error.message}`);
			});
			this.workers.push(worker);
		}
		this.ready = Promise.all(readies);
		void this.pushToken();
		this.tokenTimer = setInterval(() => void this.pushToken(), TOKEN_POLL_MS);
		this.tokenTimer.unref();
	}

	private async pushToken(): Promise<void> {
		if (this.auth.kind === 'none') return;
		try {
			const token = await this.auth.getToken();
			if (token !== this.lastToken) {
				this.lastToken = token;
				this.broadcast({type: 'token', token: token ?? null, error: null});
			}
		} catch (error) {
			this.lastToken = undefined;
			this.broadcast({type: 'token', token: null, error: (error as Error).message});
		}
	}

	private broadcast(m: ToLoadWorker): void {
		for (const w of this.workers) w.postMessage(m);
	}

	private onMessage(i: number, m: FromLoadWorker): void {
		if (m.type === 'window') {
			this.inflight[i] = m.inFlight;
			const p = this.pending.get(m.s);
			if (!p) return;
			p.window.add(Window.decode(m.window));
			this.health.elu = Math.max(this.health.elu, m.elu);
			this.health.lagMs = Math.max(this.health.lagMs, m.lagMs);
			if (--p.left === 0) {
				this.pending.delete(m.s);
				p.resolve(p.window);
			}
		} else if (m.type === 'authRejected') {
			this.auth.invalidate(m.token ?? undefined);
			void this.pushToken();
		}
	}

	get users(): number {
		return this.requested;
	}

	inFlight(): number {
		return this.inflight.reduce((a, b) => a + b, 0);
	}

	/** The highest event-loop utilisation and lag of any load thread at the last collect. */
	threadHealth(): {elu: number; lagMs: number} {
		return this.health;
	}

	setUsers(n: number): void {
		if (n === this.requested || this.stopping) return;
		this.requested = n;
		const base = Math.floor(n / this.count);
		const extra = n % this.count;
		this.workers.forEach((w, i) => w.postMessage({type: 'users', n: base + (i < extra ? 1 : 0)} satisfies ToLoadWorker));
	}

	async collect(s: number): Promise<Window> {
		await this.ready;
		this.health = {elu: 0, lagMs: 0};
		return new Promise((resolve) => {
			this.pending.set(s, {left: this.workers.length, window: new Window(), resolve});
			this.broadcast({type: 'collect', s});
		});
	}

	stop(): Promise<void> {
		this.stopping ??= (async () => {
			clearInterval(this.tokenTimer);
			await this.ready;
			await Promise.all(
				this.workers.map(
					(w) =>
						new Promise<void>((resolve) => {
							const onMessage = (m: FromLoadWorker) => {
								if (m.type === 'stopped') {
									w.off('message', onMessage);
									resolve();
								}
							};
							w.on('message', onMessage);
							w.once('exit', () => resolve());
							w.postMessage({type: 'stop'} satisfies ToLoadWorker);
						}),
				),
			);
		})();
		return this.stopping;
	}

	/** Ends the threads (after stop; windows still pending are collected first). */
	async close(): Promise<void> {
		await this.stop();
		await Promise.all(this.workers.map((w) => w.terminate()));
	}
}
