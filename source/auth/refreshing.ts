// A token provider for tokens that expire (M2M OAuth, the Databricks CLI): refreshed in the background
// ahead of expiry, one fetch at a time for all callers, retried with backoff when the source fails.
import type {TokenProvider} from '../types.ts';
import {formatSeconds} from './http.ts';
import {redact, registerSecret} from './secrets.ts';

export interface FetchedToken {
	accessToken: string;
	/** Absolute expiry, epoch ms. */
	expiresAt: number;
}

/** A token fetch that failed. `permanent`: retrying will not help (e.g. credentials rejected). */
export class TokenFetchError extends Error {
	override name = 'TokenFetchError';
	constructor(
		message: string,
		readonly permanent = false,
	) {
		super(redact(message));
	}
}

export interface RefreshingOptions {
	kind: string;
	/** Short name for messages, e.g. 'M2M OAuth'. */
	name: string;
	/** For describe(), e.g. 'M2M OAuth (client 1234abcd…) at https://host'. Never a secret. */
	label: string;
	fetchToken: (signal: AbortSignal) => Promise<FetchedToken>;
	/** Longest a getToken() caller waits while no valid token is in hand. */
	waitTimeoutMs: number;
	onWarning: (message: string) => void;
	/** Backoff between failed fetches: from retryMinMs doubling to retryMaxMs, with ±20% jitter. */
	retryMinMs?: number;
	retryMaxMs?: number;
	/** invalidate() forces at most one refresh per this interval (a token the app rejects twice in a row is not a token problem). */
	minForcedRefreshIntervalMs?: number;
	host?: string | null;
}

interface Held {
	value: string;
	expiresAt: number;
	refreshAt: number;
	validUntil: number;
}

interface Waiter {
	resolve: (token: string) => void;
	reject: (error: Error) => void;
	timer: NodeJS.Timeout;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * When to refresh a token and until when to hand it out: refresh a minute before expiry, or, for tokens that
 * live less than 5 minutes, after 80% of their lifetime (the lead is the shorter of 60 s and 20% of the
 * lifetime); stop handing a token out shortly before it expires (the shorter of 5 s and 10% of its lifetime).
 */
export function refreshSchedule(obtainedAt: number, expiresAt: number): {refreshAt: number; validUntil: number} {
	const life = Math.max(0, expiresAt - obtainedAt);
	const lead = Math.min(60_000, life * 0.2);
	const margin = Math.min(5_000, life * 0.1);
	return {refreshAt: expiresAt - lead, validUntil: expiresAt - margin};
}

export function clockTime(epochMs: number): string {
	return new Date(epochMs).toTimeString().slice(0, 8);
}

export class RefreshingTokenProvider implements TokenProvider {
	readonly kind: string;
	readonly host: string | null;
	private readonly options: RefreshingOptions;
	private readonly retryMinMs: number;
	private readonly retryMaxMs: number;
	private readonly minForcedMs: number;
	private current: Held | null = null;
	private inflight: Promise<TokenFetchError | null> | null = null;
	private abort: AbortController | null = null;
	private refreshTimer: NodeJS.Timeout | null = null;
	private retryTimer: NodeJS.Timeout | null = null;
	private readonly waiters = new Set<Waiter>();
	private failures = 0;
	private lastError: string | null = null;
	private lastForcedAt = Number.NEGATIVE_INFINITY;
	private warnedRejectedAgain = false;
	private closed = false;

	constructor(options: RefreshingOptions) {
		this.options = options;
		this.kind = options.kind;
		this.host = options.host ?? null;
		this.retryMinMs = options.retryMinMs ?? 500;
		this.retryMaxMs = options.retryMaxMs ?? 30_000;
		this.minForcedMs = options.minForcedRefreshIntervalMs ?? 5_000;
	}

	async getToken(): Promise<string | undefined> {
		if (this.closed) throw new Error(`${this.options.name}: token provider closed`);
		const now = Date.now();
		const held = this.current;
		if (held && now < held.validUntil) {
			// A late timer (or a suspended laptop): refresh now, still handing out the valid token.
			if (now >= held.refreshAt && !this.inflight && !this.retryTimer) void this.attempt('background');
			return held.value;
		}
		if (!this.inflight && !this.retryTimer) void this.attempt('background');
		return new Promise<string>((resolve, reject) => {
			const waiter: Waiter = {
				resolve,
				reject,
				timer: setTimeout(() => {
					this.waiters.delete(waiter);
					const why = this.lastError ?? (this.inflight ? 'the token request is still running' : 'no token yet');
					reject(new Error(`${this.options.name}: no valid token within ${formatSeconds(this.options.waitTimeoutMs)} (${why})`));
				}, this.options.waitTimeoutMs),
			};
			this.waiters.add(waiter);
		});
	}

