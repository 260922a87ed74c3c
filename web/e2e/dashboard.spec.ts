import { ADMIN_EMAIL, createUsers, expect, openMagicLink, test, uniqueTag } from './support/fixtures';

test('signs in through the emailed link', async ({ page, nextMagicLink, saveScreenshot, baseURL, provider }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await saveScreenshot(page, 'sign-in');

  await page.getByLabel('Email address').fill(ADMIN_EMAIL);
  const link = await nextMagicLink(ADMIN_EMAIL, () => page.getByRole('button', { name: 'Email me a sign-in link' }).click());
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await expect(page.getByText(ADMIN_EMAIL)).toBeVisible();
  await saveScreenshot(page, 'check-email');

  // The link leads to the API's landing page, whichever provider sent it.
  const url = new URL(link);
  expect(`${url.origin}${url.pathname}`).toBe(`${baseURL}/authenticate`);
  expect(url.searchParams.get('token')).toBeTruthy();
  if (provider === 'stytch') {
    expect(url.searchParams.get('stytch_token_type')).toBe('magic_links');
  }

  await openMagicLink(page, link);
  await expect(page).toHaveURL(`${baseURL}/`);
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  await expect(page.getByRole('banner')).toContainText(ADMIN_EMAIL);
  const adminRow = page.getByRole('row').filter({ hasText: ADMIN_EMAIL });
  await expect(adminRow).toContainText('Active');
  await expect(adminRow).toContainText('You');
});

test('shows the users table', async ({ page, signIn, adminApi, saveScreenshot }) => {
  // Each database is new for the run and this test runs once in it, so these
  // addresses need no unique tag and the screenshot shows plain ones.
  const people = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson', 'Edsger Dijkstra', 'Barbara Liskov'];
  const emailOf = (name: string) => `${name.toLowerCase().replace(' ', '.')}@example.com`;
  await createUsers(
    adminApi,
    people.map((name) => ({ name, email: emailOf(name) })),
  );
  await signIn(page);

  await expect(page.getByRole('banner')).toContainText(ADMIN_EMAIL);
  await expect(page.getByRole('row').filter({ hasText: ADMIN_EMAIL })).toContainText('You');
  for (const name of people) {
    const row = page.getByRole('row').filter({ hasText: emailOf(name) });
    await expect(row).toContainText(name);
    await expect(row).toContainText('Invited');
    await expect(row).toContainText('Never');
  }
  await saveScreenshot(page, 'dashboard');

  // The skeleton rows hold the table's place while a page loads.
  await page.route('**/users?*', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await page.getByLabel('Search users').fill('a');
  await expect(page.locator('.skeleton-row').first()).toBeVisible();
  await saveScreenshot(page, 'dashboard-loading');
  await page.unrouteAll({ behavior: 'ignoreErrors' });

  // A failed list request offers to try again.
  await page.route('**/users?*', (route) =>
    route.fulfill({
      status: 503,
      contentType: 'application/problem+json',
      body: JSON.stringify({
        type: '/problems/upstream-unavailable',
        title: 'Service unavailable',
        status: 503,
        detail: 'The database is unavailable. Try again in a minute.',
      }),
    }),
  );
  await page.getByLabel('Search users').fill('ad');
  await expect(page.getByRole('table')).toContainText('The users could not be loaded');
  await expect(page.getByRole('table')).toContainText('The database is unavailable. Try again in a minute.');
  await expect(page.getByRole('alert')).toContainText('The users could not be loaded: The database is unavailable.');
  await saveScreenshot(page, 'users-error');

  await page.unrouteAll({ behavior: 'ignoreErrors' });
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('row').filter({ hasText: 'Ada Lovelace' })).toBeVisible();
});

test('fits a phone screen', async ({ page, signIn, adminApi, saveScreenshot }) => {
  const tag = uniqueTag('phone');
  await createUsers(adminApi, [
    { name: 'Dorothy Vaughan', email: `dorothy.vaughan.${tag}@example.com` },
    { name: 'Mary Jackson', email: `mary.jackson.${tag}@example.com` },
  ]);
  await page.setViewportSize({ width: 375, height: 812 });
  await signIn(page);

  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Invite user' })).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, 'horizontal overflow in pixels').toBeLessThanOrEqual(0);
  await saveScreenshot(page, 'dashboard-phone');

  await page.getByRole('button', { name: 'Invite user' }).click();
  await saveScreenshot(page, 'invite-dialog-phone');
  await page.keyboard.press('Escape');

  await page.goto('/sign-in?error=expired');
  await saveScreenshot(page, 'sign-in-phone');
});

