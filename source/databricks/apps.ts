// Databricks Apps: app names from URLs, the apps API (compute size, state), and per-app discovery before a run.
import {isLoopbackUrl} from '../auth/destination.ts';
import {httpRequest, NetworkError} from '../auth/http.ts';
import {normalizeHost} from '../auth/profile.ts';
import {redact} from '../auth/secrets.ts';
import type {TokenProvider} from '../types.ts';

/**
 * The app name in a Databricks Apps URL: the first DNS label without its trailing `-<digits>` workspace id, for
 * *.databricksapps.com (aws., azure., gcp., …). null for any other host or an invalid URL.
 * https://agent-load-test-medium-w2-5763476629593792.aws.databricksapps.com -> agent-load-test-medium-w2
 */
export function appNameFromUrl(url: string): string | null {
	let hostname: string;
	try {
		hostname = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
	} catch {
		return null;
	}
	const match = /^([a-z0-9-]+)\.(?:[a-z0-9-]+\.)*databricksapps\.com$/.exec(hostname);
	if (!match) return null;
	const name = match[1]!.replace(/-\d+$/, '');
	return name.length > 0 ? name : null;
}

export type AppLookup =
	| {
			ok: true;
			name: string;
			/** Lower case: 'medium' | 'large' | 'liquid' | …; 'unknown' when the API does not say. */
			computeSize: string;
			appState: string | null;
			computeState: string | null;
			url: string | null;
			running: boolean;
	  }
	| {ok: false; reason: string};

export interface LookupOptions {
	host: string | null | undefined;
	name: string;
	provider: TokenProvider;
	timeoutMs?: number;
}

function stateOf(value: unknown): string | null {
	if (!value || typeof value !== 'object') return null;
	const state = (value as Record<string, unknown>)['state'];
	return typeof state === 'string' && state.length > 0 ? state.toUpperCase() : null;
}

/** GET {host}/api/2.0/apps/{name}. Never throws: a lookup that is not possible is {ok: false, reason}. */
export async function lookupApp(options: LookupOptions): Promise<AppLookup> {
	const {name, provider} = options;
	const timeoutMs = options.timeoutMs ?? 15_000;
	if (!options.host?.trim()) return {ok: false, reason: 'no workspace host'};
	let host: string;
	try {
		host = normalizeHost(options.host);
	} catch {
		return {ok: false, reason: `workspace host "${options.host}" is not valid`};
	}
	if (host.startsWith('http:') && !isLoopbackUrl(host)) {
		return {ok: false, reason: `workspace host ${host} is not https: no token sent`};
	}
	let token: string | undefined;
	try {
		token = await provider.getToken();
	} catch (error) {
		return {ok: false, reason: `no token for the apps API (${redact(error instanceof Error ? error.message : String(error))})`};
	}
	if (!token) return {ok: false, reason: 'no Databricks credentials'};
	let answer;
	try {
		answer = await httpRequest(`${host}/api/2.0/apps/${encodeURIComponent(name)}`, {
			method: 'GET',
			headers: {authorization: `Bearer ${token}`, accept: 'application/json'},
			timeoutMs,
		});
	} catch (error) {
		const why = error instanceof NetworkError ? error.message : redact(String(error));
		return {ok: false, reason: `apps API unreachable (${why})`};
	}
	if (answer.status === 404) return {ok: false, reason: 'app not found'};
	if (answer.status !== 200) {
		if (answer.status === 401) provider.invalidate(token);
		return {ok: false, reason: `apps API answered ${answer.status}`};
	}
	let body: Record<string, unknown>;
	try {
		const json: unknown = JSON.parse(answer.text);
		if (!json || typeof json !== 'object') throw new Error('not an object');
		body = json as Record<string, unknown>;
	} catch {
		return {ok: false, reason: 'apps API answered 200 with a body that is not JSON'};
	}
	const size = body['compute_size'];
	const appState = stateOf(body['app_status']);
	const computeState = stateOf(body['compute_status']);
	const url = typeof body['url'] === 'string' && body['url'].length > 0 ? body['url'] : null;
	return {
		ok: true,
		name: typeof body['name'] === 'string' && body['name'] ? body['name'] : name,
		computeSize: typeof size === 'string' && size.trim() ? size.trim().toLowerCase() : 'unknown',
		appState,
		computeState,
		url,
		running: (appState === null || appState === 'RUNNING') && (computeState === null || computeState === 'ACTIVE'),
	};
}

