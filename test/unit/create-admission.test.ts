import assert from 'node:assert/strict';
import { createAdmission } from '../../src/http/projects/create-admission';
import { HttpError } from '../../src/http/errors';

/** A create that finishes when the test says so. */
function pendingWork() {
  let finish!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return { done, finish, fail };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function assertBusy(err: unknown): true {
  assert.ok(err instanceof HttpError, String(err));
  assert.equal(err.status, 503);
  assert.equal(err.code, 'gateway_busy');
  assert.equal(err.headers['retry-after'], '1');
  return true;
}

describe('create admission: a burst of creates runs a few at a time, in arrival order, and past its queue is told to retry', () => {
  it('runs at most `atOnce` creates together and starts the waiting ones in the order they came', async () => {
    const admission = createAdmission({ atOnce: 2, queue: 10 });
    const works = Array.from({ length: 5 }, () => pendingWork());
    const started: number[] = [];
    const answers = works.map((work, i) =>
      admission.admitted(async () => {
        started.push(i);
        await work.done;
        return i;
      }),
    );
    await settle();
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(admission.load(), { running: 2, waiting: 3 });
    works[1].finish();
    await settle();
    assert.deepEqual(started, [0, 1, 2], 'a finished create hands its turn to the first waiting');
    works[0].finish();
    works[2].finish();
    await settle();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    works[3].finish();
    works[4].finish();
    assert.deepEqual(await Promise.all(answers), [0, 1, 2, 3, 4]);
    assert.deepEqual(admission.load(), { running: 0, waiting: 0 });
  });

  it('refuses a create past the queue at once with 503 gateway_busy and Retry-After, and takes creates again once turns free', async () => {
    const admission = createAdmission({ atOnce: 1, queue: 1 });
    const first = pendingWork();
    const running = admission.admitted(() => first.done);
    const queued = admission.admitted(async () => 'queued ran');
    await assert.rejects(admission.admitted(async () => 'never'), assertBusy);
    first.finish();
    await running;
    assert.equal(await queued, 'queued ran');
    assert.equal(await admission.admitted(async () => 'later'), 'later');
  });

  it('refuses a create that waited past its longest wait, and a failed create gives its turn back', async () => {
    const admission = createAdmission({ atOnce: 1, queue: 5, maxWaitMs: 50 });
    const stuck = pendingWork();
    const running = admission.admitted(() => stuck.done);
    await assert.rejects(admission.admitted(async () => 'never'), assertBusy);
    assert.deepEqual(admission.load(), { running: 1, waiting: 0 }, 'the refused create left the queue');
    stuck.fail(new Error('Temporal refused the start'));
    await assert.rejects(running, /Temporal refused the start/);
    assert.deepEqual(admission.load(), { running: 0, waiting: 0 });
    assert.equal(await admission.admitted(async () => 'next'), 'next');
  });
});
