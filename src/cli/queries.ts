// Reads that several commands share.
import type { components } from './api-schema';
import type { Session } from './session';

type ApplicationView = components['schemas']['ApplicationView'];

/** Every application (all pages), optionally by selector. */
export async function listApplications(session: Session, selector?: string): Promise<ApplicationView[]> {
  const items: ApplicationView[] = [];
  let cursor: string | undefined;
  do {
    const page = await session.call(session.api.GET('/api/v1/applications', { params: { query: { selector, limit: 100, cursor } } }));
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}
