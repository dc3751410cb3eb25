import { useEffect, useState } from 'preact/hooks';

export interface Live<T> {
  data: T | undefined;
  /** True while the stream is connected, or has ended (EventSource reconnects by itself after a drop). */
  connected: boolean;
}

/** The latest state pushed by a server-sent events stream of `update` events (src/http/console/live.ts). */
export function useLive<T>(url: string | null): Live<T> {
  const [state, setState] = useState<Live<T>>({ data: undefined, connected: false });
  useEffect(() => {
    if (!url) return;
    setState({ data: undefined, connected: false });
    const source = new EventSource(url);
    source.addEventListener('update', (event) => setState({ data: JSON.parse((event as MessageEvent<string>).data) as T, connected: true }));
    source.addEventListener('open', () => setState((s) => ({ ...s, connected: true })));
    source.addEventListener('error', () => setState((s) => ({ ...s, connected: false })));
    // The server says the story is over (a finished film): stay on the last state, do not reconnect.
    source.addEventListener('end', () => {
      source.close();
      setState((s) => ({ ...s, connected: true }));
    });
    return () => source.close();
  }, [url]);
  return state;
}
