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
      {/* Without onChange the form owns the choice (read on submit): `value` would put it back on every re-render. */}
      <select name={name} {...(onChange ? { value, onChange: (e: Event) => onChange((e.currentTarget as HTMLSelectElement).value) } : {})}>
        <option value="" selected={!onChange && value === ''}>
          any
        </option>
        {options.map((o) => (
          <option key={o} value={o} selected={!onChange && o === value}>
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
