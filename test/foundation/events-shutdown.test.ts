// An open event stream (a web UI tab, a `flotilla app sync --wait`) must not hold up a shutdown.
import { describe, expect, it } from 'vitest';
import { startApp } from '../support/app';

const ADMIN = 'events-shutdown-admin-token-0123456789';

describe('live event streams at shutdown', () => {
  it('are ended when the service stops, so it stops at once', async () => {
    const running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_LOG_LEVEL: 'warn' });
    const res = await fetch(`${running.baseUrl}/api/v1/events`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain(': connected');
    const started = Date.now();
    await running.close();
    // the server ended the stream: the reader sees its end rather than hanging
    const rest = await Promise.race([reader.read().then((r) => (r.done ? 'ended' : 'data')), new Promise((r) => setTimeout(() => r('open'), 5_000))]);
    expect(rest).toBe('ended');
    expect(Date.now() - started, 'close() did not wait out the shutdown timeout').toBeLessThan(15_000);
  }, 40_000);
});
