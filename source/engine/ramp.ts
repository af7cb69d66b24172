// The step ramp, as pure functions: levels, spawn schedule, steady windows.

export interface StepPlan {
	index: number; // 1-based
	users: number;
	startS: number;
	endS: number;
}

/** Level k holds k × stepSize users (the last level is maxUsers even when not a multiple) for stepDuration s. */
export function planSteps(maxUsers: number, stepSize: number, stepDuration: number): StepPlan[] {
	const steps: StepPlan[] = [];
	for (let k = 1; ; k++) {
		const users = Math.min(k * stepSize, maxUsers);
		steps.push({index: k, users, startS: (k - 1) * stepDuration, endS: k * stepDuration});
		if (users >= maxUsers) break;
	}
	return steps;
}

/**
 * Users that should be running `sinceStepStartS` seconds into a step that goes from `from` to `to` users
 * at `rate` users per second; the first new user starts at once.
 */
export function usersAt(from: number, to: number, rate: number, sinceStepStartS: number): number {
	if (to <= from) return to;
	const added = Math.max(1, Math.floor(rate * Math.max(0, sinceStepStartS)) + 1);
	return Math.min(to, from + added);
}

/** Seconds after a step's start until all its users run. */
export function spawnSeconds(from: number, to: number, rate: number): number {
	if (to <= from) return 0;
	return (to - from - 1) / rate;
}

/**
 * The steady window of a step, in whole seconds from the ramp's start: from the first whole second after all
 * users run plus the settle time, to the step's end; at least the step's last second.
 */
export function steadyWindow(step: StepPlan, spawnDoneS: number, settleS: number): {fromS: number; toS: number} {
	const fromS = Math.min(Math.ceil(spawnDoneS + settleS - 1e-9), step.endS - 1);
	return {fromS: Math.max(fromS, step.startS), toS: step.endS};
}

/**
 * Automatic settle: a closed loop reaches its new rate once the new users have finished their first request,
 * so wait about one median request time (at least 1 s), but never more than a third of the step.
 */
export function autoSettleS(medianLatencyMs: number | null, stepDuration: number): number {
	const oneRequest = medianLatencyMs === null ? 1 : Math.max(1, medianLatencyMs / 1000);
	return Math.min(oneRequest, Math.max(1, stepDuration / 3));
}
