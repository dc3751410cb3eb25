import { stopOnSignals } from '../../src/platform/process-entry';

/** A process that takes 1.5 s to stop, for the signal-handling tests. */
stopOnSignals(() => new Promise((resolve) => setTimeout(resolve, 1500)));
console.log('ready');
setInterval(() => {}, 1000);
