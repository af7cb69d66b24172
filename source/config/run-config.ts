// `qpscope run` options: parsed by meow in the CLI, validated here once, up front, into a typed RunConfig.
// Every problem is one UsageError line naming the flag, the value and the fix.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {UsageError} from './errors.ts';
import {assignLabels, isLoopbackHost} from './labels.ts';
import type {PublicConfig} from '../types.ts';

export const KNOWN_COMPUTE_SIZES = ['medium', 'large', 'liquid', 'unknown'];

export interface AppTarget {
	/** The app's base URL as given (no trailing slash). */
	url: string;
	/** Where requests go: `<url>/invocations`. */
	invocationsUrl: string;
	label: string;
	/** Lower case; 'unknown' until given or detected. */
	computeSize: string;
	computeSizeGiven: boolean;
	loopback: boolean;
	/** Set by app discovery when the app must not be tested (e.g. not RUNNING). */
	skipReason?: string;
}

export interface AuthFlags {
	authType: 'auto' | 'm2m' | 'pat' | 'cli' | 'none';
	host?: string;
	clientId?: string;
	clientSecret?: string;
	token?: string;
	profile?: string;
}

export interface RunConfig {
	apps: AppTarget[];
	maxUsers: number;
	stepSize: number;
	/** Seconds a level is held. */
	stepDuration: number;
	/** Users added per second. */
	spawnRate: number;
	thinkTimeMs: number;
	runName: string;
	resultsDir: string;
	dashboard: boolean;
	tui: boolean;
	healthcheck: boolean;
	healthcheckTimeoutS: number;
	warmup: number;
	/** 0..1 */
	maxFailureRate: number;
	sloTtftP95Ms: number | null;
	sloLatencyP95Ms: number | null;
	stopWhenSaturated: boolean;
	parallelApps: boolean;
	requestTimeoutS: number;
	idleTimeoutS: number;
	/** Seconds after the last user of a step started before its steady window opens; null = automatic. */
	settleS: number | null;
	/** Load threads; 0 = run the users on the main thread. */
	workers: number;
	/** Serialized JSON bodies, cycled in order. */
	bodies: string[];
	headers: Record<string, string>;
	auth: AuthFlags;
}

/** What meow hands over (all optional: defaults are applied here). */
export interface RunFlags {
	appUrl?: string[];
	label?: string[];
	computeSize?: string[];
	maxUsers?: number | string;
	stepSize?: number | string;
	stepDuration?: number | string;
	spawnRate?: number | string;
	thinkTime?: number | string;
	runName?: string;
	resultsDir?: string;
	dashboard?: boolean;
	tui?: boolean;
	skipHealthcheck?: boolean;
	healthcheckTimeout?: number | string;
	warmup?: number | string;
	maxFailureRate?: number | string;
	sloTtftP95Ms?: number | string;
	sloLatencyP95Ms?: number | string;
	stopWhenSaturated?: boolean;
	parallelApps?: boolean;
	requestTimeout?: number | string;
	idleTimeout?: number | string;
	settle?: number | string;
	workers?: number | string;
	prompt?: string;
	bodyFile?: string;
	header?: string[];
	authType?: string;
	host?: string;
	clientId?: string;
	clientSecret?: string;
	profile?: string;
}

export const RUN_DEFAULTS = {
	maxUsers: 300,
	stepSize: 20,
	stepDuration: 30,
	spawnRate: 20,
	thinkTime: 0,
	resultsDir: 'load-test-runs',
	healthcheckTimeout: 60,
	warmup: 10,
	maxFailureRate: 1,
	requestTimeout: 300,
	idleTimeout: 60,
	prompt: 'What is the weather like in San Francisco today? Answer in two sentences.',
} as const;

export function defaultWorkers(): number {
	const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
	return Math.max(1, Math.min(cores, 8));
}

function num(flag: string, value: number | string | undefined, fallback: number, opts: {min?: number; integer?: boolean; max?: number; fix?: string} = {}): number {
	if (value === undefined || value === '') return fallback;
	const n = typeof value === 'number' ? value : Number(String(value).trim());
	const fix = opts.fix ?? (opts.integer ? `give a whole number${opts.min !== undefined ? ` of at least ${opts.min}` : ''}` : `give a number${opts.min !== undefined ? ` of at least ${opts.min}` : ''}`);
	if (!Number.isFinite(n)) throw new UsageError(`--${flag} ${JSON.stringify(String(value))} is not a number: ${fix}`);
	if (opts.integer && !Number.isInteger(n)) throw new UsageError(`--${flag} ${value} is not a whole number: ${fix}`);
	if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${flag} ${value} is too small: ${fix}`);
	if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${flag} ${value} is too large: give at most ${opts.max}`);
	return n;
}

