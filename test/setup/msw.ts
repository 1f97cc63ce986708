// msw for outgoing HTTP: any request to the outside world that a test did not mock is an error.
// Requests to this machine (our own API under test) pass through.
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

export const mswServer = setupServer();

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

beforeAll(() => {
  mswServer.listen({
    onUnhandledFrame({ frame, defaults }) {
      const request = (frame.data as { request?: Request }).request;
      if (request && LOCAL_HOSTS.has(new URL(request.url).hostname)) return;
      defaults.error();
    },
  });
});
afterEach(() => mswServer.resetHandlers());
afterAll(() => mswServer.close());
