// One load thread: runs its share of the virtual users and answers the main thread once a second with its
// window of that second (histograms encoded exactly) and its own event-loop health.
import {parentPort, workerData} from 'node:worker_threads';
import {LoopWatch} from './selfwatch.ts';
import {UserPool} from './users.ts';
import type {ToLoadWorker, FromLoadWorker, LoadWorkerInit} from './worker-pool.ts';

const port = parentPort!;
const init = workerData as LoadWorkerInit;
const watch = new LoopWatch();
let token: string | undefined = init.token ?? undefined;
let tokenError: string | null = init.tokenError;
let waiting: Array<() => void> = [];

const post = (m: FromLoadWorker) => port.postMessage(m);

const pool = new UserPool({
	...init.options,
	getToken: async () => {
		if (token === undefined && tokenError === null && init.needsToken) {
			// The main thread is fetching one: wait for it (bounded).
			await new Promise<void>((resolve) => {
				waiting.push(resolve);
				setTimeout(resolve, 30_000).unref();
			});
		}
		if (tokenError !== null && token === undefined) throw new Error(tokenError);
		return token;
	},
	onAuthRejected: (rejected) => post({type: 'authRejected', token: rejected ?? null}),
});

port.on('message', (m: ToLoadWorker) => {
	switch (m.type) {
		case 'users':
			pool.setUsers(m.n);
			break;
		case 'token':
			token = m.token ?? undefined;
			tokenError = m.error;
			for (const w of waiting) w();
			waiting = [];
			break;
		case 'collect':
			void pool.collect(m.s).then((w) => {
				const h = watch.sample();
				post({type: 'window', s: m.s, window: w.encode(), elu: h.elu, lagMs: h.lagMs, inFlight: pool.inFlight()});
			});
			break;
		case 'stop':
			void pool.stop().then(() => {
				watch.close();
				post({type: 'stopped'});
			});
			break;
	}
});
post({type: 'ready'});
