import { useLocation } from 'preact-iso';
import type { FilmList } from '../../contracts/console';
import { projectStatuses } from '../../contracts/statuses';
import { query } from '../api';
import { FilterSelect } from '../components/form-bits';
import { StatusBadge } from '../components/status-badge';
import { age } from '../format';
import { useLive } from '../live';
import { NewFilm } from './new-film';

/** Every film, newest first, filtered by status and id, kept up to date by a live stream. */
export function Films() {
  const { query: params, route } = useLocation();
  const status = params.status ?? '';
  const search = params.q ?? '';
  const live = useLive<FilmList>(`/console/live/films${query({ status, q: search, limit: 100 })}`);

  const filter = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    route(`/console/films${query({ status: form.get('status') as string, q: form.get('q') as string })}`);
  };

  return (
    <section aria-labelledby="films-title">
      <h1 id="films-title">Films</h1>
      <NewFilm />
      {/* Uncontrolled fields: the live list re-renders the page, which must not undo what is being typed. */}
      <form class="filters" onSubmit={filter} role="search" key={`${status}\n${search}`}>
        <FilterSelect label="Status" name="status" value={status} options={projectStatuses} />
        <label>
          Project id contains
          <input name="q" type="search" defaultValue={search} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <p class="live-note" aria-live="polite">
        {live.connected ? 'Live' : 'Connecting…'}
      </p>
      {live.data && live.data.data.length === 0 && <p>No films match.</p>}
      {live.data && live.data.data.length > 0 && (
        <table class="films">
          <thead>
            <tr>
              <th scope="col">Film</th>
              <th scope="col">Client</th>
              <th scope="col">Status</th>
              <th scope="col">Progress</th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {live.data.data.map((film) => (
              <tr key={film.project_id}>
                <td>
                  <a href={`/console/films/${encodeURIComponent(film.project_id)}`}>{film.project_id}</a>
                </td>
                <td>{film.client ?? <span class="muted">operator</span>}</td>
                <td>
                  <StatusBadge status={film.status} />
                </td>
                <td>
                  <progress max={film.scenes_total} value={film.scenes_completed} aria-label={`${film.project_id} progress`} />{' '}
                  {film.scenes_completed} of {film.scenes_total} scenes
                </td>
                <td>
                  <time dateTime={film.created_at}>{age(film.created_at)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
