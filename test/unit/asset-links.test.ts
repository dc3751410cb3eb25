import assert from 'node:assert/strict';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { createAssetLinkSigner, linkSharer } from '../../src/media/asset-links';
import { LocalAssetStore } from '../../src/media/local-store';
import { S3AssetStore } from '../../src/media/s3-store';
import { signAssetLinksInAnswers } from '../../src/http/signed-asset-links';
import { closeServer, listen } from '../../src/platform/http-server';

const base = 'https://films.example.com';
const key = 'projects/harbour-01@acme/film.mp4';
const secret = 'asset-link-secret-0123456789abcdef';

describe('signed asset links', () => {
  const signer = createAssetLinkSigner({ secrets: [secret], ttlSeconds: 3600 });
  const queryOf = (url: string) => Object.fromEntries(new URL(url).searchParams);

  it('opens its own asset until it expires, and nothing else', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    const link = signer.signed(base, key, now);
    assert.match(link, /^https:\/\/films\.example\.com\/assets\/projects\/harbour-01@acme\/film\.mp4\?expires=\d+&signature=[\w-]{43}$/);
    assert.equal(signer.check(key, queryOf(link), now + 3_599_000), 'valid');
    assert.equal(signer.check(key, queryOf(link), now + 3_601_000), 'expired');
    assert.equal(signer.check('projects/harbour-01@acme/scenes/1/video.mp4', queryOf(link), now), 'forged', 'another asset');
    assert.equal(signer.check(key, { ...queryOf(link), expires: String(Number(queryOf(link).expires) + 86_400) }, now), 'forged', 'a longer life');
    assert.equal(signer.check(key, {}, now), 'unsigned');
    assert.equal(signer.check(key, { expires: 'soon', signature: 'x' }, now), 'forged');
    assert.equal(signer.check(key, { expires: ['1', '2'], signature: 'x' }, now), 'forged');
  });

  it('keeps links signed with a retired secret valid while both are configured', () => {
    const old = createAssetLinkSigner({ secrets: ['old-asset-link-secret-0123456789'], ttlSeconds: 3600 });
    const rotated = createAssetLinkSigner({ secrets: [secret, 'old-asset-link-secret-0123456789'], ttlSeconds: 3600 });
    assert.equal(rotated.check(key, queryOf(old.signed(base, key))), 'valid');
    assert.equal(signer.check(key, queryOf(old.signed(base, key))), 'forged', 'once the old secret is gone');
  });

  it('hands services a link they can fetch without a key: signed from a folder, presigned from S3; other links as they are', async () => {
    const fromFolder = linkSharer(base, signer, new LocalAssetStore('/tmp/nowhere'), 600);
    assert.match(await fromFolder(`${base}/assets/${key}`), /\?expires=\d+&signature=/);
    assert.equal(await fromFolder('https://replicate.delivery/abc/out.mp4'), 'https://replicate.delivery/abc/out.mp4');
    assert.equal(await fromFolder(null), null);
    const s3 = new S3AssetStore({ bucket: 'films', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-key-example', forcePathStyle: true });
    const presigned = new URL(await linkSharer(base, signer, s3, 600)(`${base}/assets/${key}`));
    assert.equal(decodeURIComponent(presigned.pathname), `/films/${key}`);
    assert.equal(presigned.searchParams.get('X-Amz-Expires'), '600');
    assert.equal(await linkSharer(base, undefined, undefined, 600)(`${base}/assets/${key}`), `${base}/assets/${key}`, 'no store: the guide’s way, untouched');
  });

  it('signs every one of Reelay’s links in an answer, wherever it sits, and no one else’s', async () => {
    const app = new Koa();
    app.use(signAssetLinksInAnswers(base, signer));
    app.use((ctx) => {
      ctx.status = 201;
      ctx.body = {
        final_video_url: `${base}/assets/${key}`,
        scenes: [{ takes: [{ video_url: `${ctx.protocol}://${ctx.host}/assets/projects/p/scenes/1/video.mp4` }], prompt: 'see /assets/ here' }],
        provider_url: 'https://replicate.delivery/x/assets/out.mp4',
        elsewhere: 'https://evil.example.com/assets/projects/p/film.mp4',
        count: 3,
        none: null,
      };
    });
    const server = await listen(app.callback(), 0, '127.0.0.1');
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/projects/p`);
      assert.equal(response.status, 201);
      const body = (await response.json()) as { final_video_url: string; scenes: { takes: { video_url: string }[]; prompt: string }[]; provider_url: string; elsewhere: string; count: number; none: null };
      assert.equal(signer.check(key, queryOf(body.final_video_url)), 'valid');
      assert.equal(signer.check('projects/p/scenes/1/video.mp4', queryOf(body.scenes[0].takes[0].video_url)), 'valid', 'reached as this gateway');
      assert.equal(body.scenes[0].prompt, 'see /assets/ here');
      assert.equal(body.provider_url, 'https://replicate.delivery/x/assets/out.mp4');
      assert.equal(body.elsewhere, 'https://evil.example.com/assets/projects/p/film.mp4');
      assert.equal(body.count, 3);
      assert.equal(body.none, null);
    } finally {
      await closeServer(server);
    }
  });
});
