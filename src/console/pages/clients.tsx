import { useEffect, useState } from 'preact/hooks';
import type { ClientSummary } from '../../contracts/console';
import { api, ApiError } from '../api';
import { ErrorAlert } from '../components/form-bits';
import { time } from '../format';

const refreshMs = 10_000;

/**
 * The clients of the project API and how near each is to its quotas (films at once; requests a minute
 * are in the metrics). Keys are made and rotated with `npm run clients` or the admin API, never here:
 * a key shown in a browser page is a key in its history.
 */
export function Clients() {
  const [clients, setClients] = useState<ClientSummary[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    const load = () =>
      api<{ data: ClientSummary[] }>('/api/v1/clients').then(
        (list) => {
          setClients(list.data);
          setError('');
        },
        (err: unknown) => setError(err instanceof ApiError ? err.message : 'The gateway did not answer'),
      );
    void load();
    const timer = setInterval(() => void load(), refreshMs);
    return () => clearInterval(timer);
  }, []);

  return (
    <section aria-labelledby="clients-title">
      <h1 id="clients-title">Clients</h1>
      <ErrorAlert message={error} />
      {clients && clients.length === 0 && <p>No clients yet: make one with npm run clients -- create &lt;name&gt;.</p>}
      {clients && clients.length > 0 && (
        <table class="clients">
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Films running</th>
              <th scope="col">Requests a minute</th>
              <th scope="col">Working keys</th>
              <th scope="col">Since</th>
            </tr>
          </thead>
          <tbody>
            {clients.map((c) => (
              <tr key={c.name}>
                <td>
                  <a href={`/console/films?q=${encodeURIComponent(`@${c.name}`)}`}>{c.name}</a>
                </td>
                <td>
                  <progress max={c.effective.max_running_films} value={c.running_films} aria-label={`${c.name} films running`} /> {c.running_films} of{' '}
                  {c.effective.max_running_films}
                  {c.max_running_films === null && <span class="muted"> (default)</span>}
                </td>
                <td>
                  {c.effective.requests_per_minute}
                  {c.requests_per_minute === null && <span class="muted"> (default)</span>}
                </td>
                <td>{c.working_keys}</td>
                <td>
                  <time dateTime={c.created_at}>{time(c.created_at)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
