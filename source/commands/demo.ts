// `qpscope demo` (what `npm start` runs): the built-in mock agent with a known capacity, and a short ramp
// against it that visibly saturates, in about a minute. Any `qpscope run` flag may be added.
import process from 'node:process';
import {buildRunConfig, type RunFlags} from '../config/run-config.ts';
import {startMock, describeMock} from '../mock/server.ts';
import {parseRunArgv, runLoadTest} from './run.ts';

export const DEMO_MOCK = {workers: 2, capacity: 10, chunkCount: 40, chunkDelayMs: 20, ttftMs: 0, overload: 'queue'} as const;
export const DEMO_RAMP = {maxUsers: '60', stepSize: '10', stepDuration: '8', spawnRate: '20', warmup: '10'};

const HELP = `
  Usage
    $ qpscope demo [run options]

  Starts the built-in mock agent on a free loopback port (2 workers × 10 concurrent streams, 40 chunks
  20 ms apart: a capacity of about 25 QPS) and ramps 10 → 60 users in 8-second steps against it, so you
  see an app saturate and the answer come out, in about a minute. Takes every "qpscope run" option,
  e.g. --no-tui or --dashboard.
`;

export async function main(argv: string[]): Promise<number> {
	const flags: RunFlags = parseRunArgv(argv, HELP);
	const mock = await startMock({...DEMO_MOCK, port: 0});
	try {
		const config = buildRunConfig({...DEMO_RAMP, runName: undefined, ...stripUndefined(flags), appUrl: [mock.url], label: flags.label?.length ? flags.label : ['demo-mock-w2']});
		const line = describeMock(mock);
		return await runLoadTest(config, {
			extraConfig: {demo: true, mock: {...mock.options, capacityQps: mock.capacityQps}},
			onStarted: () => {
				if (!config.tui || !process.stdout.isTTY) process.stdout.write(`${line}\n`);
			},
		});
	} finally {
		await mock.close();
	}
}

function stripUndefined<T extends object>(o: T): Partial<T> {
	return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
