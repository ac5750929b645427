import type { SyncStatus } from './bindings';

/** The status of a profile that knows nothing yet: no server, nobody signed in, nothing
 *  pending. The one place that lists every field, so a new one is added here only. */
export function emptyStatus(): SyncStatus {
  return {
    server: null,
    user: null,
    signed_in: false,
    online: null,
    syncing: false,
    unauthorized: false,
    pending_ops: 0,
    conflicts: 0,
    last_sync: null,
    last_error: null,
    search_backlog: 0,
  };
}
