import type { TimelineStep } from '../../contracts/console';
import { duration, stepLabel, time } from '../format';

/** The film's steps in order with their durations, as a table whose bars show each step's share. */
export function Timeline({ steps }: { steps: TimelineStep[] }) {
  const longest = Math.max(1, ...steps.map((s) => s.duration_ms ?? 0));
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      {steps.length === 0 ? (
        <p>No step has started yet.</p>
      ) : (
        <table class="timeline">
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col">Scene</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
            </tr>
          </thead>
          <tbody>
            {steps.map((s) => (
              <tr key={`${s.step}-${s.scene_index}`} class={`step-${s.outcome}`}>
                <th scope="row">{stepLabel[s.step]}</th>
                <td>{s.scene_index === null ? '–' : s.scene_index + 1}</td>
                <td>
                  <time dateTime={s.started_at}>{time(s.started_at)}</time>
                </td>
                <td>
                  {s.duration_ms === null ? (
                    s.outcome
                  ) : (
                    <>
                      <span class="bar-inline" style={{ width: `${Math.max(2, (s.duration_ms / longest) * 100)}%` }} aria-hidden="true" />
                      {duration(s.duration_ms)}
                      {s.outcome === 'failed' ? ' (failed)' : ''}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