test('shows an invalid email beside the field on Sign in', async ({ page }) => {
  await page.goto('/sign-in');
  await page.getByLabel('Email address').fill('not-an-email');
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();

  await expect(page.getByText('Email must be an email address such as ada@example.com.')).toBeVisible();
  await expect(page.getByLabel('Email address')).toHaveAttribute('aria-invalid', 'true');
});

test('invites a user and lists them', async ({ page, browser, signIn, nextMagicLink, saveScreenshot }) => {
  const tag = uniqueTag('invite');
  const email = `${tag}@example.com`;
  await signIn(page);

  const inviteButton = page.getByRole('button', { name: 'Invite user' });
  await inviteButton.click();
  const dialog = page.getByRole('dialog', { name: 'Invite a user' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await saveScreenshot(page, 'invite-dialog');

  await dialog.getByLabel('Email').fill('grace@');
  await dialog.getByRole('button', { name: 'Send invitation' }).click();
  await expect(dialog.getByText('Email has an invalid domain after the @.')).toBeVisible();
  await expect(dialog.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('alert').filter({ hasText: 'The invitation was not sent. Check the marked fields.' })).toBeVisible();
  await saveScreenshot(page, 'invite-field-error');

  await dialog.getByLabel('Name').fill(`Grace ${tag}`);
  await dialog.getByLabel('Email').fill(email);
  const invitation = await nextMagicLink(email, () => dialog.getByRole('button', { name: 'Send invitation' }).click());
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`Invitation sent to ${email}.`)).toBeVisible();
  await expect(inviteButton).toBeFocused();

  await page.getByLabel('Search users').fill(tag);
  const row = page.getByRole('row').filter({ hasText: email });
  await expect(row).toContainText(`Grace ${tag}`);
  await expect(row).toContainText('Invited');
  await expect(row).toContainText('Never');

  // The invitee opens the emailed invitation in a browser of their own.
  const inviteeContext = await browser.newContext();
  const inviteePage = await inviteeContext.newPage();
  await openMagicLink(inviteePage, invitation);
  await expect(inviteePage.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  await expect(inviteePage.getByRole('banner')).toContainText(email);
  await inviteePage.getByLabel('Search users').fill(tag);
  const ownRow = inviteePage.getByRole('row').filter({ hasText: email });
  await expect(ownRow).toContainText('Active');
  await expect(ownRow).toContainText('You');
  await inviteeContext.close();
});

test('closes dialogs with Escape and keeps focus inside them', async ({ page, signIn }) => {
  await signIn(page);

  const inviteButton = page.getByRole('button', { name: 'Invite user' });
  await inviteButton.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Invite a user' });
  await expect(dialog.getByLabel('Name')).toBeFocused();

  // Tab order: Name, Email, Cancel, Send invitation, then back round.
  for (let step = 0; step < 6; step += 1) {
    await page.keyboard.press('Tab');
    const focusedInside = await dialog.evaluate((element) => element.contains(document.activeElement));
    expect(focusedInside, `focus after ${step + 1} Tab presses`).toBe(true);
  }
  await page.keyboard.press('Shift+Tab');
  expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(inviteButton).toBeFocused();
});

test('searches by name or email', async ({ page, signIn, adminApi }) => {
  const tag = uniqueTag('search');
  await createUsers(adminApi, [
    { name: `Ada ${tag}`, email: `ada.${tag}@example.com` },
    { name: `Alan ${tag}`, email: `alan.${tag}@example.com` },
    { name: 'Margaret Hamilton', email: `margaret.${tag}@example.org` },
  ]);
  await signIn(page);

  const search = page.getByLabel('Search users');
  await search.fill(`Ada ${tag}`);
  await expect(page.getByRole('row').filter({ hasText: `ada.${tag}@example.com` })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: `alan.${tag}` })).toHaveCount(0);

  await search.fill(tag);
  await expect(page.getByRole('row').filter({ hasText: tag })).toHaveCount(3);

  await search.fill(`${tag}@example.org`);
  await expect(page.getByRole('row').filter({ hasText: 'Margaret Hamilton' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: tag })).toHaveCount(1);

  await search.fill(`nobody-${tag}`);
  await expect(page.getByText('No users match your search')).toBeVisible();
});

