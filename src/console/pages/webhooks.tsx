import { useLocation } from 'preact-iso';
import { useEffect, useRef, useState } from 'preact/hooks';
import { webhookOutcomes } from '../../contracts/statuses';
import { webhookEndpoints } from '../../contracts/steps';
import { api, ApiError, query } from '../api';
import { ErrorAlert, FilterSelect } from '../components/form-bits';
import { time } from '../format';

export interface WebhookEventView {
  id: string;
  endpoint: string;
  task_id: string;
  status: string;
  project_id: string;
  scene_id: string | null;
  outcome: string;
  deliveries: number;
  headers: Record<string, string>;
  received_at: string;
  signaled_at: string | null;
  raw_body?: string;
}

interface Page {
  data: WebhookEventView[];
  next_cursor: string | null;
}

/** A datetime-local value (the browser's local time) as ISO 8601, which the API takes. */
const isoOf = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

/** Received webhook events, newest first, filtered by project, endpoint, outcome and time. */
export function Webhooks() {
  const { query: params, route } = useLocation();
  const [events, setEvents] = useState<WebhookEventView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  const filters = { project_id: params.project_id, endpoint: params.endpoint, outcome: params.outcome, since: isoOf(params.since), until: isoOf(params.until) };

  // Answers can arrive out of order (the list before a filter, then the filtered one): only the latest asked is shown.
  const latest = useRef(0);
  const load = async (after?: string) => {
    const asked = ++latest.current;
    setError('');
    try {
      const page = await api<Page>(`/api/v1/webhooks/events${query({ ...filters, cursor: after, limit: 50 })}`);
      if (asked !== latest.current) return;
      setEvents((previous) => (after ? [...previous, ...page.data] : page.data));
      setCursor(page.next_cursor);
    } catch (err) {
      if (asked === latest.current) setError(err instanceof ApiError ? err.message : String(err));
    }
  };
  useEffect(() => void load(), [JSON.stringify(params)]);

  const filter = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    route(`/console/webhooks${query(Object.fromEntries([...form.entries()].map(([k, v]) => [k, v as string])))}`);
  };

  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhook events</h1>
      {/* Uncontrolled fields (a re-render must not undo what is being typed), renewed when the URL's filters change. */}
      <form class="filters" onSubmit={filter} role="search" key={JSON.stringify(params)}>
        <label>
          Project
          <input name="project_id" defaultValue={params.project_id ?? ''} />
        </label>
        <FilterSelect label="Endpoint" name="endpoint" value={params.endpoint ?? ''} options={webhookEndpoints} />
        <FilterSelect label="Outcome" name="outcome" value={params.outcome ?? ''} options={webhookOutcomes} />
        <label>
          From
          <input name="since" type="datetime-local" defaultValue={params.since ?? ''} />
        </label>
        <label>
          Until
          <input name="until" type="datetime-local" defaultValue={params.until ?? ''} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ErrorAlert message={error} />
      <table class="events">
        <thead>
          <tr>
            <th scope="col">Received</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Project</th>
            <th scope="col">Task</th>
            <th scope="col">Status</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td>
                <a href={`/console/webhooks/${e.id}`}>
                  <time dateTime={e.received_at}>{time(e.received_at)}</time>
                </a>
              </td>
              <td>{e.endpoint}</td>
              <td>
                <a href={`/console/films/${encodeURIComponent(e.project_id)}`}>{e.project_id}</a>
              </td>
              <td>{e.task_id}</td>
              <td>{e.status}</td>
              <td>{e.outcome}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.length === 0 && !error && <p>No events match.</p>}
      {cursor && (
        <button type="button" onClick={() => void load(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}
