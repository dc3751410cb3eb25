import { stopOnSignals } from '../../src/platform/process-entry';

/** A process that takes `argv[2]` ms (1.5 s by default) to stop, for the signal-handling tests. */
const stopMs = Number(process.argv[2] ?? 1500);
stopOnSignals(() => new Promise((resolve) => setTimeout(resolve, stopMs)));
console.log('ready');
setInterval(() => {}, 1000);
