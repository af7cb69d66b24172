// The run: every app, one after another or all at once, emitting events for whoever observes.
// The engine knows nothing of screens or files.
import process from 'node:process';
import type {RunConfig, AppTarget} from '../config/run-config.ts';
import {publicConfig} from '../config/run-config.ts';
import {bestApp} from '../analysis/answer.ts';
import type {AppSummary, EngineEvent, EngineEvents, EngineListener, GeneratorHealth, RunControl, RunSummary, TokenProvider} from '../types.ts';
import {emptyApp, runApp, type AppControl} from './app-runner.ts';
import {planSteps} from './ramp.ts';
import {CpuWatch, LoopWatch} from './selfwatch.ts';
import type {LoadPool, UserPoolOptions} from './users.ts';
import {WorkerPool} from './worker-pool.ts';

import {VERSION} from '../version.ts';

class AppHandle implements AppControl {
	private readonly ac = new AbortController();
	stopping = false;
	ended = false;
	get signal(): AbortSignal {
		return this.ac.signal;
	}
	stop(): void {
		this.stopping = true;
		this.ac.abort();
	}
	end(): void {
		this.ended = true;
		this.ac.abort();
	}
}

export interface EngineOptions {
	config: RunConfig;
	auth: TokenProvider;
	runDir: string;
	makePool?: (options: UserPoolOptions) => LoadPool;
	/** Health of load threads other than this one (worker pools), merged into the self-watch. */
	extraHealth?: () => {elu: number; lagMs: number} | null;
}

export class Engine implements EngineEvents, RunControl {
	private readonly listeners = new Set<EngineListener>();
	private readonly running = new Set<AppHandle>();
	private stopping = false;

	constructor(private readonly o: EngineOptions) {}

	subscribe(listener: EngineListener): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	emit(event: EngineEvent): void {
		for (const l of this.listeners) {
			try {
				l(event);
			} catch (error) {
				// An observer's bug must not stop the load; say it once per event.
				if (event.type !== 'warning') this.emit({type: 'warning', label: null, kind: 'io', message: `observer failed on ${event.type}: ${(error as Error).message}`});
			}
		}
	}

	stop(reason = 'stopped by the user'): void {
		if (this.stopping) return;
		this.stopping = true;
		this.emit({type: 'warning', label: null, kind: 'info', message: `stopping (${reason}): aborting requests in flight, writing results`});
		for (const h of this.running) h.stop();
	}

	nextApp(): void {
		for (const h of this.running) h.end();
	}

	async run(): Promise<RunSummary> {
		const {config, auth} = this.o;
		const startedAt = new Date().toISOString();
		const stepCount = planSteps(config.maxUsers, config.stepSize, config.stepDuration).length;
		this.emit({
			type: 'runStarted',
			runName: config.runName,
			runDir: this.o.runDir,
			apps: config.apps.map((a) => ({label: a.label, url: a.url, computeSize: a.computeSize})),
			auth: auth.describe(),
			startedAt,
			stepCount,
		});

		const loop = new LoopWatch();
		const cpu = new CpuWatch();
		let health: GeneratorHealth = {cpuPct: 0, elu: 0, lagMs: 0, rssBytes: process.memoryUsage.rss()};
		const sampler = setInterval(() => {
			const own = loop.sample();
			const extra = this.o.extraHealth?.() ?? null;
			health = {
				cpuPct: cpu.sample(),
				elu: Math.max(own.elu, extra?.elu ?? 0),
				lagMs: Math.max(own.lagMs, extra?.lagMs ?? 0),
				rssBytes: process.memoryUsage.rss(),
			};
		}, 1000);
		sampler.unref();

		const results: AppSummary[] = [];
		const runOne = async (app: AppTarget, index: number): Promise<AppSummary> => {
			this.emit({type: 'appStarted', app: {label: app.label, url: app.url, computeSize: app.computeSize}, index, total: config.apps.length});
			if (app.skipReason) {
				const skipped = emptyApp(app, 'skipped', app.skipReason);
				this.emit({type: 'warning', label: app.label, kind: 'app', message: `${app.label} skipped: ${app.skipReason}`});
				this.emit({type: 'appFinished', app: skipped});
				return skipped;
			}
			if (this.stopping) {
				const s = emptyApp(app, 'stopped', 'run stopped before this app');
				this.emit({type: 'appFinished', app: s});
				return s;
			}
			const handle = new AppHandle();
			this.running.add(handle);
			try {
				const summary = await runApp({
					config,
					app,
					auth,
					emit: (e) => this.emit(e),
					control: handle,
					health: () => health,
					makePool: this.o.makePool ?? (config.workers > 0 ? (options) => new WorkerPool(options, config.workers, auth) : undefined),
				});
				this.emit({type: 'phase', label: app.label, phase: 'done', message: summary.status});
				this.emit({type: 'appFinished', app: summary});
				return summary;
			} finally {
				this.running.delete(handle);
			}
		};

		try {
			if (config.parallelApps) {
				results.push(...(await Promise.all(config.apps.map((app, i) => runOne(app, i)))));
			} else {
				for (const [i, app] of config.apps.entries()) results.push(await runOne(app, i));
			}
		} finally {
			clearInterval(sampler);
			loop.close();
		}
		return this.summarize(startedAt, results);
	}

	summarize(startedAt: string, apps: AppSummary[]): RunSummary {
		const best = bestApp(apps);
		return {
			schemaVersion: 1,
			tool: {name: 'qpscope', version: VERSION},
			source: 'qpscope',
			runName: this.o.config.runName,
			startedAt,
			finishedAt: new Date().toISOString(),
			status: this.stopping ? 'stopped' : 'completed',
			config: publicConfig(this.o.config, this.o.auth.describe()),
			best: best && best.maxQps !== null ? {label: best.label, maxQps: best.maxQps, maxQpsUsers: best.maxQpsUsers} : null,
			apps,
			notes: [],
		};
	}
}