function optionalNum(flag: string, value: number | string | undefined, opts: {min?: number} = {}): number | null {
	if (value === undefined || value === '') return null;
	return num(flag, value, 0, {...opts, min: opts.min ?? 0});
}

/** Percent: `1`, `1%`, `0.5%` all mean percent. Returns a fraction. */
function percent(flag: string, value: number | string | undefined, fallbackPct: number): number {
	if (value === undefined || value === '') return fallbackPct / 100;
	const text = String(value).trim().replace(/%$/, '');
	const n = Number(text);
	if (text === '' || !Number.isFinite(n) || n < 0 || n > 100) {
		throw new UsageError(`--${flag} ${JSON.stringify(String(value))} is not a percentage: give a number from 0 to 100, e.g. --${flag} 1 for 1%`);
	}
	return n / 100;
}

export function parseAppUrl(raw: string): {url: string; loopback: boolean} {
	const value = raw.trim();
	if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && /^[\w.-]+(:\d+)?(\/.*)?$/.test(value)) {
		throw new UsageError(`--app-url ${JSON.stringify(raw)} has no scheme: write https://${value}`);
	}
	let u: URL;
	try {
		u = new URL(value);
	} catch {
		throw new UsageError(`--app-url ${JSON.stringify(raw)} is not a URL: give the app's address with its scheme, e.g. https://my-app-123.aws.databricksapps.com`);
	}
	if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
		throw new UsageError(`--app-url ${JSON.stringify(raw)} has no scheme: write https://${value}`);
	}
	if (u.protocol !== 'http:' && u.protocol !== 'https:') {
		throw new UsageError(`--app-url ${JSON.stringify(raw)} uses ${u.protocol}: give an http:// or https:// URL`);
	}
	if (u.pathname !== '/' && u.pathname !== '') {
		const base = `${u.protocol}//${u.host}`;
		const fix = u.pathname.replace(/\/+$/, '') === '/invocations' ? `give the app's base URL ${base} (qpscope posts to /invocations itself)` : `give the app's base URL ${base}`;
		throw new UsageError(`--app-url ${JSON.stringify(raw)} has a path (${u.pathname}): ${fix}`);
	}
	if (u.search || u.hash) throw new UsageError(`--app-url ${JSON.stringify(raw)} has a query or fragment: give the app's base URL ${u.protocol}//${u.host}`);
	if (u.username || u.password) throw new UsageError(`--app-url must not carry credentials: remove "user:pass@" and use --auth-type / --profile`);
	return {url: `${u.protocol}//${u.host}`, loopback: isLoopbackHost(u.hostname)};
}

function readBodies(flags: RunFlags): string[] {
	if (flags.bodyFile !== undefined && flags.prompt !== undefined) {
		throw new UsageError('--prompt and --body-file both given: use one of them');
	}
	if (flags.bodyFile !== undefined) {
		const file = flags.bodyFile;
		let text: string;
		try {
			text = fs.readFileSync(file, 'utf8');
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
			throw new UsageError(`--body-file ${JSON.stringify(file)} cannot be read (${code}): give the path of a JSON or JSON Lines file`);
		}
		const bodies: string[] = [];
		const asOne = text.trim();
		const parseBody = (chunk: string, where: string): string => {
			let parsed: unknown;
			try {
				parsed = JSON.parse(chunk);
			} catch (error) {
				throw new UsageError(`--body-file ${JSON.stringify(file)} ${where} is not valid JSON (${(error as Error).message}): fix the file, one JSON object per line for JSON Lines`);
			}
			if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
				throw new UsageError(`--body-file ${JSON.stringify(file)} ${where} is not a JSON object: write bodies like {"input": [{"role": "user", "content": "..."}]}`);
			}
			const body = parsed as Record<string, unknown>;
			if (!Array.isArray(body.input)) {
				throw new UsageError(`--body-file ${JSON.stringify(file)} ${where} has no "input" list: write bodies like {"input": [{"role": "user", "content": "..."}]}`);
			}
			if (body.stream === undefined) body.stream = true;
			return JSON.stringify(body);
		};
		if (asOne === '') throw new UsageError(`--body-file ${JSON.stringify(file)} is empty: give one JSON body, or JSON Lines`);
		try {
			bodies.push(parseBody(asOne, 'content'));
		} catch (error) {
			const lines = asOne.split(/\r?\n/).map((l) => l.trim());
			if (lines.length < 2) throw error;
			lines.forEach((line, i) => {
				if (line) bodies.push(parseBody(line, `line ${i + 1}`));
			});
		}
		return bodies;
	}
	const prompt = flags.prompt ?? RUN_DEFAULTS.prompt;
	if (prompt.trim() === '') throw new UsageError('--prompt is empty: give the text of the user message');
	return [JSON.stringify({input: [{role: 'user', content: prompt}], stream: true})];
}

