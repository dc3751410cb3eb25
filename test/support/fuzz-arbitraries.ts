import fc from 'fast-check';

/** Header values a client can actually send: printable ASCII. */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });

export const headers = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', ''),
    'x-webhook-signature': fc.oneof(headerValue, fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })),
    'webhook-id': headerValue,
    'webhook-timestamp': fc.oneof(headerValue, fc.integer().map(String)),
    'webhook-signature': fc.oneof(headerValue, headerValue.map((s) => `v1,${s}`)),
    'x-forwarded-for': headerValue,
  },
  { requiredKeys: [] },
);

/** Strings PostgreSQL cannot store (NUL, lone surrogates) mixed with ordinary and full-Unicode ones. */
const awkward = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('a\u0000b', '\ud800', 'x\udfffy', '😀'));

/** Bodies from raw bytes to almost-valid payloads, where the interesting bugs live. */
const nearlyValid = fc.record(
  {
    task_id: fc.oneof(awkward, fc.integer(), fc.constant(null)),
    status: fc.oneof(fc.constantFrom('completed', 'failed', 'processing'), fc.string()),
    project_id: fc.oneof(fc.string(), fc.constantFrom('proj-1', '../../etc', 'x'.repeat(300))),
    scene_id: fc.oneof(awkward, fc.integer()),
    video_url: fc.oneof(fc.webUrl(), fc.string(), fc.constant('javascript:alert(1)')),
    last_frame_url: fc.oneof(fc.webUrl(), fc.string()),
    final_video_url: fc.oneof(fc.webUrl(), fc.string()),
    error: fc.oneof(fc.string(), fc.record({ message: fc.string(), code: fc.oneof(fc.string(), fc.integer()) }), fc.jsonValue()),
    timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.integer(), fc.string()),
    metadata: fc.oneof(fc.jsonValue(), fc.dictionary(awkward, awkward)),
  },
  { requiredKeys: [] },
);
export const body = fc.oneof(
  fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
  nearlyValid.map((v) => Buffer.from(JSON.stringify(v))),
);
