/** A status as words in a coloured pill: the colour helps, the word carries the meaning. */
export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status.replace(/_/g, ' ')}</span>;
}
