import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** How far the page is wider than the window: above 0, something scrolls sideways. */
export const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** The rendered width of the first visible element holding `text` inside `scope`: a name squeezed to a sliver is not readable. */
export async function nameWidth(page: Page, scope: string, text: string): Promise<number> {
  const el = page.locator(scope).getByText(text).locator('visible=true').first();
  await el.waitFor({ timeout: 30_000 });
  expect(await el.isVisible()).toBe(true);
  return (await el.boundingBox())!.width;
}
