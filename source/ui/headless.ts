// Headless output (`--no-tui`, or stdout not a TTY): a line per step, a short progress line every few
// seconds, warnings, and the final answer. Reads engine events only.
import {redact} from '../auth/secrets.ts';
import type {EngineEvent} from '../types.ts';
import {fmtMs, fmtPct, fmtQps, renderFinalAnswer} from './answer.ts';
import {stripControl} from './sanitize.ts';

export interface HeadlessOptions {
	write?: (text: string) => void;
	/** Seconds between progress lines (0 = none). */
	progressEveryS?: number;
}

export function headlessPrinter(o: HeadlessOptions = {}): (event: EngineEvent) => void {
	const write = o.write ?? ((text: string) => process.stdout.write(text));
	const every = o.progressEveryS ?? 5;
	const out = (line: string) => write(`${redact(stripControl(line))}\n`);
	return (event) => {
		switch (event.type) {
			case 'runStarted':
				out(`qpscope: run ${event.runName}, ${event.apps.length} app(s), ${event.stepCount} step(s) each; results in ${event.runDir}`);
				out(`auth: ${event.auth}`);
				break;
			case 'appStarted':
				out(`== app ${event.index + 1}/${event.total}: ${event.app.label} (${event.app.url}, compute size ${event.app.computeSize})`);
				break;
			case 'phase':
				if (event.phase !== 'done') out(`   [${event.label}] ${event.phase}: ${event.message}`);
				break;
			case 'tick': {
				const s = event.snapshot;
				if (every > 0 && s.elapsedS % every === 0) {
					out(
						`   [${s.label}] ${s.elapsedS}s step ${s.stepIndex}/${s.stepCount} users ${s.users}/${s.stepUsers} | last 1s: ${s.second.completed} done, ${s.second.failures} failed | step: ${s.step.steady ? `${fmtQps(s.step.successQps)} success QPS, TTFT p95 ${fmtMs(s.step.ttftMs.p95)}` : 'settling'} | in flight ${s.inFlight} | generator CPU ${Math.round(s.generator.cpuPct)}%`,
					);
				}
				break;
			}
			case 'stepFinished': {
				const s = event.step;
				const marks = [s.partial ? 'partial' : '', s.untrusted ? `UNTRUSTED: ${s.untrustedReason}` : '', s.passed ? '' : `fails: ${s.failedChecks.join('; ')}`].filter(Boolean).join(' | ');
				out(
					`   [${event.label}] step ${String(s.index).padStart(2)} ${String(s.users).padStart(5)} users  QPS ${fmtQps(s.qps).padStart(6)}  success QPS ${fmtQps(s.successQps).padStart(6)}  TTFT p50/p95 ${fmtMs(s.ttftMs.p50)}/${fmtMs(s.ttftMs.p95)}  latency p50/p95 ${fmtMs(s.latencyMs.p50)}/${fmtMs(s.latencyMs.p95)}  failures ${fmtPct(s.failureRate)}${marks ? `  (${marks})` : ''}`,
				);
				break;
			}
			case 'warning':
				out(`   ! ${event.label ? `[${event.label}] ` : ''}${event.message}`);
				break;
			case 'appFinished': {
				const a = event.app;
				out(`   [${a.label}] ${a.status}${a.reason ? `: ${a.reason}` : ''}; max QPS ${a.maxQps === null ? 'none' : fmtQps(a.maxQps)}`);
				break;
			}
			case 'runFinished':
				write('\n');
				for (const line of renderFinalAnswer(event.summary).split('\n')) out(line);
				out('');
				out('files:');
				for (const f of event.files) out(`  ${f}`);
				break;
		}
	};
}
