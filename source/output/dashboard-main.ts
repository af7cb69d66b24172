// `qpscope dashboard RUN_DIR [RUN_DIR ...] [--output FILE]`: writes the self-contained HTML dashboard of one or
// more run folders (qpscope's, or legacy Locust ones) and prints the path written. Opens nothing.
import process from 'node:process';
import meow from 'meow';
import {UsageError} from '../config/errors.ts';
import {buildDashboard} from './dashboard.ts';

const help = `
	Usage
	  $ qpscope dashboard RUN_DIR [RUN_DIR ...] [--output FILE]

	Writes one self-contained HTML file (works offline and by e-mail) for one or more run folders:
	qpscope runs (summary.json) or runs of the older Locust scripts (test_config.json + <label>/results_*.csv).

	Options
	  --output, -o FILE  Where to write the dashboard (a folder gets FILE/dashboard.html).
	                     Default: RUN_DIR/dashboard.html for one run folder (./<name>-dashboard.html
	                     when RUN_DIR is read-only), ./dashboard.html for several.

	A legacy Locust folder also gets a summary.json in qpscope's schema beside the dashboard
	(RUN_DIR/summary.json, or <name>.summary.json next to the dashboard when it is written elsewhere).
	Several runs with the same labels (repeats r1..r5) get a consistency section: mean, standard
	deviation and range of max QPS per label.

	Examples
	  $ qpscope dashboard runs/2024-06-01-sweep
	  $ qpscope dashboard runs/r1 runs/r2 runs/r3 --output consistency.html
`;

export async function main(argv: string[]): Promise<number> {
	const cli = meow(help, {
		importMeta: import.meta,
		description: false,
		argv,
		allowUnknownFlags: true,
		flags: {
			output: {type: 'string', shortFlag: 'o'},
		},
	});
	const unknown = Object.keys(cli.flags).filter((key) => key !== 'output');
	if (unknown.length > 0) {
		throw new UsageError(`unknown option --${unknown[0]} for "qpscope dashboard": the only option is --output FILE`);
	}
	const output = cli.flags.output;
	if (output !== undefined && output.trim() === '') throw new UsageError('--output needs a file name, e.g. --output dashboard.html');
	const runDirs = cli.input.map(String);
	if (runDirs.length === 0) throw new UsageError('qpscope dashboard needs at least one RUN_DIR, e.g. "qpscope dashboard runs/my-run"');
	const result = await buildDashboard(runDirs, output === undefined ? {} : {output});
	process.stdout.write(`${result.file}\n`);
	for (const extra of result.wrote.slice(1)) process.stdout.write(`${extra} (summary.json in qpscope's schema, read from the legacy Locust results)\n`);
	return 0;
}
