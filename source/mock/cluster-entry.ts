// One node:cluster worker of the mock server (loaded by cluster-worker.js). Serves on the shared port,
// answers the primary's stats/reset/close requests over IPC, and asks the primary for the sums when a
// client calls /stats or /stats/reset. Exits when the primary goes away (IPC disconnect): never an orphan.
import process from 'node:process';
import {MockCore, isMockMessage, type MockOptions, type MockStats, type ToPrimary, type ToWorker} from './server.ts';

function send(message: ToPrimary): void {
	if (process.connected) process.send?.(message, undefined, {}, () => {});
}

const options = JSON.parse(process.argv[2] ?? '{}') as MockOptions;
const index = Number(process.env['QPSCOPE_MOCK_WORKER_INDEX'] ?? '0');
const core = new MockCore(options, index);

let nextId = 1;
const pending = new Map<number, {resolve(stats: MockStats | undefined): void; reject(error: Error): void}>();
function askPrimary(op: 'stats' | 'reset'): Promise<MockStats | undefined> {
	return new Promise((resolve, reject) => {
		const id = nextId++;
		const timer = setTimeout(() => {
			pending.delete(id);
			reject(new Error('the cluster primary did not answer'));
		}, 5000);
		pending.set(id, {
			resolve(stats) {
				clearTimeout(timer);
				resolve(stats);
			},
			reject(error) {
				clearTimeout(timer);
				reject(error);
			},
		});
		send({qpscopeMock: 'aggregate', id, op});
	});
}

core.aggregator = {
	async stats() {
		const stats = await askPrimary('stats');
		if (!stats) throw new Error('no stats from the cluster primary');
		return stats;
	},
	async reset() {
		await askPrimary('reset');
	},
};

let exiting = false;
async function shutdown(code: number): Promise<void> {
	if (exiting) return;
	exiting = true;
	const force = setTimeout(() => process.exit(code), 1500);
	force.unref();
	await core.close();
	process.exit(code);
}

process.on('message', (message: unknown) => {
	if (!isMockMessage(message)) return;
	const m = message as ToWorker;
	switch (m.qpscopeMock) {
		case 'stats': {
			send({qpscopeMock: 'statsReply', id: m.id, stats: core.localStats()});
			break;
		}
		case 'reset': {
			core.resetLocal();
			send({qpscopeMock: 'resetReply', id: m.id});
			break;
		}
		case 'close': {
			void shutdown(0);
			break;
		}
		case 'aggregateReply': {
			const entry = pending.get(m.id);
			if (entry) {
				pending.delete(m.id);
				if (m.error === undefined) entry.resolve(m.stats);
				else entry.reject(new Error(m.error));
			}
			break;
		}
		default:
	}
});
// The primary went away (it exited or was killed): go too.
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group: the primary decides when the workers stop.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => void shutdown(0));

try {
	const port = await core.listen(options.port, options.host);
	send({qpscopeMock: 'listening', port});
} catch (error) {
	send({qpscopeMock: 'startError', message: (error as Error).message, code: (error as NodeJS.ErrnoException).code});
	setTimeout(() => process.exit(1), 100);
}
