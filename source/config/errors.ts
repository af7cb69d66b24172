/**
 * Bad input from the user: printed as one line (no stack trace), exit code 2.
 * The message names the flag, the value and the fix, e.g.
 * "--step-size 50 is larger than --max-users 30: use a step size of at most 30".
 */
export class UsageError extends Error {
	override name = 'UsageError';
}
