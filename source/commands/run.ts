// `qpscope run`: flags -> validated config -> auth -> engine, observed by the run writer and the TUI or
// the headless printer. Exit 0; 1 when an SLO given on the command line failed at every step of an app;
// 2 for bad input; 3 when results could not all be written (disk full); 130 when stopped.
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import meow from 'meow';
import {assertTokenDestination, resolveAuth, type AuthProvider} from '../auth/index.ts';
import {discoverApps} from '../databricks/apps.ts';
import {redact} from '../auth/secrets.ts';
import {UsageError} from '../config/errors.ts';
import {buildRunConfig, publicConfig, RUN_DEFAULTS, type RunConfig, type RunFlags} from '../config/run-config.ts';
import {Engine} from '../engine/engine.ts';
import {createRunDir, RunWriter} from '../output/run-writer.ts';
import {headlessPrinter} from '../ui/headless.ts';
import type {RunSummary} from '../types.ts';

export const RUN_HELP = `
  Usage
    $ qpscope run --app-url URL [--app-url URL ...] [options]

  Load: closed-loop users, ramped step by step
    --app-url URL            App to test (repeatable; base URL, qpscope posts to /invocations)
    --label NAME             Label per --app-url, by position (default: derived from the URL)
    --compute-size SIZE      medium | large | liquid, per --app-url by position, or one for all
                             (default: detected from the Databricks apps API, else "unknown")
    --max-users N            Users at the last step (default ${RUN_DEFAULTS.maxUsers})
    --step-size N            Users added per step (default ${RUN_DEFAULTS.stepSize})
    --step-duration S        Seconds each step is held, spawning included (default ${RUN_DEFAULTS.stepDuration})
    --spawn-rate N           Users started per second (default ${RUN_DEFAULTS.spawnRate})
    --think-time S           Pause between a user's requests (default 0)
    --settle S               Seconds after the last user of a step starts before its steady window
                             (default: about one median request time, 1 s at least)
    --warmup N               Requests before the ramp, not counted (default ${RUN_DEFAULTS.warmup})
    --parallel-apps          Ramp every app at once instead of one after another
    --stop-when-saturated    End an app's ramp two steps after it saturated
    --workers N              Load threads (default: cores, at most 8; 0 = main thread)

  Requests
    --prompt TEXT            The user message (default: a short weather question)
    --body-file FILE         One JSON body, or JSON Lines cycled in order
    --header 'K: V'          Extra request header (repeatable)
    --request-timeout S      Whole-request limit (default ${RUN_DEFAULTS.requestTimeout})
    --idle-timeout S         Longest silence inside a stream (default ${RUN_DEFAULTS.idleTimeout})
    --skip-healthcheck       Do not send the healthcheck request before each app
    --healthcheck-timeout S  How long to retry the healthcheck (default ${RUN_DEFAULTS.healthcheckTimeout})

  The answer
    --max-failure-rate PCT   A step passes with at most this failure % (default ${RUN_DEFAULTS.maxFailureRate})
    --slo-ttft-p95-ms MS     A step passes only with TTFT p95 at most this
    --slo-latency-p95-ms MS  A step passes only with full-stream latency p95 at most this

  Output
    --run-name NAME          Run folder name (default: local time YYYYMMDD_HHMMSS)
    --results-dir DIR        Where run folders go (default ${RUN_DEFAULTS.resultsDir})
    --dashboard              Write dashboard.html into the run folder at the end
    --no-tui                 Plain line output (automatic when stdout is not a terminal)

  Authentication (Databricks; none needed for loopback URLs)
    --auth-type TYPE         auto | m2m | pat | cli | none (default auto)
    --host URL               Workspace URL (or DATABRICKS_HOST)
    --client-id ID           Service principal (or DATABRICKS_CLIENT_ID)
    --client-secret SECRET   Its secret (or DATABRICKS_CLIENT_SECRET; prefer the variable)
    --profile NAME           Profile in ~/.databrickscfg (or DATABRICKS_CONFIG_PROFILE)

  Example
    $ qpscope run --app-url https://agent-medium-w2-1234567890.aws.databricksapps.com \\
        --max-users 200 --step-size 20 --step-duration 30 --dashboard
`;