test('pages through more users than fit on a page', async ({ page, signIn, adminApi }) => {
  const tag = uniqueTag('page');
  const users = Array.from({ length: 45 }, (_, index) => ({
    name: `Pager ${tag} ${String(index + 1).padStart(2, '0')}`,
    email: `pager${index + 1}.${tag}@example.com`,
  }));
  await createUsers(adminApi, users);
  await signIn(page);

  await page.getByLabel('Search users').fill(tag);
  const rows = page.getByRole('row').filter({ hasText: tag });
  const next = page.getByRole('button', { name: 'Next' });
  const previous = page.getByRole('button', { name: 'Previous' });

  await expect(rows).toHaveCount(20);
  await expect(rows.first()).toContainText(`Pager ${tag} 01`);
  await expect(previous).toBeDisabled();
  await expect(page.getByText('Page 1 · users 1–20')).toBeVisible();

  await next.click();
  await expect(rows.first()).toContainText(`Pager ${tag} 21`);
  await expect(rows).toHaveCount(20);
  await expect(page.getByText('Page 2 · users 21–40')).toBeVisible();

  await next.click();
  await expect(rows).toHaveCount(5);
  await expect(rows.last()).toContainText(`Pager ${tag} 45`);
  await expect(next).toBeDisabled();

  await previous.click();
  await expect(rows.first()).toContainText(`Pager ${tag} 21`);
  await previous.click();
  await expect(rows.first()).toContainText(`Pager ${tag} 01`);

  // A new search starts again from the first page.
  await next.click();
  await expect(page.getByText('Page 2 · users 21–40')).toBeVisible();
  await page.getByLabel('Search users').fill(`${tag} 4`);
  await expect(page.getByText('6 users')).toBeVisible();
});

test('edits a name', async ({ page, signIn, adminApi }) => {
  const tag = uniqueTag('edit');
  await createUsers(adminApi, [{ name: `Edsger ${tag}`, email: `edsger.${tag}@example.com` }]);
  await signIn(page);
  await page.getByLabel('Search users').fill(tag);

  const editButton = page.getByRole('button', { name: `Edit Edsger ${tag}` });
  await editButton.click();
  const dialog = page.getByRole('dialog', { name: `Edit Edsger ${tag}` });
  await expect(dialog.getByLabel('Name')).toHaveValue(`Edsger ${tag}`);

  await dialog.getByLabel('Name').fill('');
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog.getByText('Name must not be empty.')).toBeVisible();

  await dialog.getByLabel('Name').fill(`Edsger W. Dijkstra ${tag}`);
  await dialog.getByRole('button', { name: 'Save changes' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`Saved the changes to Edsger W. Dijkstra ${tag}.`)).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: `edsger.${tag}@example.com` })).toContainText(`Edsger W. Dijkstra ${tag}`);

  const stored = await adminApi.get('/users', { params: { q: `edsger.${tag}` } });
  const body = (await stored.json()) as { users: { name: string }[] };
  expect(body.users.map((user) => user.name)).toEqual([`Edsger W. Dijkstra ${tag}`]);
});

test('deletes a user after confirmation', async ({ page, signIn, adminApi, saveScreenshot }) => {
  const tag = uniqueTag('delete');
  await createUsers(adminApi, [
    { name: `Keep ${tag}`, email: `keep.${tag}@example.com` },
    { name: `Remove ${tag}`, email: `remove.${tag}@example.com` },
  ]);
  await signIn(page);
  await page.getByLabel('Search users').fill(tag);

  await page.getByRole('button', { name: `Delete Remove ${tag}` }).click();
  const dialog = page.getByRole('alertdialog', { name: `Delete Remove ${tag}?` });
  await expect(dialog).toContainText(`remove.${tag}@example.com`);
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await saveScreenshot(page, 'delete-dialog');

  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('row').filter({ hasText: `remove.${tag}` })).toHaveCount(1);

  await page.getByRole('button', { name: `Delete Remove ${tag}` }).click();
  await dialog.getByRole('button', { name: 'Delete user' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`Deleted Remove ${tag}.`)).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: `remove.${tag}` })).toHaveCount(0);
  await expect(page.getByRole('row').filter({ hasText: `keep.${tag}` })).toHaveCount(1);
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeFocused();

  const response = await adminApi.get('/users', { params: { q: `remove.${tag}` } });
  expect(((await response.json()) as { users: unknown[] }).users).toHaveLength(0);
});

