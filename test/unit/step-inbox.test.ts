import assert from 'node:assert/strict';
import { StepInbox } from '../../src/workflows/inbox';
import type { StepEvent } from '../../src/workflows/events';

const event = (taskId: string, sceneId = 's1'): StepEvent => ({
  taskId,
  projectId: 'p',
  sceneId,
  outcome: 'completed',
  url: `https://cdn/${taskId}`,
  detail: {},
});

describe('the workflow inbox for service callbacks', () => {
  it('keeps a callback that arrives before the workflow waits for it', () => {
    const inbox = new StepInbox();
    assert.equal(inbox.put('video', event('t1')), 'accepted');
    assert.equal(inbox.has('video', 't1'), true);
    assert.equal(inbox.take('video', 't1')?.url, 'https://cdn/t1');
  });

  it('reports a second copy of a callback as a duplicate, before and after it is taken', () => {
    const inbox = new StepInbox();
    inbox.put('video', event('t1'));
    assert.equal(inbox.put('video', event('t1')), 'duplicate');
    inbox.take('video', 't1');
    assert.equal(inbox.put('video', event('t1')), 'duplicate');
    assert.equal(inbox.has('video', 't1'), false);
  });

  it('keeps steps apart: a task id seen for one step says nothing about another', () => {
    const inbox = new StepInbox();
    inbox.put('video', event('same-id'));
    assert.equal(inbox.put('lastFrame', event('same-id')), 'accepted');
    assert.equal(inbox.has('stitch', 'same-id'), false);
  });

  it('remembers taken callbacks across continue-as-new through takenKeys', () => {
    const inbox = new StepInbox();
    inbox.put('video', event('t1'));
    inbox.take('video', 't1');
    const carried = new StepInbox(inbox.takenKeys());
    assert.equal(carried.put('video', event('t1')), 'duplicate');
  });
});
