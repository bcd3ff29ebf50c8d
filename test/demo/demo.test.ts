// `npm run demo -- --exit` on a checkout without a built UI: the demo builds it, serves it, prints
// its URL and a sign-in link with the token in the fragment, checks that the URL answers with the
// app shell and the link's token signs in, then stops everything and exits 0. The shared ui/dist
// the other tests use stays where it is: the run builds into a directory of its own that does
// not exist yet (FLOTILLA_WEB__UI_DIR, which the service serves from too).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/ports';
import { DemoRun } from './run-demo';

describe('npm run demo -- --exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-demo-test-'));
  let demo: DemoRun | undefined;
  afterAll(() => {
    demo?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the missing UI, serves it, prints a sign-in link, checks the app shell answers, and stops', async () => {
    const uiDir = join(dir, 'ui-dist');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    demo = DemoRun.start(['--exit'], { FLOTILLA_WEB__UI_DIR: uiDir, DEMO_PORT: String(port) });
    const exit = await demo.exited;
    const out = demo.output;
    expect(exit, out).toEqual({ code: 0, signal: null });

    // it found no build, so it made one, where it was told to
    expect(out).toContain(`building the web UI into ${uiDir}`);
    const index = readFileSync(join(uiDir, 'index.html'), 'utf8');
    const script = /<script\b(?=[^>]*\btype="module")[^>]*\bsrc="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(script, index).toBeDefined();
    expect(existsSync(join(uiDir, script!))).toBe(true);

    // the URL and the one-click link: the token in the fragment, never in a query string
    expect(out).toMatch(new RegExp(`^Web UI +${base}/$`, 'm'));
    const link = new RegExp(`sign-in link +(${base}/#token=(\\S+))$`, 'm').exec(out);
    expect(link, out).not.toBeNull();
    const token = decodeURIComponent(link![2]);
    expect(token).toMatch(/^flt_/); // a token of its own (demo-ui), not the admin's
    expect(out).not.toMatch(/[?&]token=/);
    expect(out).toContain('What to look at first');
    expect(out).toContain(`${base}/applications/guestbook/targets/demo-east/guestbook-canary`);

    // what --exit checked while everything ran: GET / is the app shell this build made, with its
    // module script served, and the link's token signs in
    expect(out).toContain(
      `checked: GET ${base}/ answers 200 with the app shell (index.html, module script ${script}, served 200), and the sign-in link's token is demo-ui (operator)`,
    );

    // and then it stopped everything: nothing answers there any more
    expect(out).toContain('--exit: stopping the service, the clusters and the git server');
    await expect(fetch(`${base}/`)).rejects.toThrow();
  }, 600_000);
});
