import assert from 'node:assert/strict';
import { createProjectRequest } from '../../src/contracts/projects';
import { requestHash } from '../../src/http/projects/create-project';

describe("a film's priority in its provider's line, as the create request takes it", () => {
  const base = { provider: 'fal' as const, scenes: [{ prompt: 'the tide comes in' }] };

  it('takes a whole number from 0 to 10, and nothing else', () => {
    for (const priority of [0, 5, 10]) assert.equal(createProjectRequest.safeParse({ ...base, priority }).success, true, String(priority));
    for (const priority of [-1, 11, 2.5, '5', null]) assert.equal(createProjectRequest.safeParse({ ...base, priority }).success, false, String(priority));
  });

  it('keeps the hash of a request without one as it was, so retries made before priorities still match', () => {
    const plain = createProjectRequest.parse(base);
    assert.equal(requestHash(createProjectRequest.parse({ ...base, priority: 0 })), requestHash(plain));
    assert.notEqual(requestHash(createProjectRequest.parse({ ...base, priority: 7 })), requestHash(plain), 'a different priority is a different request');
  });
});
