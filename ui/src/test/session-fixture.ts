import type { SyncStatus, UserPublic } from '../lib/bindings';
import { session } from '../lib/session.svelte';
import { directory, status } from './fixtures';

export function setSession(user: UserPublic, over: Partial<SyncStatus> = {}) {
  session.status = status({ user, ...over });
  session.directory = directory;
  session.route = { view: 'report' };
  session.notices = [];
  session.relogin = false;
}

