// `qpscope mock`: runs the mock agent server until SIGINT/SIGTERM.
import process from 'node:process';
import meow from 'meow';
import {UsageError} from '../config/errors.ts';
import {DEFAULT_MOCK_OPTIONS, describeMock, startMock, type MockOptions, type OverloadMode} from './server.ts';

const help = `
	Usage
	  $ qpscope mock [flags]

	A local stand-in for a Databricks agent app (MLflow AgentServer): POST /invocations streams a tool
	call, --chunk-count text deltas --chunk-delay-ms apart, the whole message, then [DONE].
	Also GET /health, GET /stats, POST /stats/reset.

	Flags
	  --port N              Port, 0 = any free port (default ${DEFAULT_MOCK_OPTIONS.port})
	  --host HOST           Address to bind (default ${DEFAULT_MOCK_OPTIONS.host})
	  --workers N           Worker processes (node:cluster); 1 = serve in-process (default 1)
	  --chunk-delay-ms MS   Delay between text deltas (env MOCK_CHUNK_DELAY_MS, default ${DEFAULT_MOCK_OPTIONS.chunkDelayMs})
	  --chunk-count N       Text deltas per stream (env MOCK_CHUNK_COUNT, default ${DEFAULT_MOCK_OPTIONS.chunkCount})
	  --ttft-ms MS          Delay before the first event (default 0)
	  --capacity K          Concurrent streams per worker (default unlimited)
	  --overload MODE       Past capacity: "queue" (wait FIFO, default) or "shed" (503 at once)
	  --fail-rate P         Probability of an HTTP 500 (default 0)
	  --cut-rate P          Probability of a socket closed after about half the deltas (default 0)
	  --error-event-rate P  Probability of an error event then [DONE] after a few deltas (default 0)
	  --stall-rate P        Probability of a stream that stops mid-way without closing (default 0)
	  --seed N              Seed for the fault draws (default random)

	The fault rates are exclusive per request (one draw), so their sum must be at most 1.
	Capacity QPS = workers × capacity / (ttft-ms + chunk-count × chunk-delay-ms) × 1000.

	Example
	  $ qpscope mock --port 0 --capacity 10 --workers 2
`;

const FLAGS = {
	port: {type: 'string'},
	host: {type: 'string'},
	workers: {type: 'string'},
	chunkDelayMs: {type: 'string'},
	chunkCount: {type: 'string'},
	ttftMs: {type: 'string'},
	capacity: {type: 'string'},
	overload: {type: 'string'},
	failRate: {type: 'string'},
	cutRate: {type: 'string'},
	errorEventRate: {type: 'string'},
	stallRate: {type: 'string'},
	seed: {type: 'string'},
} as const;

