import { useEffect, useState } from 'preact/hooks';
import { errorSeverities, errorTypes } from '../../contracts/statuses';
import { api, ApiError, query } from '../api';
import { BarChart } from '../components/bar-chart';
import { ErrorAlert, FilterSelect } from '../components/form-bits';
import { time } from '../format';

interface Counts {
  total: number;
  by_type: Record<string, number>;
}

interface Stats {
  generated_at: string;
  last_hour: Counts;
  last_day: Counts;
}

interface ErrorEntry {
  id: string;
  type: string;
  code: string;
  severity: string;
  message: string;
  context: unknown;
  created_at: string;
}

const refreshMs = 10_000;

/** The error log by the guide's categories: counts of the last hour and day, and the entries. */
export function Errors() {
  const [stats, setStats] = useState<Stats | null>(null);
  const [entries, setEntries] = useState<ErrorEntry[]>([]);
  const [filters, setFilters] = useState({ type: '', severity: '' });
  const [error, setError] = useState('');

  useEffect(() => {
    // An answer for filters since changed can arrive after the new one's: it is dropped.
    let current = true;
    const load = () =>
      Promise.all([
        api<Stats>('/api/v1/errors/stats').then((stats) => current && setStats(stats)),
        api<{ data: ErrorEntry[] }>(`/api/v1/errors${query({ ...filters, limit: 50 })}`).then((page) => current && setEntries(page.data)),
      ]).catch((err) => current && setError(err instanceof ApiError ? err.message : String(err)));
    void load();
    const timer = setInterval(() => void load(), refreshMs);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [filters.type, filters.severity]);

  return (
    <section aria-labelledby="errors-title">
      <h1 id="errors-title">Errors</h1>
      <ErrorAlert message={error} />
      {stats && (
        <BarChart
          title={`Errors by category: ${stats.last_hour.total} in the last hour, ${stats.last_day.total} in the last day`}
          categories={errorTypes}
          series={[
            { label: 'Last hour', tone: 'hour', values: stats.last_hour.by_type },
            { label: 'Last day', tone: 'day', values: stats.last_day.by_type },
          ]}
        />
      )}
      <form class="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <FilterSelect label="Category" name="type" value={filters.type} options={errorTypes} onChange={(type) => setFilters({ ...filters, type })} />
        <FilterSelect label="Severity" name="severity" value={filters.severity} options={errorSeverities} onChange={(severity) => setFilters({ ...filters, severity })} />
      </form>
      <table class="errors">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Category</th>
            <th scope="col">Code</th>
            <th scope="col">Severity</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id}>
              <td>
                <time dateTime={e.created_at}>{time(e.created_at)}</time>
              </td>
              <td>{e.type}</td>
              <td>{e.code}</td>
              <td class={`severity-${e.severity}`}>{e.severity}</td>
              <td>
                {e.message}
                {e.context !== null && typeof e.context === 'object' && 'projectId' in e.context && (
                  <>
                    {' '}
                    · <a href={`/console/films/${encodeURIComponent(String(e.context.projectId))}`}>film</a>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 && <p>No errors match.</p>}
    </section>
  );
}
