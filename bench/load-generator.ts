import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { signBody } from '../src/contracts/webhooks';

/**
 * The external load generator: autocannon in its own process, so the numbers are not bent by the
 * process being measured. Signed-webhook mode gives every request a fresh task id and its own HMAC,
 * as real callbacks would have.
 */
interface LoadArgs {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Plain JSON body for every request, or signed stitch-complete callbacks for these projects. */
  body?: unknown;
  webhook?: { secret: string; projectIds: string[] };
}

const args = JSON.parse(process.argv[2]) as LoadArgs;
const prefix = randomBytes(4).toString('hex');
let n = 0;

function signedCallback() {
  const { secret, projectIds } = args.webhook!;
  n += 1;
  const body = JSON.stringify({
    task_id: `bench_${prefix}_${n}`,
    status: 'completed',
    project_id: projectIds[n % projectIds.length],
    final_video_url: `https://cdn.example.com/films/${n}.mp4`,
    timestamp: new Date().toISOString(),
  });
  return { method: 'POST' as const, body, headers: { 'content-type': 'application/json', 'x-webhook-signature': signBody(secret, body) } };
}

const instance = autocannon(
  {
    url: args.url,
    connections: args.connections,
    duration: args.durationSeconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: args.body === undefined ? undefined : JSON.stringify(args.body),
    ...(args.webhook ? { requests: [{ setupRequest: (req: object) => ({ ...req, ...signedCallback() }) }] } : {}),
  },
  (err, result) => {
    if (err) {
      console.error(err);
      process.exit(1);
    }
    console.log(
      JSON.stringify({
        requestsPerSecond: result.requests.average,
        total: result.requests.total,
        p50: result.latency.p50,
        p99: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
      }),
    );
  },
);
process.once('SIGINT', () => instance.stop());
