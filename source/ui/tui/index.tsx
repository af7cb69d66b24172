// The live terminal UI: startTui() listens to the engine's events and draws them with ink until the run
// has finished (the final answer stays on screen) or until unmount().
// No JSX in this file: the compiler would put its `react/jsx-runtime` import above production.ts, load
// React's development build first, and the screen would stay blank (React and ink's reconciler disagreeing).
import './production.ts';
import React from 'react';
import {render} from 'ink';
import type {EngineEvents, RunControl} from '../../types.ts';
import {App} from './App.tsx';
import {createStore} from './store.ts';

export interface TuiOptions {
	events: EngineEvents;
	control: RunControl;
	stdout?: NodeJS.WriteStream;
	stdin?: NodeJS.ReadStream;
	noColor?: boolean;
	/** How long a warning stays on screen, ms (default 10 s). */
	fadeMs?: number;
	/** Minimum time between two redraws, ms (default 250). */
	flushMs?: number;
}

export interface TuiHandle {
	/** Resolves once the UI has left: after the final answer, or after unmount(). */
	waitUntilExit(): Promise<void>;
	unmount(): void;
}

/** NO_COLOR (https://no-color.org): set and not empty. */
export function noColorFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
	return typeof env.NO_COLOR === 'string' && env.NO_COLOR !== '';
}

export function startTui(opts: TuiOptions): TuiHandle {
	const store = createStore(opts.events);
	const noColor = opts.noColor ?? noColorFromEnv();
	const instance = render(
		React.createElement(App, {store, control: opts.control, noColor, fadeMs: opts.fadeMs, flushMs: opts.flushMs}),
		{
			exitOnCtrlC: false,
			patchConsole: false,
			...(opts.stdout ? {stdout: opts.stdout} : {}),
			...(opts.stdin ? {stdin: opts.stdin} : {}),
		},
	);
	const exited = instance.waitUntilExit().then(
		() => undefined,
		() => undefined,
	);
	void exited.then(() => store.close());
	return {
		waitUntilExit: () => exited,
		unmount: () => {
			store.close();
			instance.unmount();
		},
	};
}
