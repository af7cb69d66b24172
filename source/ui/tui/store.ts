// Holds the reducer state outside React: engine events are reduced as they come (cheap), and the UI
// copies the state into React at its own pace (a few times a second), never once per event.
import type {EngineEvent, EngineEvents} from '../../types.ts';
import {expireWarnings, initialState, reduce, type TuiState} from './state.ts';

export interface TuiStore {
	getState(): TuiState;
	/** Bumped on every change. */
	version(): number;
	dispatch(event: EngineEvent): void;
	/** Fade old warnings. */
	expire(now: number, fadeMs: number): void;
	/** Stop listening to the engine. */
	close(): void;
}

export function createStore(events?: EngineEvents, clock: () => number = Date.now): TuiStore {
	let state = initialState();
	let version = 0;
	const dispatch = (event: EngineEvent) => {
		try {
			const next = reduce(state, event, clock());
			if (next !== state) {
				state = next;
				version++;
			}
		} catch {
			// A malformed event must never break the engine that emitted it; the screen just misses it.
		}
	};
	const unsubscribe = events ? events.subscribe(dispatch) : () => {};
	return {
		getState: () => state,
		version: () => version,
		dispatch,
		expire(now, fadeMs) {
			const next = expireWarnings(state, now, fadeMs);
			if (next !== state) {
				state = next;
				version++;
			}
		},
		close: () => unsubscribe(),
	};
}
