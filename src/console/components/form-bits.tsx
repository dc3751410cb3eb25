/** A labelled filter whose first choice, "any", leaves it unset. */
export function FilterSelect({
  label,
  name,
  value,
  options,
  onChange,
}: {
  label: string;
  name: string;
  value: string;
  options: readonly string[];
  onChange?: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={onChange && ((e) => onChange(e.currentTarget.value))}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o.replace(/_/g, ' ')}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A problem to announce (screen readers read it out as it appears), or nothing. */
export function ErrorAlert({ message }: { message: string }) {
  return message ? (
    <p role="alert" class="error">
      {message}
    </p>
  ) : null;
}