test('signs out', async ({ page, signIn }) => {
  await signIn(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByText('You have signed out.')).toBeVisible();
  await expect(page.getByText(ADMIN_EMAIL)).toHaveCount(0);

  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/);
  const me = await page.request.get('/me');
  expect(me.status()).toBe(401);
});

test('sends an expired session to Sign in with a message', async ({ page, context, signIn, saveScreenshot }) => {
  await signIn(page);
  await expect(page.getByRole('row').filter({ hasText: ADMIN_EMAIL })).toBeVisible();

  await context.clearCookies();
  await page.getByLabel('Search users').fill('a');

  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByText('Your session has ended')).toBeVisible();
  await expect(page.getByRole('table')).toHaveCount(0);
  await expect(page.getByText(ADMIN_EMAIL)).toHaveCount(0);
  await saveScreenshot(page, 'session-ended');

  // The message also comes after a reload, when the app starts without a session.
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/);
});

test('sends a session revoked elsewhere to Sign in', async ({ page, context, signIn, playwright, baseURL, expireSessionJwt }) => {
  await signIn(page);

  // Another client with the same cookies signs out. The browser keeps its
  // cookies and finds out with its next request.
  const elsewhere = await playwright.request.newContext({
    baseURL,
    storageState: await context.storageState(),
    extraHTTPHeaders: { Origin: baseURL ?? '' },
  });
  expect((await elsewhere.post('/logout')).status()).toBe(204);
  await elsewhere.dispose();
  await expireSessionJwt(context);

  await page.getByRole('button', { name: 'Invite user' }).click();
  const dialog = page.getByRole('dialog', { name: 'Invite a user' });
  await dialog.getByLabel('Email').fill(`${uniqueTag('revoked')}@example.com`);
  await dialog.getByRole('button', { name: 'Send invitation' }).click();

  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByText('Your session has ended')).toBeVisible();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(page.getByRole('table')).toHaveCount(0);
});

test('shows the used message for a link opened twice', async ({ page, browser, nextMagicLink, saveScreenshot }) => {
  const link = await nextMagicLink(ADMIN_EMAIL, () => page.request.post('/login', { data: { email: ADMIN_EMAIL } }));

  await openMagicLink(page, link);
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();

  const otherContext = await browser.newContext();
  const otherPage = await otherContext.newPage();
  await openMagicLink(otherPage, link);
  // The screenshot records the message the second browser shows, even when the check below fails.
  await expect(otherPage).toHaveURL(/\/sign-in\?error=/);
  await expect(otherPage.getByRole('alert')).toBeVisible();
  await saveScreenshot(otherPage, 'link-opened-twice');
  await expect(otherPage).toHaveURL(/\/sign-in\?error=used$/);
  await expect(otherPage.getByText('This sign-in link was already used')).toBeVisible();

  await otherPage.getByLabel('Email address').fill(ADMIN_EMAIL);
  await otherPage.getByRole('button', { name: 'Send me a new link' }).click();
  await expect(otherPage.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await expect(otherPage).toHaveURL(/\/sign-in$/);
  await otherContext.close();
});

test('explains each kind of failed link', async ({ page, saveScreenshot }) => {
  const expected = {
    used: 'This sign-in link was already used',
    expired: 'This sign-in link has expired',
    invalid: 'This sign-in link is not valid',
    unavailable: 'Sign-in is unavailable right now',
  };
  for (const [reason, title] of Object.entries(expected)) {
    await page.goto(`/sign-in?error=${reason}`);
    await expect(page.getByRole('alert')).toContainText(title);
    await expect(page.getByRole('button', { name: 'Send me a new link' })).toBeVisible();
    if (reason === 'used') {
      await saveScreenshot(page, 'link-used');
    }
  }

  await page.getByLabel('Email address').fill(ADMIN_EMAIL);
  await page.getByRole('button', { name: 'Send me a new link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in$/);
});
