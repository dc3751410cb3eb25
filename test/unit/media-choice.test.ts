import assert from 'node:assert/strict';
import { createProjectRequest } from '../../src/contracts/projects';
import { HttpError } from '../../src/http/errors';
import { resolveMediaPlan, type MediaOffer } from '../../src/http/projects/media-choice';
import { requestHash } from '../../src/http/projects/create-project';

const offer = (over: Partial<MediaOffer> = {}): MediaOffer => ({
  defaults: { lastFrame: 'remote', stitch: 'remote' },
  store: true,
  remote: { lastFrame: true, stitch: true },
  taskQueue: 'media',
  ...over,
});

function refusedFields(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof HttpError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.code, 'validation_failed');
    return (err.details as { fields: { field: string }[] }).fields.map((f) => f.field);
  }
  assert.fail('the choice was accepted');
}

describe("a film's own choice of its media steps", () => {
  it("follows the deployment's steps when the film does not choose", () => {
    assert.deepEqual(resolveMediaPlan({}, offer()), { lastFrame: 'remote', stitch: 'remote', store: true, taskQueue: 'media' });
    assert.deepEqual(resolveMediaPlan({}, offer({ defaults: { lastFrame: 'builtin', stitch: 'remote' } }))?.lastFrame, 'builtin');
    // Nothing stored, nothing built in: no plan, the film is made as before media existed.
    assert.equal(resolveMediaPlan({}, offer({ store: false })), undefined);
  });

  it('takes each step the film chooses over the deployment’s', () => {
    const plan = resolveMediaPlan({ media: { last_frame: 'builtin' } }, offer());
    assert.deepEqual(plan, { lastFrame: 'builtin', stitch: 'remote', store: true, taskQueue: 'media' });
    const back = resolveMediaPlan({ media: { stitch: 'remote' } }, offer({ defaults: { lastFrame: 'builtin', stitch: 'builtin' } }));
    assert.deepEqual(back, { lastFrame: 'builtin', stitch: 'remote', store: true, taskQueue: 'media' });
  });

  it('refuses a built-in step on a deployment without an asset store, naming the field', () => {
    assert.deepEqual(refusedFields(() => resolveMediaPlan({ media: { last_frame: 'builtin', stitch: 'builtin' } }, offer({ store: false }))), ['media.last_frame', 'media.stitch']);
  });

  it('refuses a remote step whose service has no URL here, naming the field', () => {
    const noStitchService = offer({ defaults: { lastFrame: 'builtin', stitch: 'builtin' }, remote: { lastFrame: true, stitch: false } });
    assert.deepEqual(refusedFields(() => resolveMediaPlan({ media: { stitch: 'remote' } }, noStitchService)), ['media.stitch']);
    assert.equal(resolveMediaPlan({ media: { last_frame: 'remote' } }, noStitchService)?.lastFrame, 'remote');
  });

  it('accepts only remote or builtin in the request', () => {
    const parsed = createProjectRequest.safeParse({ scenes: [{ prompt: 'a' }], media: { stitch: 'ffmpeg' } });
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error?.issues.map((i) => i.path.join('.')), ['media.stitch']);
  });

  it('tells a retried creation from one that chose other media steps', () => {
    const base = { scenes: [{ prompt: 'a' }] };
    assert.equal(requestHash({ ...base, media: {} }), requestHash(base), 'choosing nothing hashes as before');
    assert.notEqual(requestHash({ ...base, media: { stitch: 'builtin' } }), requestHash(base));
    assert.notEqual(requestHash({ ...base, media: { stitch: 'builtin' } }), requestHash({ ...base, media: { last_frame: 'builtin' } }));
  });
});