	invalidate(rejectedToken?: string): void {
		if (this.closed) return;
		const held = this.current;
		// Nothing in hand (a fetch is on its way) or the rejected token was already replaced.
		if (!held || (rejectedToken !== undefined && rejectedToken !== held.value)) return;
		const now = Date.now();
		if (now - this.lastForcedAt < this.minForcedMs) {
			if (!this.warnedRejectedAgain) {
				this.warnedRejectedAgain = true;
				this.warn(
					`${this.options.name}: the app rejects freshly issued tokens too (401/403): check that this identity may use the app (CAN_USE); not refreshing again for ${formatSeconds(this.minForcedMs)}`,
				);
			}
			return;
		}
		this.lastForcedAt = now;
		this.current = null;
		this.clearRefreshTimer();
		if (!this.inflight && !this.retryTimer) void this.attempt('background');
	}

	describe(): string {
		const held = this.current;
		if (held && Date.now() < held.validUntil) return `${this.options.label}, token valid until ${clockTime(held.expiresAt)}`;
		if (this.lastError) return `${this.options.label}, no valid token (last error: ${this.lastError})`;
		return `${this.options.label}, no token yet`;
	}

	close(): void {
		if (this.closed) return;
		this.closed = true;
		this.clearRefreshTimer();
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = null;
		this.abort?.abort();
		for (const waiter of this.waiters) {
			clearTimeout(waiter.timer);
			waiter.reject(new Error(`${this.options.name}: token provider closed`));
		}
		this.waiters.clear();
	}

	/**
	 * The first fetch, at startup: no warning and no retry when it fails, so the caller can decide
	 * (a usage error, another provider, or startRetrying()). Resolves to the failure, or null.
	 */
	prime(): Promise<TokenFetchError | null> {
		return this.attempt('prime');
	}

	/** After a failed prime(): go on retrying in the background, with backoff. */
	startRetrying(): void {
		if (!this.closed && !this.inflight && !this.retryTimer && !this.current) this.scheduleRetry();
	}

	private attempt(mode: 'background' | 'prime'): Promise<TokenFetchError | null> {
		if (this.inflight) return this.inflight;
		if (this.retryTimer) {
			clearTimeout(this.retryTimer);
			this.retryTimer = null;
		}
		const promise = this.runAttempt(mode).finally(() => {
			if (this.inflight === promise) this.inflight = null;
		});
		this.inflight = promise;
		return promise;
	}

	private async runAttempt(mode: 'background' | 'prime'): Promise<TokenFetchError | null> {
		const abort = new AbortController();
		this.abort = abort;
		try {
			const fetched = await this.options.fetchToken(abort.signal);
			if (this.closed) return null;
			const now = Date.now();
			if (!fetched.accessToken) throw new TokenFetchError('the answer holds no access token');
			registerSecret(fetched.accessToken);
			const schedule = refreshSchedule(now, fetched.expiresAt);
			if (schedule.validUntil <= now + 100) {
				throw new TokenFetchError(`the token expires at once (${clockTime(fetched.expiresAt)})`);
			}
			this.current = {value: fetched.accessToken, expiresAt: fetched.expiresAt, ...schedule};
			this.failures = 0;
			this.lastError = null;
			this.scheduleRefresh();
			for (const waiter of this.waiters) {
				clearTimeout(waiter.timer);
				waiter.resolve(fetched.accessToken);
			}
			this.waiters.clear();
			return null;
		} catch (error) {
			const failure =
				error instanceof TokenFetchError ? error : new TokenFetchError(error instanceof Error ? error.message : String(error));
			if (this.closed) return failure;
			this.failures++;
			this.lastError = failure.message;
			if (mode === 'background') {
				const delay = this.scheduleRetry();
				const held = this.current;
				const still =
					held && Date.now() < held.validUntil ? `; the current token stays valid until ${clockTime(held.expiresAt)}` : '';
				this.warn(`${this.options.name}: token refresh failed (${failure.message}); retrying in ${formatSeconds(delay)}${still}`);
			}
			return failure;
		} finally {
			if (this.abort === abort) this.abort = null;
		}
	}

	private scheduleRetry(): number {
		const base = Math.min(this.retryMaxMs, this.retryMinMs * 2 ** Math.max(0, this.failures - 1));
		const delay = Math.max(1, Math.round(base * (0.8 + Math.random() * 0.4)));
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = setTimeout(() => {
			this.retryTimer = null;
			if (!this.closed) void this.attempt('background');
		}, delay);
		// Callers waiting for a token keep the process alive through their own timers.
		this.retryTimer.unref();
		return delay;
	}

	private scheduleRefresh(): void {
		this.clearRefreshTimer();
		const held = this.current;
		if (!held) return;
		const delay = Math.min(MAX_TIMER_MS, Math.max(250, held.refreshAt - Date.now()));
		this.refreshTimer = setTimeout(() => {
			this.refreshTimer = null;
			if (!this.closed && !this.inflight && !this.retryTimer) void this.attempt('background');
		}, delay);
		this.refreshTimer.unref();
	}

	private clearRefreshTimer(): void {
		if (this.refreshTimer) clearTimeout(this.refreshTimer);
		this.refreshTimer = null;
	}

	private warn(message: string): void {
		try {
			this.options.onWarning(redact(message));
		} catch {
			// A listener's failure must not break token refresh.
		}
	}
}
