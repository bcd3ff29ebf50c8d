// axe-core (the engine behind Lighthouse's and most CI accessibility checks) in the page under
// test. Its source is evaluated through the DevTools protocol, which the page's Content Security
// Policy does not govern, so the UI's policy stays as strict in the tests as in production.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core's serious and critical violations (WCAG 2.0/2.1/2.2 A and AA plus best practices) in
 * the page as it is now, one line each naming the rule and the elements; `include` limits the
 * check to what those CSS selectors match.
 */
export async function axeSerious(page: Page, include?: string[]): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  const context = include ? JSON.stringify({ include: include.map((s) => [s]) }) : 'document';
  return page.evaluate<string[]>(`window.axe.run(${context}, { resultTypes: ['violations'] }).then((r) => r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.impact + ' ' + v.id + ' (' + v.help + '): ' + v.nodes.map((n) => n.target.join(' ')).join(', ')
      + (v.nodes[0] && v.nodes[0].failureSummary ? '\\n  ' + v.nodes[0].failureSummary : '')))`);
}
