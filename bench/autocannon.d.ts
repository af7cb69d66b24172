// The part of autocannon (no bundled types) that bench.ts uses.
declare module 'autocannon' {
	interface Stats {
		average: number;
		mean: number;
		total: number;
		p50: number;
		p99: number;
		[key: string]: number;
	}
	interface Options {
		url: string;
		connections?: number;
		duration?: number;
		method?: string;
		headers?: Record<string, string>;
		body?: string;
		pipelining?: number;
	}
	interface Result {
		duration: number;
		errors: number;
		timeouts: number;
		non2xx: number;
		'2xx': number;
		latency: Stats;
		requests: Stats;
		throughput: Stats;
	}
	function autocannon(options: Options): Promise<Result>;
	export default autocannon;
}
