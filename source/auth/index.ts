// Picks how qpscope authenticates to the apps: M2M OAuth, a personal access token, the Databricks CLI,
// or nothing for loopback URLs. See resolveAuth().
import process from 'node:process';
import {UsageError} from '../config/errors.ts';
import type {TokenProvider} from '../types.ts';
import {cliBinaryName, createCliProvider, findExecutable} from './databricks-cli.ts';
import {assertTokenDestination, isLoopbackUrl} from './destination.ts';
import {createM2MProvider} from './m2m.ts';
import {loadProfile, normalizeHost, type Profile} from './profile.ts';
import {redact, registerSecret} from './secrets.ts';

export {assertTokenDestination, isLoopbackUrl} from './destination.ts';
export {redact, registerSecret} from './secrets.ts';
export {normalizeHost, loadProfile, type Profile} from './profile.ts';

export type AuthType = 'auto' | 'm2m' | 'pat' | 'cli' | 'none';
export const AUTH_TYPES: readonly AuthType[] = ['auto', 'm2m', 'pat', 'cli', 'none'];

export interface AuthOptions {
	authType?: AuthType;
	host?: string;
	clientId?: string;
	clientSecret?: string;
	token?: string;
	profile?: string;
	configFile?: string;
	appUrls: string[];
	/** Default process.env. */
	env?: NodeJS.ProcessEnv;
	/** Timeout of one token call, and the longest getToken() waits while no valid token is in hand. Default 30 s. */
	fetchTimeoutMs?: number;
	onWarning?: (message: string) => void;
	/** Backoff between failed token calls (default 500 ms doubling to 30 s). Mostly for tests. */
	retryMinMs?: number;
	retryMaxMs?: number;
	/** invalidate() forces at most one refresh per this interval (default 5 s). Mostly for tests. */
	minForcedRefreshIntervalMs?: number;
}

/** A TokenProvider that also knows the workspace host (for the apps API), when there is one. */
export interface AuthProvider extends TokenProvider {
	/** Normalised workspace host (https://…), or null. */
	readonly host: string | null;
}

class StaticTokenProvider implements AuthProvider {
	readonly kind: string;
	readonly host: string | null;
	private readonly token: string;
	private readonly label: string;
	private readonly onWarning: (message: string) => void;
	private warned = false;

	constructor(kind: string, token: string, label: string, host: string | null, onWarning: (message: string) => void) {
		registerSecret(token);
		this.kind = kind;
		this.token = token;
		this.label = label;
		this.host = host;
		this.onWarning = onWarning;
	}

	async getToken(): Promise<string | undefined> {
		return this.token;
	}

	invalidate(rejectedToken?: string): void {
		if (this.warned || (rejectedToken !== undefined && rejectedToken !== this.token)) return;
		this.warned = true;
		this.onWarning(`the app rejected the ${this.label} (401/403); it cannot be refreshed: check the token and that its user may use the app`);
	}

	describe(): string {
		return this.label;
	}

	close(): void {}
}

class NoAuthProvider implements AuthProvider {
	readonly kind = 'none';
	readonly host: string | null;
	private readonly why: string;

	constructor(why: string, host: string | null) {
		this.why = why;
		this.host = host;
	}

	async getToken(): Promise<string | undefined> {
		return undefined;
	}

	invalidate(): void {}

	describe(): string {
		return `none (${this.why})`;
	}

	close(): void {}
}

/** Profile auth_type -> which of our providers it means. */
function profilePreference(profile: Profile | null): 'm2m' | 'pat' | 'cli' | null {
	switch (profile?.authType?.toLowerCase()) {
		case 'oauth-m2m':
			return 'm2m';
		case 'pat':
			return 'pat';
		case 'databricks-cli':
		case 'external-browser':
		case 'oauth-u2m':
		case 'u2m':
			return 'cli';
		default:
			return null;
	}
}

function pick<T>(...values: Array<T | undefined | null | ''>): T | undefined {
	for (const value of values) if (value !== undefined && value !== null && value !== '') return value;
	return undefined;
}

/**
 * Finds credentials and returns a ready token provider. Order (unless authType picks one): M2M OAuth (client id,
 * secret and host), a personal access token, the Databricks CLI (when on the PATH), then 'none' when every app URL
 * is loopback. Values come from opts, then the environment (DATABRICKS_*), then the profile; a profile named with
 * opts.profile wins over the environment. Throws UsageError (one line) when nothing fits.
 */