function parseHeaders(list: string[] | undefined): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const raw of list ?? []) {
		const i = raw.indexOf(':');
		const name = i > 0 ? raw.slice(0, i).trim().toLowerCase() : '';
		if (!name || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
			throw new UsageError(`--header ${JSON.stringify(raw)} is not "Name: value": write e.g. --header 'X-Team: search'`);
		}
		if (name === 'authorization') throw new UsageError('--header Authorization is not accepted: tokens come from --auth-type / --profile / DATABRICKS_TOKEN, so they are never logged');
		headers[name] = raw.slice(i + 1).trim();
	}
	return headers;
}

export function timestampRunName(date = new Date()): string {
	const p = (n: number) => String(n).padStart(2, '0');
	return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}_${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

export function buildRunConfig(flags: RunFlags, env: NodeJS.ProcessEnv = process.env): RunConfig {
	const urls = (flags.appUrl ?? []).flatMap((u) => u.split(',')).map((u) => u.trim()).filter(Boolean);
	if (urls.length === 0) {
		throw new UsageError('no --app-url given: pass the app to test, e.g. --app-url https://my-app-123.aws.databricksapps.com (or run "qpscope demo")');
	}
	const parsed = urls.map(parseAppUrl);
	const labelsGiven = flags.label ?? [];
	if (labelsGiven.length > parsed.length) {
		throw new UsageError(`${labelsGiven.length} --label values for ${parsed.length} --app-url: give at most one label per URL, in the same order`);
	}
	const sizesGiven = (flags.computeSize ?? []).map((s) => s.trim().toLowerCase());
	if (sizesGiven.length > 1 && sizesGiven.length !== parsed.length) {
		throw new UsageError(`${sizesGiven.length} --compute-size values for ${parsed.length} --app-url: give one per URL in the same order, or one for all`);
	}
	for (const size of sizesGiven) {
		if (!KNOWN_COMPUTE_SIZES.includes(size)) {
			throw new UsageError(`--compute-size ${JSON.stringify(size)} is not a known size: use one of ${KNOWN_COMPUTE_SIZES.join(', ')}`);
		}
	}
	const labels = assignLabels(parsed.map((p) => p.url), labelsGiven);
	const apps: AppTarget[] = parsed.map((p, i) => {
		const size = sizesGiven.length === 1 ? sizesGiven[0]! : sizesGiven[i];
		return {
			url: p.url,
			invocationsUrl: `${p.url}/invocations`,
			label: labels[i]!,
			computeSize: size ?? 'unknown',
			computeSizeGiven: size !== undefined,
			loopback: p.loopback,
		};
	});

	const maxUsers = num('max-users', flags.maxUsers, RUN_DEFAULTS.maxUsers, {min: 1, integer: true, max: 100_000});
	const stepSize = num('step-size', flags.stepSize, Math.min(RUN_DEFAULTS.stepSize, maxUsers), {min: 1, integer: true});
	if (stepSize > maxUsers) {
		throw new UsageError(`--step-size ${stepSize} is larger than --max-users ${maxUsers}: use a step size of at most ${maxUsers}`);
	}
	const stepDuration = num('step-duration', flags.stepDuration, RUN_DEFAULTS.stepDuration, {min: 2, integer: true, fix: 'give whole seconds, at least 2 (30 is usual)'});
	const spawnRate = num('spawn-rate', flags.spawnRate, RUN_DEFAULTS.spawnRate, {min: 0.1, fix: 'give users per second, more than 0'});
	const runName = flags.runName ?? timestampRunName();
	if (!runName || /[/\\]|^\.\.?$/.test(runName) || runName.length > 120) {
		throw new UsageError(`--run-name ${JSON.stringify(runName)} cannot be a folder name: use letters, digits, - and _`);
	}
	const authType = (flags.authType ?? 'auto').toLowerCase();
	if (!['auto', 'm2m', 'pat', 'cli', 'none'].includes(authType)) {
		throw new UsageError(`--auth-type ${JSON.stringify(flags.authType)} is not known: use auto, m2m, pat, cli or none`);
	}
	const requestTimeoutS = num('request-timeout', flags.requestTimeout, RUN_DEFAULTS.requestTimeout, {min: 1, fix: 'give seconds, at least 1'});
	const idleTimeoutS = num('idle-timeout', flags.idleTimeout, Math.min(RUN_DEFAULTS.idleTimeout, requestTimeoutS), {min: 1, fix: 'give seconds, at least 1'});
	return {
		apps,
		maxUsers,
		stepSize,
		stepDuration,
		spawnRate,
		thinkTimeMs: num('think-time', flags.thinkTime, RUN_DEFAULTS.thinkTime, {min: 0, fix: 'give seconds, 0 or more'}) * 1000,
		runName,
		resultsDir: flags.resultsDir ?? RUN_DEFAULTS.resultsDir,
		dashboard: flags.dashboard ?? false,
		tui: flags.tui ?? true,
		healthcheck: !(flags.skipHealthcheck ?? false),
		healthcheckTimeoutS: num('healthcheck-timeout', flags.healthcheckTimeout, RUN_DEFAULTS.healthcheckTimeout, {min: 0, fix: 'give seconds, 0 or more'}),
		warmup: num('warmup', flags.warmup, RUN_DEFAULTS.warmup, {min: 0, integer: true}),
		maxFailureRate: percent('max-failure-rate', flags.maxFailureRate, RUN_DEFAULTS.maxFailureRate),
		sloTtftP95Ms: optionalNum('slo-ttft-p95-ms', flags.sloTtftP95Ms, {min: 1}),
		sloLatencyP95Ms: optionalNum('slo-latency-p95-ms', flags.sloLatencyP95Ms, {min: 1}),
		stopWhenSaturated: flags.stopWhenSaturated ?? false,
		parallelApps: flags.parallelApps ?? false,
		requestTimeoutS,
		idleTimeoutS,
		settleS: optionalNum('settle', flags.settle),
		workers: num('workers', flags.workers, defaultWorkers(), {min: 0, integer: true, max: 64}),
		bodies: readBodies(flags),
		headers: parseHeaders(flags.header),
		auth: {
			authType: authType as AuthFlags['authType'],
			host: flags.host ?? env.DATABRICKS_HOST,
			clientId: flags.clientId,
			clientSecret: flags.clientSecret,
			profile: flags.profile,
		},
	};
}

/** The parameters as written to files: no secrets, ever. */
export function publicConfig(config: RunConfig, authDescription: string): PublicConfig {
	return {
		appUrls: config.apps.map((a) => a.url),
		labels: config.apps.map((a) => a.label),
		computeSizes: config.apps.map((a) => a.computeSize),
		maxUsers: config.maxUsers,
		stepSize: config.stepSize,
		stepDuration: config.stepDuration,
		spawnRate: config.spawnRate,
		thinkTimeMs: config.thinkTimeMs,
		warmup: config.warmup,
		maxFailureRate: config.maxFailureRate,
		sloTtftP95Ms: config.sloTtftP95Ms,
		sloLatencyP95Ms: config.sloLatencyP95Ms,
		stopWhenSaturated: config.stopWhenSaturated,
		parallelApps: config.parallelApps,
		requestTimeoutS: config.requestTimeoutS,
		idleTimeoutS: config.idleTimeoutS,
		settleS: config.settleS,
		workers: config.workers,
		healthcheck: config.healthcheck,
		authType: authDescription,
		headerNames: Object.keys(config.headers),
		bodies: config.bodies.length,
		runName: config.runName,
		resultsDir: path.resolve(config.resultsDir),
	};
}
