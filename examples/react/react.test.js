// The React example, built with its own esbuild and dependencies, on a site page of
// another origin against the real service in -dev (whose development routes the
// example uses as its backend): the hook loads the chat once, logs it in on the
// site's sign-in and out on its sign-out.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { before, test } from 'node:test';
import { eventually, setUp, value, widget, withPage } from '../../js/test/harness.js';

const here = new URL('.', import.meta.url).pathname;
const env = setUp({ service: { args: ['-dev'] } });
let bundle;

before(() => {
  bundle = execFileSync(`${here}node_modules/.bin/esbuild`, ['src/main.jsx', '--bundle', '--format=esm', '--jsx=automatic', '--minify', '--log-level=warning'],
    { cwd: here, encoding: 'utf8', maxBuffer: 16 << 20 });
  assert.ok(!bundle.includes('</script'), 'the bundle can be inlined');
});

test('the React example signs the chat in with the site and out again, with one loader', async () => {
  const url = env.site.page({ loader: false, body: '<div id="root"></div>', head: `<script type="module">${bundle}</script>` });
  await withPage(env, { url: `${url}?server=${encodeURIComponent(env.service.url)}` }, async (page) => {
    const email = 'react-site@example.com';
    await page.getByRole('textbox', { name: 'Email' }).fill(email);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await eventually(async () => assert.equal((await value(page, 'getIdentity')).email, email), { timeout: 5000 });
    assert.equal(await value(page, 'isLoggedIn', 'email', email), true);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await eventually(async () => assert.equal((await value(page, 'getIdentity')).verified, false), { timeout: 5000 });

    await page.getByRole('button', { name: 'Help', exact: true }).click();
    await widget(page, { title: 'Fernhill help' }).dialog.waitFor();
    assert.equal(await page.evaluate(() => document.querySelectorAll('script[src*="kustomer-chat.js"]').length), 1);
  });
});
