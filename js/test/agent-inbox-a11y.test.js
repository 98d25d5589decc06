// The agent inbox as keyboard and screen-reader users meet it: axe-core's WCAG 2.1
// A/AA rules on the sign-in page and the inbox (light and dark, wide and narrow),
// the whole of answering by keyboard with a visible focus, the narrow layout, and
// motion only for those who do not ask for less.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axeFindings, inbox, runAxe, setUp, signIn, waitFocused, withInbox, withPage } from './harness.js';

const AGENT = { email: 'ari@inbox.test', name: 'Ari Kaur', password: 'a long enough password' };
// The one conversation of this file's service; its row shows the latest message.
const env = setUp({
  async prepare({ service }) {
    await service.addAgent(AGENT);
    const { conversationId } = await service.visitor('Hello! Does the mug come in blue? https://example.com/mug');
    await service.agentReply(conversationId, 'It does, since last week.', 'Ari Kaur');
  },
});

async function assertAxeClean(page, label) {
  // Past any animation: mid-fade, axe cannot tell colours apart.
  await page.waitForFunction(() => document.getAnimations().length === 0);
  const result = await runAxe(page);
  const found = axeFindings(result);
  assert.deepEqual(found, [], `axe-core, ${label}:\n  ${found.join('\n  ')}`);
  assert.ok(result.passes.some((p) => p.id === 'color-contrast'), `${label}: axe checked the colours`);
}

for (const colorScheme of ['light', 'dark']) {
  test(`axe-core finds no WCAG 2.1 A/AA violation on the sign-in page and the inbox with a conversation open, ${colorScheme}`, async () => {
    await withPage(env, { url: `${env.service.url}/agent/`, context: { colorScheme } }, async (page) => {
      const ui = inbox(page);
      await waitFocused(ui.email);
      await assertAxeClean(page, `${colorScheme}, sign-in`);
      await ui.email.fill(AGENT.email);
      await ui.password.fill('wrong');
      await ui.signIn.click();
      await ui.signInError.getByText('Wrong email or password.').waitFor();
      await assertAxeClean(page, `${colorScheme}, sign-in with its error`);

      await signIn(page, AGENT);
      await ui.row('Anonymous visitor').waitFor();
      await assertAxeClean(page, `${colorScheme}, the list`);
      await ui.row('Anonymous visitor').click();
      await ui.message('It does, since last week.').waitFor();
      await ui.customer.getByText('First seen').waitFor();
      await assertAxeClean(page, `${colorScheme}, a conversation open`);

      await ui.search.fill('nobody-by-that-name');
      await ui.search.press('Enter');
      await ui.customers.getByText('No customer matches.').waitFor();
      await ui.erase.click();
      await ui.eraseDialog.waitFor();
      await assertAxeClean(page, `${colorScheme}, the erase confirmation`);
      await page.keyboard.press('Escape');
      await ui.eraseDialog.waitFor({ state: 'hidden' });
      await waitFocused(ui.erase);
    });
  });
}

test('on a 390x844 phone the list and the conversation take turns, axe-clean; Back returns to the row', async () => {
  await withInbox(env, AGENT, { context: { viewport: { width: 390, height: 844 }, hasTouch: true } }, async (ui, page) => {
    const row = ui.row('Anonymous visitor');
    await row.waitFor();
    assert.equal(await ui.log.isVisible(), false);
    await assertAxeClean(page, 'phone, the list');
    await row.click();
    await ui.message('It does, since last week.').waitFor();
    assert.equal(await row.isVisible(), false, 'the list gives way to the conversation');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'thread-title', 'focus follows, not left on the hidden row');
    const box = await ui.reply.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 390, 'the composer fits the screen');
    assert.equal(await ui.reply.evaluate((el) => getComputedStyle(el).fontSize), '16px', 'a smaller font makes iOS zoom');
    await assertAxeClean(page, 'phone, a conversation open');
    await page.getByRole('button', { name: 'Back to conversations' }).click();
    await waitFocused(row);
    assert.equal(await ui.log.isVisible(), false);
  });
});

test('by keyboard alone: sign in, pick a filter, open a conversation, reply, close it; the focus is always visible', async () => {
  await withPage(env, { url: `${env.service.url}/agent/` }, async (page) => {
    const ui = inbox(page);
    await waitFocused(ui.email);
    await page.keyboard.type(AGENT.email);
    await page.keyboard.press('Tab');
    await waitFocused(ui.password);
    await page.keyboard.type(AGENT.password);
    await page.keyboard.press('Enter');
    await ui.heading.waitFor();
    await waitFocused(ui.heading);
    await ui.row('Anonymous visitor').waitFor();

    const outlined = () => page.evaluate(() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    });
    // Tab walks: sign out, search, search button, the filter, the rows.
    const reached = [];
    for (let i = 0; i < 8 && !reached.includes('row'); i++) {
      await page.keyboard.press('Tab');
      const what = await page.evaluate(() => {
        const el = document.activeElement;
        return el.type === 'radio' ? 'radio' : el.closest('#conversations') ? 'row' : el.id || el.textContent;
      });
      reached.push(what);
      assert.ok(await outlined(), `the focus on ${what} is not visible`);
    }
    assert.deepEqual(reached, ['sign-out', 'search', 'Search', 'radio', 'row']);

    // Arrows move within the filter, as in any radio group.
    await page.keyboard.press('Shift+Tab');
    await waitFocused(ui.filter('Open'));
    await page.keyboard.press('ArrowRight');
    await waitFocused(ui.filter('Closed'));
    assert.equal(await ui.filter('Closed').isChecked(), true);
    await page.getByText('No closed conversations.').waitFor();
    await page.keyboard.press('ArrowLeft');
    assert.equal(await ui.filter('Open').isChecked(), true);
    await ui.row('Anonymous visitor').waitFor();
    await page.keyboard.press('Tab');
    await waitFocused(ui.row('Anonymous visitor'));
    await page.keyboard.press('Enter');
    await ui.message('It does, since last week.').waitFor();
    assert.equal(await ui.row('Anonymous visitor').getAttribute('aria-current'), 'true');

    // The reply composer is reached by Tab, and Enter sends.
    await ui.reply.focus();
    await page.keyboard.type('Typed without a mouse.');
    await page.keyboard.press('Enter');
    await ui.message('Typed without a mouse.').waitFor();
    await ui.close.focus();
    assert.ok(await outlined(), 'the focus on Close is not visible');
    await page.keyboard.press('Enter');
    await waitFocused(ui.reopen);
    await page.keyboard.press('Enter');
    await waitFocused(ui.close);
  });
});

test('the erase confirmation fades in, except for an agent who prefers reduced motion', async () => {
  for (const reducedMotion of ['no-preference', 'reduce']) {
    await withInbox(env, AGENT, { context: { reducedMotion } }, async (ui, page) => {
      await ui.row('Anonymous visitor').click();
      await ui.erase.click();
      await ui.eraseDialog.waitFor();
      const animations = await page.evaluate(() => document.getAnimations().length);
      assert.equal(animations > 0, reducedMotion === 'no-preference', `${reducedMotion}: ${animations} animation(s)`);
      await page.keyboard.press('Escape');
    });
  }
});
