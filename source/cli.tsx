// qpscope's command line: picks the sub-command and hands it the rest of argv.
// Each sub-command module exports `main(argv: string[]): Promise<number>` (the exit code) and throws
// UsageError for bad input, which is printed here as one line (exit 2), never as a stack trace.
import process from 'node:process';
import {UsageError} from './config/errors.ts';
import {VERSION} from './version.ts';

type Command = () => Promise<{main(argv: string[]): Promise<number>}>;

const commands: Record<string, Command> = {
	run: () => import('./commands/run.ts'),
	demo: () => import('./commands/demo.ts'),
	mock: () => import('./mock/main.ts'),
	dashboard: () => import('./output/dashboard-main.ts'),
	matrix: () => import('./databricks/matrix.ts'),
};

const HELP = `qpscope ${VERSION}: how many queries per second can your streaming agent serve?

  Usage
    $ qpscope demo                         Ramp the built-in mock agent (what "npm start" runs)
    $ qpscope run --app-url URL [...]      Load-test apps; also "qpscope --app-url URL [...]"
    $ qpscope mock [--capacity K ...]      Serve the mock agent on loopback
    $ qpscope dashboard RUN_DIR [...]      Build dashboard.html from run folders (also legacy Locust runs)
    $ qpscope matrix --app NAME --sizes medium:2,4   Print a databricks.yml with one app per configuration

  "qpscope COMMAND --help" lists a command's options.

  Example
    $ qpscope run --app-url https://agent-medium-w2-1234567890.aws.databricksapps.com --dashboard
`;

export async function cli(argv: string[]): Promise<number> {
	const [first, ...rest] = argv;
	if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
		process.stdout.write(HELP);
		return 0;
	}
	if (first === '--version' || first === '-v') {
		process.stdout.write(`${VERSION}\n`);
		return 0;
	}
	if (Object.hasOwn(commands, first)) {
		const mod = await commands[first]!();
		return mod.main(rest);
	}
	if (first.startsWith('--')) {
		const mod = await commands.run!();
		return mod.main(argv);
	}
	throw new UsageError(`unknown command ${JSON.stringify(first)}: use demo, run, mock, dashboard or matrix (see "qpscope --help")`);
}

try {
	process.exitCode = await cli(process.argv.slice(2));
} catch (error) {
	if (error instanceof UsageError) {
		process.stderr.write(`qpscope: ${error.message}\n`);
		process.exitCode = 2;
	} else {
		process.stderr.write(`qpscope: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
		process.exitCode = 70;
	}
}
