// The screens besides the ticket list load on first use, as chunks of their own: the list is
// staff's first screen, and the bundle it needs starts faster without the editor, the PNG
// encoder, the ticket detail and the roster (about half the code; docs/benchmarks.md). Once
// the first screen is up, the rest load in the background, so no screen waits when opened.
// A loaded screen is kept, and renders at once the next time.
const loaders = {
  detail: () => import('../components/TicketDetail.svelte'),
  report: () => import('../components/ReportForm.svelte'),
  triage: () => import('../components/TriageQueue.svelte'),
  oncall: () => import('../components/OnCall.svelte'),
  settings: () => import('../components/Settings.svelte'),
  setup: () => import('../components/Setup.svelte'),
};

export type Screen = keyof typeof loaders;
type Loaded = { [K in Screen]: Awaited<ReturnType<(typeof loaders)[K]>>['default'] };

const loaded = $state<Partial<Loaded>>({});
const loading = new Map<Screen, Promise<void>>();

function load(name: Screen): Promise<void> {
  let p = loading.get(name);
  if (!p) {
    p = loaders[name]().then((m) => {
      (loaded as Record<Screen, unknown>)[name] = m.default;
    });
    // A failed load (the chunk could not be read) may be tried again.
    p.catch(() => loading.delete(name));
    loading.set(name, p);
  }
  return p;
}

/** The screen's component, or null while it loads (the first ask starts the load). */
export function screen<K extends Screen>(name: K): Loaded[K] | null {
  const c = loaded[name];
  if (!c) void load(name).catch(() => {});
  return (c as Loaded[K] | undefined) ?? null;
}

/** Loads every screen, for when the first one is up. */
export function preloadScreens(): Promise<unknown> {
  return Promise.allSettled((Object.keys(loaders) as Screen[]).map(load));
}
