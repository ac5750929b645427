import '@testing-library/jest-dom/vitest';

// jsdom has no canvas: report "no context" quietly instead of logging "not implemented".
HTMLCanvasElement.prototype.getContext = (() => null) as unknown as HTMLCanvasElement['getContext'];

import { cleanup } from '@testing-library/svelte';
import { afterEach } from 'vitest';
afterEach(() => cleanup());