export async function resolveAuth(opts: AuthOptions): Promise<AuthProvider> {
	const env = opts.env ?? process.env;
	const timeoutMs = opts.fetchTimeoutMs ?? 30_000;
	const onWarning = (message: string): void => {
		try {
			opts.onWarning?.(redact(message));
		} catch {
			// never let a listener break auth
		}
	};
	const authType = opts.authType ?? 'auto';
	if (!AUTH_TYPES.includes(authType)) {
		throw new UsageError(`--auth-type "${String(authType)}" is not one of ${AUTH_TYPES.join(', ')}`);
	}
	const appUrls = opts.appUrls;
	const allLoopback = appUrls.length > 0 && appUrls.every((url) => isLoopbackUrl(url));
	const hostOpt = opts.host?.trim() ? normalizeHost(opts.host) : null;

	if (authType === 'none') return new NoAuthProvider(allLoopback ? 'loopback' : '--auth-type none', hostOpt);

	const profile = loadProfile({profile: opts.profile, configFile: opts.configFile, env});
	const profileFirst = Boolean(opts.profile?.trim());
	const fromEnvOrProfile = (envName: string, value: string | undefined): string | undefined =>
		profileFirst ? pick(value, env[envName]?.trim()) : pick(env[envName]?.trim(), value);

	const rawHost = pick(opts.host?.trim(), fromEnvOrProfile('DATABRICKS_HOST', profile?.host));
	const host = rawHost ? normalizeHost(rawHost) : null;
	const clientId = pick(opts.clientId?.trim(), fromEnvOrProfile('DATABRICKS_CLIENT_ID', profile?.clientId));
	const clientSecret = pick(opts.clientSecret?.trim(), fromEnvOrProfile('DATABRICKS_CLIENT_SECRET', profile?.clientSecret));
	registerSecret(clientSecret);

	let tokenSource = '';
	let token: string | undefined;
	if (opts.token?.trim()) {
		token = opts.token.trim();
		tokenSource = '--token';
	} else {
		const candidates: Array<[string | undefined, string]> = [
			[env['DATABRICKS_TOKEN']?.trim() || undefined, 'DATABRICKS_TOKEN'],
			[profile?.token, `profile ${profile?.name}`],
		];
		if (profileFirst) candidates.reverse();
		const found = candidates.find(([value]) => value);
		if (found) [token, tokenSource] = found;
	}
	registerSecret(token);

	const cliBinary = findExecutable(cliBinaryName(env), env);
	// `databricks auth token --profile P` when the workspace comes from a profile, else `--host H`.
	let profileHost: string | null = null;
	try {
		profileHost = profile?.host ? normalizeHost(profile.host) : null;
	} catch {
		// an unusable host in an unused profile is not our concern
	}
	const hostFromProfile = Boolean(profile && (!rawHost || profileHost === host));
	const cliProfile = opts.profile?.trim() || env['DATABRICKS_CONFIG_PROFILE']?.trim() || (hostFromProfile ? profile?.name : undefined);

	let order: Array<'m2m' | 'pat' | 'cli'> = authType === 'auto' ? ['m2m', 'pat', 'cli'] : [authType];
	const preferred = authType === 'auto' ? profilePreference(profile) : null;
	if (preferred) order = [preferred, ...order.filter((kind) => kind !== preferred)];

	const assertApps = (): void => {
		for (const url of appUrls) assertTokenDestination(url, true);
	};
	const hostHint = host ? ` --host ${host}` : ' --host https://<workspace>';
	let cliFailure: string | null = null;

	for (const kind of order) {
		if (kind === 'm2m') {
			if (!clientId || !clientSecret) {
				if (authType === 'm2m') {
					throw new UsageError(
						'--auth-type m2m needs a client id and secret: set DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (or client_id/client_secret in the profile)',
					);
				}
				continue;
			}
			if (!host) {
				throw new UsageError('M2M OAuth needs the workspace host: set DATABRICKS_HOST or --host (e.g. https://dbc-1234abcd-5678.cloud.databricks.com)');
			}
			assertTokenDestination(`${host}/oidc/v1/token`, true);
			assertApps();
			const provider = createM2MProvider({
				host,
				clientId,
				clientSecret,
				timeoutMs,
				onWarning,
				retryMinMs: opts.retryMinMs,
				retryMaxMs: opts.retryMaxMs,
				minForcedRefreshIntervalMs: opts.minForcedRefreshIntervalMs,
			});
			const failure = await provider.prime();
			if (failure?.permanent) {
				provider.close();
				throw new UsageError(`M2M OAuth: ${failure.message}: check DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET`);
			}
			if (failure) {
				onWarning(`M2M OAuth: first token request failed (${failure.message}); retrying in the background`);
				provider.startRetrying();
			}
			return provider;
		}
		if (kind === 'pat') {
			if (!token) {
				if (authType === 'pat') throw new UsageError('--auth-type pat needs a token: set DATABRICKS_TOKEN, --token or token in the profile');
				continue;
			}
			assertApps();
			const label = tokenSource === '--token' ? 'token given with --token' : `personal access token (${tokenSource})`;
			return new StaticTokenProvider(tokenSource === '--token' ? 'static' : 'pat', token, label, host, onWarning);
		}
		// kind === 'cli'
		if (!cliBinary) {
			if (authType === 'cli') {
				throw new UsageError(`--auth-type cli needs the Databricks CLI: "${cliBinaryName(env)}" is not on the PATH (install it, or set QPSCOPE_DATABRICKS_CLI)`);
			}
			continue;
		}
		if (!cliProfile && !host) {
			if (authType === 'cli') throw new UsageError('--auth-type cli needs --host, DATABRICKS_HOST or --profile to know the workspace');
			continue;
		}
		assertApps();
		const provider = createCliProvider({
			binary: cliBinary,
			profile: cliProfile,
			host: cliProfile ? undefined : (host ?? undefined),
			workspaceHost: host,
			env,
			timeoutMs,
			onWarning,
			retryMinMs: opts.retryMinMs,
			retryMaxMs: opts.retryMaxMs,
			minForcedRefreshIntervalMs: opts.minForcedRefreshIntervalMs,
		});
		const failure = await provider.prime();
		if (!failure) return provider;
		provider.close();
		if (authType === 'cli') throw new UsageError(`Databricks CLI: ${failure.message}`);
		cliFailure = failure.message;
	}

	if (allLoopback) return new NoAuthProvider('loopback', host);
	const target = appUrls.find((url) => !isLoopbackUrl(url)) ?? 'the apps';
	throw new UsageError(
		`no Databricks credentials for ${target}: set DATABRICKS_HOST with DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET (or DATABRICKS_TOKEN), use --profile, or run "databricks auth login${hostHint}"${cliFailure ? ` (${cliFailure})` : ''}`,
	);
}
