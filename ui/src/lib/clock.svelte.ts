// One ticking "now" for every countdown and relative time (every 30 s).
export const clock = $state({ now: Date.now() });
let timer: ReturnType<typeof setInterval> | null = null;
export function startClock() {
  if (timer) return;
  timer = setInterval(() => {
    clock.now = Date.now();
  }, 30_000);
}
