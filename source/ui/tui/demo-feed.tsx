// Replays a fake ramp into the TUI so you can look at it:
//   node --import tsx source/ui/tui/demo-feed.tsx [--apps 3] [--steps 10] [--step-seconds 12] [--tick-ms 250]
// In tmux: tmux new-session -d -s t -x 80 -y 24 'node --import tsx source/ui/tui/demo-feed.tsx'; sleep 3; tmux capture-pane -p -t t
import {parseArgs} from 'node:util';
import {FakeEngine, type FakeApp} from './fake.ts';
import {startTui} from './index.tsx';

const {values} = parseArgs({
	options: {
		apps: {type: 'string', default: '3'},
		steps: {type: 'string', default: '10'},
		'step-seconds': {type: 'string', default: '12'},
		'tick-ms': {type: 'string', default: '250'},
		'no-color': {type: 'boolean', default: false},
	},
});

const all: FakeApp[] = [
	{label: 'small-w2', url: 'https://small-w2-1234567890.aws.databricksapps.com', computeSize: 'medium', capacity: 38},
	{label: 'large-w8', url: 'https://large-w8-1234567890.aws.databricksapps.com', computeSize: 'large', capacity: 120},
	{label: 'large-w4', url: 'https://large-w4-1234567890.aws.databricksapps.com', computeSize: 'large', capacity: 80},
];
const apps = all.slice(0, Math.max(1, Math.min(all.length, Number(values.apps))));

const engine = new FakeEngine();
const tui = startTui({events: engine, control: engine, noColor: values['no-color'] ? true : undefined});
await engine.run({
	apps,
	steps: Number(values.steps),
	stepUsers: 20,
	stepSeconds: Number(values['step-seconds']),
	tickMs: Number(values['tick-ms']),
});
await tui.waitUntilExit();
