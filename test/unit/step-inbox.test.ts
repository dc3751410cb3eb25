import assert from 'node:assert/strict';
import { StepInbox } from '../../src/workflows/step-runner';
import type { StepEvent } from '../../src/contracts/steps';

const event = (taskId: string, sceneId = 's1', outcome: StepEvent['outcome'] = 'completed'): StepEvent => ({
  taskId,
  projectId: 'p',
  sceneId,
  outcome,
  url: outcome === 'completed' ? `https://cdn/${taskId}` : undefined,
  detail: {},
});

describe('the workflow inbox for service callbacks', () => {
  it('keeps a callback that arrives before the workflow waits for it', () => {
    const inbox = new StepInbox();
    assert.equal(inbox.put('video', event('t1')).delivery, 'accepted');
    assert.equal(inbox.hasAny({ step: 'video', sceneId: 's1' }, ['t0', 't1']), true);
    assert.equal(inbox.take({ step: 'video', sceneId: 's1' }, ['t1'])?.url, 'https://cdn/t1');
  });

  it('reports a second copy of a callback as a duplicate, before and after it is taken', () => {
    const inbox = new StepInbox();
    inbox.put('video', event('t1'));
    assert.equal(inbox.put('video', event('t1')).delivery, 'duplicate');
    inbox.take({ step: 'video', sceneId: 's1' }, ['t1']);
    assert.equal(inbox.put('video', event('t1')).delivery, 'duplicate');
    assert.equal(inbox.hasAny({ step: 'video', sceneId: 's1' }, ['t1']), false);
  });

  it('keeps steps apart: a task id seen for one step says nothing about another', () => {
    const inbox = new StepInbox();
    inbox.put('video', event('same-id'));
    assert.equal(inbox.put('lastFrame', event('same-id')).delivery, 'accepted');
    assert.equal(inbox.hasAny({ step: 'stitch', sceneId: 's1' }, ['same-id']), false);
  });

  it('keeps scenes apart: a provider may reuse a task id for another scene', () => {
    const inbox = new StepInbox();
    inbox.put('video', event('test_123', 's1'));
    inbox.take({ step: 'video', sceneId: 's1' }, ['test_123']);
    assert.equal(inbox.put('video', event('test_123', 's2')).delivery, 'accepted');
    assert.equal(inbox.take({ step: 'video', sceneId: 's2' }, ['test_123'])?.sceneId, 's2');
  });

  it('still knows what a run continued from an older version had taken', () => {
    const carried = new StepInbox({ taken: ['video:t1'], waiting: [] });
    assert.equal(carried.put('video', event('t1')).delivery, 'duplicate');
  });

  it('takes the newest task first when callbacks for several attempts are waiting', () => {
    const inbox = new StepInbox();
    inbox.put('video', event('old'));
    inbox.put('video', event('new'));
    assert.equal(inbox.take({ step: 'video', sceneId: 's1' }, ['old', 'new'])?.taskId, 'new');
    assert.equal(inbox.take({ step: 'video', sceneId: 's1' }, ['old', 'new'])?.taskId, 'old');
  });

  it('discards what is left about a finished scene', () => {
    const inbox = new StepInbox();
    inbox.put('lastFrame', event('a', 's1'));
    inbox.put('lastFrame', event('b', 's2'));
    assert.deepEqual(inbox.discardScene('s1').map((e) => e.taskId), ['a']);
    assert.equal(inbox.hasAny({ step: 'lastFrame', sceneId: 's2' }, ['b']), true);
  });

  it('stays bounded: beyond 500 unclaimed callbacks the oldest are dropped', () => {
    const inbox = new StepInbox();
    let dropped: StepEvent[] = [];
    for (let i = 0; i <= 500; i += 1) dropped = inbox.put('video', event(`t${i}`)).dropped;
    assert.deepEqual(dropped.map((e) => e.taskId), ['t0']);
  });

  it('carries taken and waiting callbacks across continue-as-new through snapshot()', () => {
    const inbox = new StepInbox();
    inbox.put('video', event('t1'));
    inbox.take({ step: 'video', sceneId: 's1' }, ['t1']);
    inbox.put('lastFrame', event('early'));
    const carried = new StepInbox(JSON.parse(JSON.stringify(inbox.snapshot())));
    assert.equal(carried.put('video', event('t1')).delivery, 'duplicate');
    assert.equal(carried.take({ step: 'lastFrame', sceneId: 's1' }, ['early'])?.taskId, 'early');
  });
});