export const RUN_FLAGS = {
	appUrl: {type: 'string', isMultiple: true},
	label: {type: 'string', isMultiple: true},
	computeSize: {type: 'string', isMultiple: true},
	maxUsers: {type: 'string'},
	stepSize: {type: 'string'},
	stepDuration: {type: 'string'},
	spawnRate: {type: 'string'},
	thinkTime: {type: 'string'},
	settle: {type: 'string'},
	warmup: {type: 'string'},
	parallelApps: {type: 'boolean'},
	stopWhenSaturated: {type: 'boolean'},
	workers: {type: 'string'},
	prompt: {type: 'string'},
	bodyFile: {type: 'string'},
	header: {type: 'string', isMultiple: true},
	requestTimeout: {type: 'string'},
	idleTimeout: {type: 'string'},
	skipHealthcheck: {type: 'boolean'},
	healthcheckTimeout: {type: 'string'},
	maxFailureRate: {type: 'string'},
	sloTtftP95Ms: {type: 'string'},
	sloLatencyP95Ms: {type: 'string'},
	runName: {type: 'string'},
	resultsDir: {type: 'string'},
	dashboard: {type: 'boolean'},
	tui: {type: 'boolean', default: true},
	authType: {type: 'string'},
	host: {type: 'string'},
	clientId: {type: 'string'},
	clientSecret: {type: 'string'},
	profile: {type: 'string'},
} as const;

