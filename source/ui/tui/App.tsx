// The live screen. Engine events go into the store as they come; a timer copies the store into React
// state at most every flushMs (default 250 ms), so rendering never keeps pace with the load generator.
import fs from 'node:fs';
import React, {useEffect, useRef, useState} from 'react';
import {Box, Transform, useApp, useInput, useStdin, useStdout} from 'ink';
import type {RunControl} from '../../types.ts';
import {METRICS} from './chart.ts';
import {buildScreen, chartsPerRow, type Block, type ScreenSize} from './screen.ts';
import {DEFAULT_FADE_MS, type TuiState} from './state.ts';
import type {TuiStore} from './store.ts';
import {ModelTable} from './tables.tsx';

export interface AppProps {
	store: TuiStore;
	control: RunControl;
	noColor?: boolean;
	/** How long a warning stays, ms. */
	fadeMs?: number;
	/** How often the screen may redraw, ms. */
	flushMs?: number;
	/** Fixed size instead of the terminal's (tests). */
	size?: ScreenSize;
	/** What a second Ctrl-C does (default: process.exit(130)). */
	exitNow?: (code: number) => void;
	/** Leave the app once the final answer is on screen (default true). */
	exitOnFinal?: boolean;
}

/**
 * Text whose layout is measured on a blank placeholder and whose content is swapped in at output time.
 * Ink caches the measure of every distinct string it lays out, forever (ink#986); the live figures change
 * every second, so laying them out directly would grow memory with the run's length. Placeholders are
 * a handful of strings, and every line here is already cut to the width.
 */
export function Lines({lines, width}: {lines: readonly string[]; width: number}) {
	if (lines.length === 0) return null;
	const placeholder = Array.from({length: lines.length}, () => ' '.repeat(width)).join('\n');
	return <Transform transform={(_line: string, index: number) => lines[index] ?? ''}>{placeholder}</Transform>;
}

function readSize(stdout: NodeJS.WriteStream | undefined): ScreenSize {
	return {columns: stdout?.columns || 80, rows: stdout?.rows || 24};
}

export function App(props: AppProps) {
	const {store, control, fadeMs = DEFAULT_FADE_MS, flushMs = 250, exitOnFinal = true} = props;
	const color = !props.noColor;
	const {stdout} = useStdout();
	const {isRawModeSupported} = useStdin();
	const {exit} = useApp();
	const [termSize, setTermSize] = useState<ScreenSize>(() => readSize(stdout));
	const [view, setView] = useState<{state: TuiState; now: number}>(() => ({state: store.getState(), now: Date.now()}));
	const [stopping, setStopping] = useState(false);
	const [help, setHelp] = useState(false);
	const [chartIndex, setChartIndex] = useState(0);
	const ctrlC = useRef(0);
	const seen = useRef({version: store.version(), second: Math.floor(Date.now() / 1000)});

	useEffect(() => {
		if (props.size || !stdout) return;
		const onResize = () => setTermSize(readSize(stdout));
		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout, props.size]);

	useEffect(() => {
		const timer = setInterval(() => {
			const now = Date.now();
			store.expire(now, fadeMs);
			const version = store.version();
			const second = Math.floor(now / 1000);
			if (version === seen.current.version && second === seen.current.second) return;
			seen.current = {version, second};
			setView({state: store.getState(), now});
		}, flushMs);
		return () => clearInterval(timer);
	}, [store, fadeMs, flushMs]);

	const final = view.state.final;
	useEffect(() => {
		if (!final || !exitOnFinal) return;
		// The answer is committed to the screen; unmounting now leaves it there.
		const t = setTimeout(() => exit(), 0);
		return () => clearTimeout(t);
	}, [final, exitOnFinal, exit]);

	const size = props.size ?? termSize;
	const keysOn = isRawModeSupported === true && !final; // stdin.isTTY is undefined, not false, for a pipe or /dev/null
	useInput(
		(input, key) => {
			// Two Ctrl-C read at once arrive as one input of two ETX characters.
			const interrupts = key.ctrl && input === 'c' ? 1 : (input.match(/\x03/g)?.length ?? 0);
			if (interrupts > 0) {
				ctrlC.current += interrupts;
				if (ctrlC.current >= 2) {
					if (props.exitNow) return props.exitNow(130);
					// Leave the screen first (raw mode off, cursor back), then say where the results are.
					exit();
					const dir = store.getState().runDir;
					fs.writeSync(2, `qpscope: second Ctrl-C: quitting now${dir ? `; ${dir} holds what was written so far` : ''}\n`);
					process.exit(130);
				}
				setStopping(true);
				control.stop('interrupted (Ctrl-C)');
				return;
			}
			if (input === 'q') {
				setStopping(true);
				control.stop('stopped from the keyboard (q)');
			} else if (input === 'n') {
				control.nextApp();
				store.dispatch({type: 'warning', label: null, kind: 'info', message: 'n: ending this ramp now, its current step is kept as partial'});
			} else if (input === '?') {
				setHelp((h) => !h);
			} else if (input === 'c') {
				setChartIndex((i) => (i + 1) % METRICS.length);
			}
		},
		{isActive: keysOn},
	);

	const ui = {stopping: stopping && !final, help, chartIndex: chartsPerRow(size.columns) >= 3 ? 0 : chartIndex, keys: keysOn};
	const blocks = buildScreen(view.state, ui, size, view.now, color);
	const width = Math.max(20, size.columns);
	return (
		<Box flexDirection="column" width={width}>
			{blocks.map((b: Block) =>
				b.kind === 'lines' ? <Lines key={b.key} lines={b.lines} width={width} /> : <ModelTable key={b.key} model={b.model} color={color} />,
			)}
		</Box>
	);
}