export interface DiscoverOptions {
	appUrls: string[];
	/** Sizes the user gave, index-aligned with appUrls (missing, empty or null: look it up). */
	computeSizes?: ReadonlyArray<string | null | undefined>;
	/** Workspace host for the apps API. */
	host: string | null | undefined;
	provider: TokenProvider;
	timeoutMs?: number;
}

export interface AppDiscovery {
	url: string;
	/** App name from the URL, null when it is not a Databricks Apps URL. */
	name: string | null;
	/** Lower case; the user's when given, else the app's, else 'unknown'. */
	computeSize: string;
	/** Set when the app must not be load-tested (not RUNNING/ACTIVE). */
	skipReason: string | null;
	/** One line to show the user, or null. A reason shared by several apps is reported once, on the first. */
	warning: string | null;
	lookup: AppLookup | null;
}

const HINTS: Record<string, string> = {
	'no workspace host': ' (set DATABRICKS_HOST or --host)',
	'no Databricks credentials': ' (no token for the apps API)',
	'apps API answered 403': ' (this identity may not view the app: grant it CAN_USE or CAN_MANAGE)',
};

/**
 * For every app URL: its compute size (the user's, else the apps API's, else 'unknown' — never a guess), whether
 * to skip it (not RUNNING/ACTIVE), and a warning when the lookup was not possible. Never throws.
 */
export async function discoverApps(options: DiscoverOptions): Promise<AppDiscovery[]> {
	const results = await Promise.all(
		options.appUrls.map(async (url, index): Promise<AppDiscovery> => {
			const given = options.computeSizes?.[index]?.trim().toLowerCase() || null;
			const name = appNameFromUrl(url);
			const base = {url, name, computeSize: given ?? 'unknown', skipReason: null, warning: null, lookup: null};
			if (isLoopbackUrl(url)) return base;
			if (!name) {
				return given ? base : {...base, warning: `${url} is not a Databricks Apps URL: compute size unknown (give --compute-size)`};
			}
			const lookup = await lookupApp({host: options.host, name, provider: options.provider, timeoutMs: options.timeoutMs});
			if (!lookup.ok) return {...base, lookup};
			let warning: string | null = null;
			if (given && lookup.computeSize !== 'unknown' && lookup.computeSize !== given) {
				warning = `app ${name} runs on ${lookup.computeSize.toUpperCase()} compute, not ${given} as given: results are labelled ${given}`;
			}
			let skipReason: string | null = null;
			if (!lookup.running) {
				const states = [lookup.appState && `app ${lookup.appState}`, lookup.computeState && `compute ${lookup.computeState}`]
					.filter(Boolean)
					.join(', ');
				skipReason = `app ${name} is not running (${states}): start it with "databricks apps start ${name}"`;
			}
			return {...base, computeSize: given ?? lookup.computeSize, skipReason, warning, lookup};
		}),
	);
	// Lookups that failed and left a size unknown: one warning per reason, naming the apps.
	const byReason = new Map<string, AppDiscovery[]>();
	for (const result of results) {
		if (result.lookup && !result.lookup.ok && result.computeSize === 'unknown') {
			const list = byReason.get(result.lookup.reason) ?? [];
			list.push(result);
			byReason.set(result.lookup.reason, list);
		}
	}
	for (const [reason, list] of byReason) {
		const names = list.map((r) => r.name).join(', ');
		list[0]!.warning = `cannot look up the compute size of ${names}: ${reason}${HINTS[reason] ?? ''}; using "unknown" (give --compute-size to set it)`;
	}
	return results;
}
