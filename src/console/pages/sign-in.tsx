import { useState } from 'preact/hooks';
import type { ConsoleSessionInfo } from '../../contracts/console';
import { ApiError, signIn } from '../api';
import { ErrorAlert } from '../components/form-bits';

/** The admin token, typed once; the gateway answers with an HTTP-only session cookie. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: ConsoleSessionInfo) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(token));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The gateway did not answer');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <h1>Reelay console</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label for="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" class="help">
          The gateway's <code>ADMIN_API_TOKEN</code>. <code>npm start</code> prints it when it made one up.
        </p>
        <ErrorAlert message={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
