import assert from 'node:assert/strict';
import { clientAddressKey } from '../../src/http/client-address';
import { routeGroupOf } from '../../src/http/route-limits';

describe('whom a rate limit counts a request against', () => {
  it('counts an IPv4 address as itself, and an IPv4-mapped IPv6 address as its IPv4 address', () => {
    assert.equal(clientAddressKey('203.0.113.9'), '203.0.113.9');
    assert.equal(clientAddressKey('::ffff:203.0.113.9'), '203.0.113.9');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    const network = '2001:db8:1:2::/64';
    for (const address of ['2001:db8:1:2::1', '2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:DB8:1:2:0:0:0:0', '2001:db8:1:2::192.0.2.1', '2001:db8:1:2::1%eth0']) {
      assert.equal(clientAddressKey(address), network, address);
    }
    assert.notEqual(clientAddressKey('2001:db8:1:3::1'), network);
    assert.equal(clientAddressKey('::1'), '0:0:0:0::/64');
  });
});

describe('which limit a route counts against', () => {
  it('gives every path a group but the webhook POSTs, which limit themselves', () => {
    const cases: [string, string, string | undefined][] = [
      ['POST', '/api/webhooks/video-complete', undefined],
      ['GET', '/api/webhooks/video-complete', 'health'],
      ['POST', '/api/webhooks/unknown', 'other'],
      ['POST', '/api/webhooks/providers/replicate', undefined],
      ['GET', '/api/webhooks/providers/replicate', 'other'],
      ['POST', '/api/webhooks/providers/replicate/x', 'other'],
      ['GET', '/health', 'health'],
      ['GET', '/ready', 'health'],
      ['GET', '/live', 'health'],
      ['GET', '/metrics', 'metrics'],
      ['POST', '/console/session', 'sign_in'],
      ['GET', '/console/session', 'console'],
      ['GET', '/console/assets/app.js', 'console'],
      ['POST', '/api/v1/projects', 'projects'],
      ['GET', '/api/v1/projects/film-1', 'projects'],
      ['DELETE', '/api/v1/projects/film-1', 'projects'],
      ['GET', '/api/v1/projects', 'admin'],
      ['POST', '/api/v1/projects/film-1/cancel', 'admin'],
      ['GET', '/api/v1/errors', 'admin'],
      ['GET', '/openapi.json', 'other'],
      ['GET', '/anything', 'other'],
    ];
    for (const [method, path, group] of cases) assert.equal(routeGroupOf(method, path), group, `${method} ${path}`);
  });
});
