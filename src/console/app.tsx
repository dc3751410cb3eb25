import { LocationProvider, Route, Router } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import type { ConsoleSessionInfo } from '../contracts/console';
import { loadSession, onSignedOut, signOut } from './api';
import { Clients } from './pages/clients';
import { Errors } from './pages/errors';
import { Film } from './pages/film';
import { Films } from './pages/films';
import { SignIn } from './pages/sign-in';
import { WebhookEvent } from './pages/webhook-event';
import { Webhooks } from './pages/webhooks';

function Layout({ session, children, onSignOut }: { session: ConsoleSessionInfo; children: preact.ComponentChildren; onSignOut: () => void }) {
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/console/films">
          Reelay
        </a>
        <nav aria-label="Console">
          <a href="/console/films">Films</a>
          <a href="/console/webhooks">Webhooks</a>
          <a href="/console/errors">Errors</a>
          <a href="/console/clients">Clients</a>
          {session.temporal_ui_url && <a href={session.temporal_ui_url}>Temporal Web UI</a>}
        </nav>
        <button type="button" class="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** The console: the sign-in until there is a session, then the films, webhooks and errors pages. */
export function App() {
  const [session, setSession] = useState<ConsoleSessionInfo | null | undefined>(undefined);
  useEffect(() => {
    onSignedOut(() => setSession(null));
    loadSession().then(setSession, () => setSession(null));
  }, []);

  if (session === undefined) return <p class="loading">Loading the console…</p>;
  if (session === null) return <SignIn onSignedIn={setSession} />;
  const leave = () => void signOut().finally(() => setSession(null));
  return (
    <LocationProvider scope="/console">
      <Layout session={session} onSignOut={leave}>
        <Router>
          <Route path="/console/films/:id" component={Film} />
          <Route path="/console/webhooks/:id" component={WebhookEvent} />
          <Route path="/console/webhooks" component={Webhooks} />
          <Route path="/console/errors" component={Errors} />
          <Route path="/console/clients" component={Clients} />
          <Route default component={Films} />
        </Router>
      </Layout>
    </LocationProvider>
  );
}