const kebab = (name: string): string => name.replaceAll(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

type Source = {value: string; name: string};

function pick(flag: string | undefined, flagName: string, env?: string): Source | undefined {
	if (flag !== undefined) return {value: flag, name: `--${flagName}`};
	if (env !== undefined) {
		const value = process.env[env];
		if (value !== undefined && value.trim() !== '') return {value, name: env};
	}
	return undefined;
}

function show(source: Source): string {
	return source.name.startsWith('--') ? `${source.name} ${JSON.stringify(source.value)}` : `${source.name}=${JSON.stringify(source.value)}`;
}

function parseNumber(source: Source): number {
	const text = source.value.trim();
	const value = text === '' ? Number.NaN : Number(text);
	if (!Number.isFinite(value)) throw new UsageError(`${show(source)} is not a number: give a number, e.g. ${source.name.startsWith('--') ? `${source.name} 10` : `${source.name}=10`}`);
	return value;
}

function parseInteger(source: Source, min: number, max: number, hint: string): number {
	const value = parseNumber(source);
	if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${show(source)} is out of range: ${hint}`);
	return value;
}

function parseNonNegative(source: Source): number {
	const value = parseNumber(source);
	if (value < 0) throw new UsageError(`${show(source)} is negative: use 0 or more milliseconds`);
	return value;
}

function parseRate(source: Source): number {
	const value = parseNumber(source);
	if (value < 0 || value > 1) throw new UsageError(`${show(source)} is not a probability: use a number from 0 to 1, e.g. 0.05`);
	return value;
}

/** Flags (and MOCK_* environment variables) to options; throws UsageError. */
export function parseMockArgs(argv: string[]): Partial<MockOptions> {
	const cli = meow(help, {importMeta: import.meta, argv, flags: FLAGS, allowUnknownFlags: true, description: false});
	const known = new Set(Object.keys(FLAGS).flatMap((name) => [name, kebab(name)]));
	for (const name of Object.keys(cli.unnormalizedFlags)) {
		if (!known.has(name)) throw new UsageError(`unknown flag --${name} for "qpscope mock": see "qpscope mock --help"`);
	}
	if (cli.input.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(cli.input[0])} for "qpscope mock": it takes only flags, see "qpscope mock --help"`);
	const f = cli.flags;
	const opts: Partial<MockOptions> = {};

	let s = pick(f.port, 'port');
	if (s) opts.port = parseInteger(s, 0, 65_535, 'use a port from 1 to 65535, or 0 for any free port');
	s = pick(f.host, 'host');
	if (s) {
		if (s.value.trim() === '') throw new UsageError('--host is empty: give an address to bind, e.g. --host 127.0.0.1');
		opts.host = s.value.trim();
	}
	s = pick(f.workers, 'workers');
	if (s) opts.workers = parseInteger(s, 1, 1024, 'use a whole number of worker processes from 1 to 1024');
	s = pick(f.chunkDelayMs, 'chunk-delay-ms', 'MOCK_CHUNK_DELAY_MS');
	if (s) opts.chunkDelayMs = parseNonNegative(s);
	s = pick(f.chunkCount, 'chunk-count', 'MOCK_CHUNK_COUNT');
	if (s) opts.chunkCount = parseInteger(s, 0, 1_000_000, 'use a whole number of text deltas, e.g. 80');
	s = pick(f.ttftMs, 'ttft-ms');
	if (s) opts.ttftMs = parseNonNegative(s);
	s = pick(f.capacity, 'capacity');
	if (s) {
		opts.capacity = ['unlimited', 'none', 'inf'].includes(s.value.trim().toLowerCase())
			? null
			: parseInteger(s, 1, 10_000_000, 'use a whole number of concurrent streams per worker of at least 1 (or leave it out for unlimited)');
	}
	s = pick(f.overload, 'overload');
	if (s) {
		const mode = s.value.trim().toLowerCase();
		if (mode !== 'queue' && mode !== 'shed') throw new UsageError(`${show(s)} is not a mode: use --overload queue or --overload shed`);
		opts.overload = mode as OverloadMode;
	}
	const rates = [
		['failRate', 'fail-rate'],
		['cutRate', 'cut-rate'],
		['errorEventRate', 'error-event-rate'],
		['stallRate', 'stall-rate'],
	] as const;
	let sum = 0;
	for (const [key, flag] of rates) {
		s = pick(f[key], flag);
		if (s) {
			opts[key] = parseRate(s);
			sum += opts[key];
		}
	}
	if (sum > 1 + 1e-9) {
		const given = rates.filter(([key]) => opts[key] !== undefined).map(([key, flag]) => `--${flag} ${opts[key]}`);
		throw new UsageError(`${given.join(' + ')} add up to ${Number(sum.toFixed(6))}: the faults are exclusive per request, keep their sum at most 1`);
	}
	s = pick(f.seed, 'seed');
	if (s) opts.seed = parseInteger(s, 0, 0xff_ff_ff_ff, 'use a whole number from 0 to 4294967295');
	return opts;
}

export async function main(argv: string[]): Promise<number> {
	const opts = parseMockArgs(argv);
	let handle;
	try {
		handle = await startMock(opts);
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'EADDRINUSE') {
			throw new UsageError(`--port ${opts.port ?? DEFAULT_MOCK_OPTIONS.port} is in use on ${opts.host ?? DEFAULT_MOCK_OPTIONS.host}: pick another port, or --port 0 for any free one`);
		}
		if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
			throw new UsageError(`--host ${JSON.stringify(opts.host)} cannot be bound here: use a local address, e.g. --host 127.0.0.1`);
		}
		if (error instanceof RangeError) throw new UsageError(error.message);
		throw error;
	}
	process.stdout.write(`${describeMock(handle)}\n`);

	const signal = await new Promise<NodeJS.Signals>((resolve) => {
		const on = (name: NodeJS.Signals): void => {
			process.off('SIGINT', on);
			process.off('SIGTERM', on);
			resolve(name);
		};
		process.on('SIGINT', on);
		process.on('SIGTERM', on);
	});
	const stats = await handle.stats().catch(() => undefined);
	await handle.close();
	const served = stats
		? `: ${stats.requests} requests, ${stats.completed} completed, ${stats.shed} shed, ${stats.failed} failed, ${stats.cut} cut, ${stats.errorEvents} error events, ${stats.stalled} stalled, ${stats.aborted} aborted`
		: '';
	process.stderr.write(`mock agent stopped (${signal})${served}\n`);
	return 0;
}
