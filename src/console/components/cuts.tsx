import type { Storyboard } from '../../contracts/console';
import { time } from '../format';

/** Every stitched version of a review film, newest first, each playable: an earlier cut stays where it was. */
export function Cuts({ film }: { film: Storyboard }) {
  const cuts = [...film.cuts].reverse();
  return (
    <section aria-labelledby="cuts-title" class="cuts">
      <h2 id="cuts-title">The film's cuts</h2>
      <ol class="cut-list" reversed>
        {cuts.map((cut, i) => (
          <li key={cut.cut} data-cut={cut.cut}>
            <h3>
              Cut {cut.cut} {i === 0 && <span class="badge badge-completed">newest</span>}
            </h3>
            <video controls preload="metadata" src={cut.video_url} poster={i === 0 ? (film.thumbnail_url ?? undefined) : undefined} aria-label={`Film ${film.project_id}, cut ${cut.cut}`} />
            <p class="meta">
              Stitched <time dateTime={cut.created_at}>{time(cut.created_at)}</time> · <a href={cut.video_url}>Open cut {cut.cut}</a>
            </p>
          </li>
        ))}
      </ol>
    </section>
  );
}
