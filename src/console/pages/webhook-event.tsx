import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { ConfirmAction } from '../components/confirm-action';
import { ErrorAlert } from '../components/form-bits';
import { time } from '../format';
import type { WebhookEventView } from './webhooks';

/** One received event: what was kept of its headers, its raw body, and a Replay button. */
export function WebhookEvent({ id }: { id: string }) {
  const [event, setEvent] = useState<WebhookEventView | null>(null);
  const [error, setError] = useState('');
  const load = () =>
    api<WebhookEventView>(`/api/v1/webhooks/events/${encodeURIComponent(id)}`).then(setEvent, (err) =>
      setError(err instanceof ApiError ? err.message : String(err)),
    );
  useEffect(() => void load(), [id]);

  if (error) return <ErrorAlert message={error} />;
  if (!event) return <p>Loading…</p>;
  let body = event.raw_body ?? '';
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // not JSON: shown as received
  }
  return (
    <article aria-labelledby="event-title">
      <h1 id="event-title">
        {event.endpoint} · {event.task_id}
      </h1>
      <dl class="facts">
        <dt>Project</dt>
        <dd>
          <a href={`/console/films/${encodeURIComponent(event.project_id)}`}>{event.project_id}</a>
        </dd>
        <dt>Scene</dt>
        <dd>{event.scene_id ?? '–'}</dd>
        <dt>Task status</dt>
        <dd>{event.status}</dd>
        <dt>Outcome</dt>
        <dd data-testid="outcome">{event.outcome}</dd>
        <dt>Deliveries</dt>
        <dd>{event.deliveries}</dd>
        <dt>Received</dt>
        <dd>{time(event.received_at)}</dd>
        <dt>Signalled</dt>
        <dd>{event.signaled_at ? time(event.signaled_at) : '–'}</dd>
      </dl>
      <ConfirmAction
        label="Replay"
        question="Deliver this event to the film's workflow again? A step it already took is ignored there."
        run={async () => {
          const answer = await api(`/api/v1/webhooks/events/${encodeURIComponent(id)}/replay`, { method: 'POST' });
          await load();
          return answer;
        }}
      />
      <h2>Headers kept</h2>
      <table class="headers">
        <tbody>
          {Object.entries(event.headers).map(([name, value]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>
                <code>{String(value)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Raw body</h2>
      <pre class="raw-body" tabIndex={0} aria-label="Raw body">
        {body}
      </pre>
    </article>
  );
}