export function parseRunArgv(argv: string[], help = RUN_HELP): RunFlags {
	const known = new Set([...Object.keys(RUN_FLAGS), 'help', 'version']);
	for (const arg of argv) {
		if (arg === '--') break;
		if (!arg.startsWith('--')) continue;
		const name = arg.slice(2).split('=')[0]!;
		const camel = name.replace(/^no-/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
		if (!known.has(camel)) {
			const close = [...known].map((k) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).find((k) => k.startsWith(name.slice(0, 4)));
			throw new UsageError(`unknown option --${name}: ${close ? `did you mean --${close}? ` : ''}see "qpscope run --help"`);
		}
	}
	let cli;
	try {
		cli = parseWithMeow(argv, help);
	} catch (error) {
		// meow throws plain Errors for flags given twice and the like: they are the user's input.
		throw new UsageError(`${(error as Error).message.replace(/\s+/g, ' ').replace(/\.$/, '').replace(/--([a-z]+[A-Z][A-Za-z]*)/g, (_m, f: string) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`)}: give each option once (except --app-url, --label, --compute-size, --header)`);
	}
	if (cli.input.length > 0) {
		throw new UsageError(`unexpected argument ${JSON.stringify(cli.input[0])}: flags start with --, e.g. --app-url ${cli.input[0]}`);
	}
	return cli.flags as RunFlags;
}

function parseWithMeow(argv: string[], help: string) {
	return meow(help, {
		importMeta: import.meta,
		argv,
		flags: RUN_FLAGS,
		allowUnknownFlags: false,
		autoHelp: true,
		autoVersion: false,
		description: 'Load-test streaming agents served as Databricks Apps: max sustainable QPS and TTFT under load.',
	});
}

/** Reads `.env` from the working directory, when there is one (values already set win). */
export function loadDotEnv(cwd = process.cwd()): void {
	const file = path.join(cwd, '.env');
	if (!fs.existsSync(file)) return;
	try {
		const before = {...process.env};
		process.loadEnvFile(file);
		for (const [k, v] of Object.entries(before)) process.env[k] = v;
	} catch (error) {
		throw new UsageError(`.env in ${cwd} cannot be read (${(error as Error).message}): fix or remove it`);
	}
}

export interface RunHooks {
	/** Called with the run folder once it exists (the demo prints the mock's line there). */
	onStarted?: (runDir: string) => void;
	/** Extra lines for test_config.json (the demo records the mock's settings). */
	extraConfig?: Record<string, unknown>;
}

/** Runs a whole load test from a validated config; returns the exit code. */
export async function runLoadTest(config: RunConfig, hooks: RunHooks = {}): Promise<number> {
	// As ink decides (is-in-ci): in CI it would draw only the last frame, so print lines instead.
	const env = process.env;
	const inCi = ('CI' in env && env.CI !== '0' && env.CI !== 'false') || 'CONTINUOUS_INTEGRATION' in env;
	const tui = config.tui && process.stdout.isTTY === true && !inCi;
	const early: string[] = [];
	// A run of loopback apps only (the mock) needs no token, even when DATABRICKS_* variables are set.
	const allLoopback = config.apps.every((a) => a.loopback);
	const auth: AuthProvider = await resolveAuth({
		authType: config.auth.authType === 'auto' && allLoopback ? 'none' : config.auth.authType,
		host: config.auth.host,
		clientId: config.auth.clientId,
		clientSecret: config.auth.clientSecret,
		profile: config.auth.profile,
		appUrls: config.apps.map((a) => a.url),
		onWarning: (message) => early.push(message),
	});

	for (const app of config.apps) assertTokenDestination(app.url, auth.kind !== 'none');
	const found = await discoverApps({
		appUrls: config.apps.map((a) => a.url),
		computeSizes: config.apps.map((a) => (a.computeSizeGiven ? a.computeSize : undefined)) as string[],
		host: auth.host,
		provider: auth,
	});
	found.forEach((f, i) => {
		const app = config.apps[i]!;
		app.computeSize = f.computeSize;
		if (f.skipReason) app.skipReason = f.skipReason;
		if (f.warning) early.push(f.warning);
	});

	let runDir: string;
	let note: string | null;
	try {
		({dir: runDir, note} = createRunDir(config.resultsDir, config.runName));
	} catch (error) {
		auth.close();
		throw new UsageError(`cannot create the run folder in ${path.resolve(config.resultsDir)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): choose a writable --results-dir`);
	}

	const engine = new Engine({config, auth, runDir});
	const writer = new RunWriter(runDir, publicConfig(config, auth.describe()), (message) => engine.emit({type: 'warning', label: null, kind: 'io', message}));
	writer.writeConfig({tool: 'qpscope', ...hooks.extraConfig});
	engine.subscribe(writer.observe);

	let ui: {waitUntilExit(): Promise<void>; unmount(): void} | null = null;
	if (tui) {
		const {startTui} = await import('../ui/tui/index.tsx');
		ui = startTui({events: engine, control: engine});
	} else {
		engine.subscribe(headlessPrinter());
	}
	const warn = (message: string) => engine.emit({type: 'warning', label: null, kind: 'auth', message});
	if (note) engine.emit({type: 'warning', label: null, kind: 'io', message: note});
	hooks.onStarted?.(runDir);

	// Signals: the first stops cleanly (files written), a second quits at once.
	let signals = 0;
	const onSignal = (name: string) => {
		signals++;
		if (signals > 1) {
			// Synchronous: process.exit() would drop an asynchronous write to a pipe.
			fs.writeSync(2, `\nqpscope: second ${name}: quitting now; ${runDir} holds what was written so far\n`);
			process.exit(130);
		}
		engine.stop(`${name} received`);
	};
	const onInt = () => onSignal('SIGINT');
	const onTerm = () => onSignal('SIGTERM');
	process.on('SIGINT', onInt);
	process.on('SIGTERM', onTerm);

	let summary: RunSummary;
	try {
		for (const m of early) warn(m);
		summary = await engine.run();
	} finally {
		auth.close();
	}

	writer.writeSummary(summary.status, summary);
	if (config.dashboard) {
		try {
			const {buildDashboard} = await import('../output/dashboard.ts');
			const built = await buildDashboard([runDir]);
			for (const f of built.wrote ?? [built.file]) writer.files.add(f);
		} catch (error) {
			engine.emit({type: 'warning', label: null, kind: 'io', message: `dashboard not written: ${redact((error as Error).message)}`});
		}
	}
	if (writer.error) {
		engine.emit({type: 'warning', label: null, kind: 'io', message: `results in ${runDir} are incomplete: ${writer.error.message}; the answer below is from memory. Free space or choose another --results-dir`});
	}
	writer.log(`run ${summary.status}; best: ${summary.best ? `${summary.best.label} ${summary.best.maxQps.toFixed(2)} QPS` : 'none'}`);
	const files = [path.join(runDir, 'summary.json'), ...[...writer.files].filter((f) => !f.endsWith('summary.json')).sort()];
	engine.emit({type: 'runFinished', summary, runDir, files: files.filter((f) => path.dirname(f) === runDir || path.dirname(path.dirname(f)) === runDir)});
	if (ui) await ui.waitUntilExit();
	// The handlers stay until the process ends: a second Ctrl-C while the last files are written must still
	// quit at once with 130 (signal listeners do not keep the process alive).

	if (summary.status === 'stopped') return 130;
	if (writer.error) return 3;
	const sloGiven = config.sloTtftP95Ms !== null || config.sloLatencyP95Ms !== null;
	if (sloGiven) {
		const sloFailedEverywhere = summary.apps.some((a) => a.steps.length > 0 && a.steps.every((s) => s.failedChecks.some((c) => c.startsWith('TTFT p95') || c.startsWith('latency p95'))));
		if (sloFailedEverywhere) return 1;
	}
	return 0;
}

export async function main(argv: string[]): Promise<number> {
	loadDotEnv();
	const flags = parseRunArgv(argv);
	const config = buildRunConfig(flags);
	return runLoadTest(config);
}
