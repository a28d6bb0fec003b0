// End-to-end check: drives the unmodified JMSK React app (a production build served at
// E2E_APP_URL) in headless Chromium against the backend at E2E_API_URL, as a user would,
// and verifies through the API that what the UI did really happened. See README.md.

import {
  config, apiPath, startBrowser, assertNoReactCrash, findByText, clickText, waitForText,
  bodyText, fill, typeDate, typeDateTime, selectByText, expectResponse, assertOk, ApiClient,
  screenshot, assert, sleep,
} from './lib.mjs';

const STAMP = new Date().toISOString().replace(/[-:T]/g, '').slice(4, 14); // MMDDhhmmss
const DUE = '2026-12-24T15:30';
const LEDGER = { inDate: '2026-11-20', outDate: '2026-11-21', editDate: '2026-11-23' };

const { browser, page, problems, dialogs } = await startBrowser();
const apiLog = []; // every API response the app got: { step, method, path, status }
page.on('response', (res) => {
  const p = apiPath(res.url());
  if (p !== null && res.request().method() !== 'OPTIONS') {
    apiLog.push({ step: problems.step, method: res.request().method(), path: p, status: res.status() });
  }
});

const results = [];
const ctx = {}; // values handed from step to step
let api; // ApiClient with the token the app stored at login

async function step(name, fn) {
  problems.step = name;
  const started = Date.now();
  let error = null;
  try {
    await fn();
    await assertNoReactCrash(page, problems);
  } catch (e) {
    error = e;
  }
  // Any browser-side problem during the step fails it, even if the UI flow went through.
  await sleep(300); // let late responses/console messages of this step arrive
  const own = problems.forStep(name);
  const ok = !error && own.length === 0;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  results.push({ name, ok });
  console.log(`\n${ok ? 'PASS' : 'FAIL'} ${name} (${secs}s)`);
  if (error) console.log(`  error: ${String(error.message).replace(/\n/g, '\n  ')}`);
  for (const p of own) {
    console.log(`  [${p.kind}] ${p.message}`);
    if (p.kind === 'http') {
      console.log(`     request body:  ${p.detail.requestBody}`);
      console.log(`     response body: ${p.detail.responseBody}`);
    }
  }
  if (!ok) console.log(`  screenshot: ${await screenshot(page, name)}`);
}

function need(...keys) {
  for (const k of keys) if (ctx[k] === undefined) throw new Error(`blocked: an earlier step did not provide ${k}`);
}

/** Clicks a sidebar link like a user; waits for the route to change. */
async function navigate(href) {
  await page.click(`nav a[href="${href}"]`);
  await page.waitForFunction((h) => location.pathname === h, {}, href);
}

// ---------------------------------------------------------------------------
await step('0. Login through the Login page', async () => {
  await page.goto(`${config.appUrl}/login`, { waitUntil: 'networkidle0' });
  await waitForText(page, 'Sign in to your account');
  await fill(page, 'input[type="text"]', config.username);
  await fill(page, 'input[type="password"]', config.password);
  const meWait = page.waitForResponse((r) => r.request().method() === 'GET' && apiPath(r.url()) === '/auth/me')
    .catch((e) => e); // settled either way, so a failed login leaves no dangling rejection
  const login = await expectResponse(page, 'POST', '/auth/login', () => page.click('button[type="submit"]'));
  assertOk(login, 'POST /auth/login');
  assert(login.requestBody?.includes(`username=${encodeURIComponent(config.username)}`), `login body was ${login.requestBody}`);
  const me = await meWait;
  assert(!(me instanceof Error) && me.status() === 200, `GET /auth/me: ${me instanceof Error ? me.message : me.status()}`);
  await page.waitForFunction(() => location.pathname === '/');
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('auth-storage') || 'null'));
  assert(stored?.state?.token, 'no token in localStorage["auth-storage"]');
  assert(typeof stored.state.user?.role === 'string', `stored user.role is ${JSON.stringify(stored.state.user?.role)}`);
  api = new ApiClient(stored.state.token);
  console.log(`  logged in as ${stored.state.user.username} (role ${stored.state.user.role}, tenant ${stored.state.user.tenant_id})`);
});

if (!api) {
  console.log('\nLogin failed; nothing else can run.');
  await browser.close();
  process.exit(1);
}

// ---------------------------------------------------------------------------
await step('1. Dashboard shows counts', async () => {
  await waitForText(page, 'Manufacturing Dashboard');
  const text = await bodyText(page);
  assert(!text.includes('Error Loading Data'), 'Dashboard shows "Error Loading Data"');
  const card = (label) => page.evaluate((l) => {
    const p = [...document.querySelectorAll('p')].find((e) => e.textContent.trim() === l);
    return p?.nextElementSibling?.textContent.trim();
  }, label);
  const [orders, supplies, shipments] = await Promise.all([api.get('/orders/'), api.get('/supplies/'), api.get('/shipments/')]);
  const expected = {
    'Total Supplies': supplies.length,
    'Active Orders': orders.filter((o) => ['PENDING', 'IN_PROGRESS'].includes(o.status)).length,
    Completed: orders.filter((o) => o.status === 'COMPLETED').length,
    Shipments: shipments.length,
  };
  for (const [label, want] of Object.entries(expected)) {
    const got = await card(label);
    assert(got === String(want), `card "${label}" shows ${JSON.stringify(got)}, API says ${want}`);
  }
  console.log(`  cards: ${JSON.stringify(expected)}`);
});

// ---------------------------------------------------------------------------
await step('2. Orders: list, create, detail, timeline, edit', async () => {
  await navigate('/orders');
  await findByText(page, 'h1', 'Orders', { exact: true });
  const before = await api.get('/orders/');
  await page.waitForSelector('table');
  const tableText = await page.$eval('table', (t) => t.innerText);
  for (const o of before) assert(tableText.includes(o.order_number), `order ${o.order_number} from the API is not in the table`);
  console.log(`  list shows all ${before.length} orders of the API${before.length === 0 ? ' (NOTE: the API has no orders; demo seed orders missing)' : ''}`);

  // --- create through the order form
  await clickText(page, 'button', 'Create Order', { exact: true });
  await findByText(page, 'h3', 'Create Order');
  await page.click('#contact-selector');
  const li = await page.waitForSelector('.contact-selector li');
  const search = apiLog.find((l) => l.method === 'GET' && l.path.startsWith('/contacts/?'));
  assert(search && search.path === '/contacts/?search=&limit=50' && search.status === 200,
    `contact picker request: ${JSON.stringify(search)}`);
  const contactName = await li.$eval('span', (s) => s.textContent.trim());
  await li.click();
  await findByText(page, 'h4', 'Selected Contact');
  await typeDateTime(page, '#due-date', DUE);
  const desc = `E2E ring ${STAMP}`;
  await fill(page, '#line-item-0-description', desc);
  await selectByText(page, '#line-item-0-metal', 'Gold 18K');
  await fill(page, '#line-item-0-quantity', '2');
  await fill(page, '#line-item-0-target-weight', '3.5');
  await fill(page, '#line-item-0-price', '450');
  const created = await expectResponse(page, 'POST', '/orders/', () => page.click('button[form="order-form"]'));
  assertOk(created, 'POST /orders/');
  const sent = JSON.parse(created.requestBody);
  assert(sent.due_date === DUE, `app sent due_date ${sent.due_date}`);
  const orderId = created.json?.id;
  assert(Number.isInteger(orderId), `POST /orders/ response has no numeric id: ${created.text.slice(0, 300)}`);
  const order = await api.get(`/orders/${orderId}`);
  ctx.order = order;
  console.log(`  created ${order.order_number} (id ${orderId}) for contact ${contactName}`);
  assert(String(order.due_date).startsWith(DUE), `API due_date is ${order.due_date}, expected ${DUE}`);
  assert(order.line_items?.[0]?.product_description === desc, `API line item: ${JSON.stringify(order.line_items)}`);
  assert(order.status === 'PENDING', `new order status ${order.status}`);
  await page.waitForFunction(() => !document.querySelector('#order-form'));
  await page.waitForFunction((n) => document.querySelector('table')?.innerText.includes(n), {}, order.order_number)
    .catch(() => { throw new Error(`${order.order_number} did not appear in the orders table`); });

  // --- open it
  await clickText(page, 'td span', order.order_number, { exact: true });
  await page.waitForFunction((id) => location.pathname === `/orders/${id}`, {}, orderId);
  await findByText(page, 'h1', order.order_number, { exact: true });
  await waitForText(page, desc);
  await waitForText(page, new Date(order.due_date).toLocaleDateString('en-US'));
  await findByText(page, 'h2', 'Manufacturing Timeline');
  await page.waitForFunction(() => !document.body.textContent.includes('Loading timeline...'));
  const tl = apiLog.find((l) => l.path === `/orders/${orderId}/timeline`);
  assert(tl?.status === 200, `GET /orders/${orderId}/timeline: ${JSON.stringify(tl)}`);
  const timelineText = await bodyText(page);
  assert(!timelineText.includes('Error loading timeline'), 'timeline shows "Error loading timeline"');
  const timelineState = timelineText.match(/No manufacturing steps yet|\d+ \/ \d+ completed/)?.[0];
  assert(timelineState, 'timeline shows neither steps nor the empty state');
  console.log(`  detail page renders; timeline: "${timelineState}"`);

  // --- edit: status and the line item
  await clickText(page, 'button', 'Edit', { exact: true });
  await findByText(page, 'h3', 'Edit Order');
  await page.waitForFunction((d) => document.querySelector('#line-item-0-description')?.value === d, {}, desc);
  await page.select('#status', 'IN_PROGRESS');
  await fill(page, '#line-item-0-description', `${desc} edited`);
  await fill(page, '#line-item-0-quantity', '3');
  const updated = await expectResponse(page, 'PUT', `/orders/${orderId}`, () => page.click('button[form="order-form"]'));
  assertOk(updated, `PUT /orders/${orderId}`);
  const after = await api.get(`/orders/${orderId}`);
  assert(after.status === 'IN_PROGRESS', `after edit API status is ${after.status}`);
  assert(after.line_items?.[0]?.product_description === `${desc} edited`, `after edit line item: ${JSON.stringify(after.line_items?.[0])}`);
  assert(after.line_items?.[0]?.quantity === 3, `after edit quantity: ${after.line_items?.[0]?.quantity}`);
  assert(String(after.due_date).startsWith(DUE), `due_date changed by the edit round trip: ${after.due_date}`);
  await waitForText(page, `${desc} edited`);
  ctx.order = after;
  console.log(`  edited: status ${after.status}, line item "${after.line_items[0].product_description}" x${after.line_items[0].quantity}`);
});

// ---------------------------------------------------------------------------
await step('3. Shipments: create (address from company default), edit to SHIPPED', async () => {
  need('order');
  const order = ctx.order;
  await navigate('/shipments');
  await findByText(page, 'h1', 'Shipments', { exact: true });
  await clickText(page, 'button', 'Create Shipment', { exact: true });
  await findByText(page, 'h3', 'Create Shipment');
  await page.waitForFunction((id) => [...document.querySelectorAll('#order option')].some((o) => o.value === String(id)), {}, order.id);
  const addr = await expectResponse(page, 'GET', `/companies/${order.company_id}/addresses/shipment-default`,
    () => selectByText(page, '#order', order.order_number));
  assertOk(addr, 'shipment-default address');
  assert(addr.json?.street_address, `shipment-default returned ${addr.text}`);
  await page.waitForFunction((s) => document.querySelector('#shipping-address')?.value.includes(s), {}, addr.json.street_address)
    .catch(() => { throw new Error('shipping address was not filled from the company default'); });
  const tracking = `E2E-TRK-${STAMP}`;
  await fill(page, '#tracking-number', tracking);
  await fill(page, '#carrier', 'UPS');
  await fill(page, '#shipping-cost', '25.5');
  const created = await expectResponse(page, 'POST', '/shipments/', () => page.click('button[form="shipment-form"]'));
  assertOk(created, 'POST /shipments/');
  const id = created.json?.id;
  assert(Number.isInteger(id), `POST /shipments/ response has no id: ${created.text.slice(0, 300)}`);
  const row = await findByText(page, 'li', tracking);
  console.log(`  created shipment ${id} (${tracking}), address "${addr.json.street_address}, ${addr.json.city}"`);

  await (await row.$('button[title="Edit shipment"]')).click();
  await findByText(page, 'h3', 'Edit Shipment');
  await page.waitForFunction((t) => document.querySelector('#tracking-number')?.value === t, {}, tracking);
  await page.select('#status', 'SHIPPED');
  await fill(page, '#carrier', 'FedEx');
  const updated = await expectResponse(page, 'PUT', `/shipments/${id}`, () => page.click('button[form="shipment-form"]'));
  assertOk(updated, `PUT /shipments/${id}`);
  const s = (await api.get('/shipments/')).find((x) => x.id === id);
  assert(s, `shipment ${id} missing from GET /shipments/`);
  assert(s.status === 'SHIPPED', `API shipment status ${s.status}`);
  assert(s.shipped_at, `API shipped_at is ${JSON.stringify(s.shipped_at)}`);
  assert(s.carrier === 'FedEx', `API carrier ${s.carrier}`);
  assert(s.shipping_cost === 25.5, `API shipping_cost ${JSON.stringify(s.shipping_cost)}`);
  await page.waitForFunction((t) => [...document.querySelectorAll('li')].some((li) => li.innerText.includes(t) && li.innerText.includes('SHIPPED') && li.innerText.includes('FedEx')), {}, tracking)
    .catch(() => { throw new Error('shipment row does not show SHIPPED / FedEx'); });
  console.log(`  edited: status ${s.status}, shipped_at ${s.shipped_at}`);
});

// ---------------------------------------------------------------------------
await step('4. Department ledger: IN, OUT, edit all fields, delete, archive, unarchive, summary', async () => {
  need('order');
  const order = ctx.order;
  const [departments, metals] = await Promise.all([api.get('/departments/'), api.get('/metals/')]);
  const dept = (n) => departments.find((d) => d.name === n) ?? (() => { throw new Error(`no department ${n}`); })();
  const metal = (c) => metals.find((m) => m.code === c) ?? (() => { throw new Error(`no metal ${c}`); })();
  const casting = dept('Casting'); const polishing = dept('Polishing');
  const gold18 = metal('GOLD_18K'); const silver = metal('SILVER_925');
  // The edit changes the order too, so a second active order is needed.
  let other = (await api.get('/orders/')).find((o) => o.id !== order.id && o.status !== 'COMPLETED');
  if (!other) {
    other = await api.post('/orders/', { contact_id: order.contact_id, line_items: [{ product_description: `E2E helper ${STAMP}`, quantity: 1 }] });
    console.log(`  NOTE: no second active order existed; created ${other.order_number} through the API for the edit`);
  }
  ctx.balanceBefore = (await api.get(`/companies/${order.company_id}/metal-balances`)).find((b) => b.metal_code === 'GOLD_18K')?.balance_grams ?? 0;

  // A fresh load, so the app's cached order list includes the orders above.
  await page.goto(`${config.appUrl}/department-ledger`, { waitUntil: 'networkidle0' });
  await findByText(page, 'h1', 'Department Ledger');
  await waitForText(page, 'Total Qty');

  const openOrderPicker = async (o) => {
    await page.click('#ledger-order-search');
    await page.keyboard.type(o.order_number);
    await clickText(page, 'ul li', o.order_number);
    await page.waitForFunction((n) => document.querySelector('#ledger-order-search')?.value.startsWith(n), {}, o.order_number);
  };
  const addEntry = async ({ direction, qty, weight, date, notes }) => {
    await clickText(page, 'button', '+ Add Entry');
    await findByText(page, 'h3', 'Add Ledger Entry');
    await selectByText(page, '#ledger-department', 'Casting');
    await openOrderPicker(order);
    await selectByText(page, '#ledger-metal-type', '(GOLD_18K)');
    await clickText(page, 'button', direction === 'IN' ? '↓ IN' : '↑ OUT');
    await fill(page, '#ledger-quantity', qty);
    await fill(page, '#ledger-weight', weight);
    await typeDate(page, '#ledger-date', date);
    await fill(page, '#ledger-notes', notes);
    const r = await expectResponse(page, 'POST', '/department-ledger/', () => page.click('button[form="ledger-entry-form"]'));
    assertOk(r, `POST /department-ledger/ (${direction})`);
    assert(Number.isInteger(r.json?.id), `ledger POST response has no id: ${r.text.slice(0, 300)}`);
    await page.waitForFunction(() => !document.querySelector('#ledger-entry-form'));
    await findByText(page, 'tr', notes);
    return r.json.id;
  };
  const ledger = async () => api.get('/department-ledger/?include_archived=true');
  const entry = async (id) => (await ledger()).find((e) => e.id === id);
  const near = (a, b) => typeof a === 'number' && Math.abs(a - b) < 0.0005;
  const rowButton = async (notes, label) => {
    const row = await findByText(page, 'tr', notes);
    const btn = (await row.evaluateHandle((tr, l) => [...tr.querySelectorAll('button')].find((b) => b.textContent.trim() === l), label)).asElement();
    assert(btn, `row "${notes}" has no "${label}" button`);
    await btn.click();
  };

  // --- IN and OUT
  const inNotes = `e2e IN ${STAMP}`; const outNotes = `e2e OUT ${STAMP}`;
  const inId = await addEntry({ direction: 'IN', qty: '3', weight: '10.5', date: LEDGER.inDate, notes: inNotes });
  const outId = await addEntry({ direction: 'OUT', qty: '1', weight: '4.2', date: LEDGER.outDate, notes: outNotes });
  const eIn = await entry(inId); const eOut = await entry(outId);
  const expectIn = { date: LEDGER.inDate, department_id: casting.id, order_id: order.id, metal_id: gold18.id, direction: 'IN', qty_in: 3, weight_in: 10.5, notes: inNotes };
  for (const [k, v] of Object.entries(expectIn)) assert(eIn?.[k] === v, `IN entry ${k}: API ${JSON.stringify(eIn?.[k])}, expected ${JSON.stringify(v)}`);
  assert(near(eIn.fine_weight, 10.5 * gold18.fine_percentage), `IN fine_weight ${eIn.fine_weight}`);
  assert(eOut?.direction === 'OUT' && eOut.qty_out === 1 && eOut.weight_out === 4.2 && eOut.date === LEDGER.outDate, `OUT entry: ${JSON.stringify(eOut)}`);
  assert(near(eOut.fine_weight, -4.2 * gold18.fine_percentage), `OUT fine_weight ${eOut.fine_weight} (expected negative)`);
  ctx.castingIn = eIn;
  console.log(`  IN ${inId}: fine ${eIn.fine_weight}; OUT ${outId}: fine ${eOut.fine_weight}`);

  // --- edit the OUT entry, changing every field
  await rowButton(outNotes, 'Edit');
  await findByText(page, 'h3', 'Edit Ledger Entry');
  await page.waitForFunction((d) => document.querySelector('#ledger-date')?.value === d, {}, LEDGER.outDate);
  await selectByText(page, '#ledger-department', 'Polishing');
  await openOrderPicker(other);
  await selectByText(page, '#ledger-metal-type', '(SILVER_925)'); // after the order: picking an order may auto-fill the metal
  await clickText(page, 'button', '↓ IN');
  await fill(page, '#ledger-quantity', '5');
  await fill(page, '#ledger-weight', '7.25');
  await typeDate(page, '#ledger-date', LEDGER.editDate);
  const editNotes = `e2e EDITED ${STAMP}`;
  await fill(page, '#ledger-notes', editNotes);
  const put = await expectResponse(page, 'PUT', `/department-ledger/${outId}`, () => page.click('button[form="ledger-entry-form"]'));
  assertOk(put, `PUT /department-ledger/${outId}`);
  const eEd = await entry(outId);
  const expectEd = { date: LEDGER.editDate, department_id: polishing.id, order_id: other.id, metal_id: silver.id, direction: 'IN', qty_in: 5, weight_in: 7.25, qty_out: null, weight_out: null, notes: editNotes };
  for (const [k, v] of Object.entries(expectEd)) assert(eEd?.[k] === v, `edited entry ${k}: API ${JSON.stringify(eEd?.[k])}, expected ${JSON.stringify(v)}`);
  assert(near(eEd.fine_weight, 7.25 * silver.fine_percentage), `edited fine_weight ${eEd.fine_weight}`);
  await findByText(page, 'tr', editNotes);
  console.log(`  edited ${outId}: ${JSON.stringify(expectEd)}`);

  // --- delete it (window.confirm is accepted)
  const nDialogs = dialogs.length;
  const del = await expectResponse(page, 'DELETE', `/department-ledger/${outId}`, () => rowButton(editNotes, 'Del'));
  assertOk(del, `DELETE /department-ledger/${outId}`);
  assert(dialogs.length === nDialogs + 1 && dialogs.at(-1).startsWith('confirm'), `expected one confirm dialog, got ${JSON.stringify(dialogs.slice(nDialogs))}`);
  assert(!(await entry(outId)), `entry ${outId} still returned by the API after delete`);
  await page.waitForFunction((n) => !document.body.textContent.includes(n), {}, editNotes);

  // --- archive the IN entry's date, then unarchive it
  const expectedCount = (await ledger()).filter((e) => e.date >= LEDGER.inDate && e.date <= LEDGER.inDate && !e.is_archived).length;
  await clickText(page, 'button', 'Archive Entries', { exact: true });
  await findByText(page, 'h2', 'Archive Entries');
  const [from, to] = await page.$$('div.fixed input[type="date"]');
  await typeDate(page, from, LEDGER.inDate);
  await typeDate(page, to, LEDGER.inDate);
  const arch = await expectResponse(page, 'POST', '/department-ledger/archive', () => clickText(page, 'div.fixed button', 'Archive', { exact: true }));
  assertOk(arch, 'POST /department-ledger/archive');
  assert(arch.json?.count === expectedCount, `archive count ${JSON.stringify(arch.json?.count)}, expected ${expectedCount}`);
  assert((await entry(inId))?.is_archived === true, 'IN entry not archived according to the API');
  await page.waitForFunction((n) => !document.body.textContent.includes(n), {}, inNotes)
    .catch(() => { throw new Error('archived entry still listed without "Show Archived"'); });
  console.log(`  archived ${arch.json.count} entr${arch.json.count === 1 ? 'y' : 'ies'} dated ${LEDGER.inDate}`);

  // "Show Archived" is a toggle: a visually hidden checkbox inside a <label>; click the label.
  const toggle = (await page.evaluateHandle(() => document.querySelector('input[type="checkbox"].sr-only')?.closest('label'))).asElement();
  assert(toggle, 'no "Show Archived" toggle');
  await toggle.click();
  // The page re-renders a loading state while the new list loads, so the toggle may be gone briefly.
  await page.waitForFunction(() => document.querySelector('input[type="checkbox"].sr-only')?.checked === true);
  const un = await expectResponse(page, 'POST', `/department-ledger/${inId}/unarchive`, () => rowButton(inNotes, 'Unarchive'));
  assertOk(un, `POST /department-ledger/${inId}/unarchive`);
  assert((await entry(inId))?.is_archived === false, 'IN entry still archived according to the API');
  await page.waitForFunction((n) => [...document.querySelectorAll('tr')].some((tr) => tr.innerText.includes(n) && tr.innerText.includes('Edit')), {}, inNotes)
    .catch(() => { throw new Error('unarchived entry does not show its Edit button'); });

  // --- summary cards match GET /department-ledger/summary
  const summary = await api.get('/department-ledger/summary');
  const cardsMatch = () => page.evaluate((s) => {
    const t = document.body.textContent;
    const qty = [...document.querySelectorAll('div')].find((d) => d.textContent.trim() === 'Total Qty')?.nextElementSibling?.textContent.trim();
    return qty === String(s.total_qty_held) && s.balances.every((b) => t.includes(b.metal_name) && t.includes(`${b.fine_weight_balance.toFixed(3)}g`));
  }, summary);
  const deadline = Date.now() + config.timeout;
  while (!(await cardsMatch())) {
    if (Date.now() > deadline) throw new Error(`summary cards do not match the API summary ${JSON.stringify(summary)}`);
    await sleep(250);
  }
  console.log(`  summary cards: total_qty_held ${summary.total_qty_held}, ${summary.balances.map((b) => `${b.metal_name} ${b.fine_weight_balance}`).join(', ')}`);
});

// ---------------------------------------------------------------------------
await step('5. Companies: list with metal balances; casting IN lowers the balance', async () => {
  need('order', 'castingIn', 'balanceBefore');
  const order = ctx.order;
  const companies = await api.get('/companies-v2/');
  // A fresh load (like a user pressing reload): the app caches balances for 2 minutes and the
  // order edit form fetched this company's balances before the ledger entry existed.
  await page.goto(`${config.appUrl}/companies`, { waitUntil: 'networkidle0' });
  await findByText(page, 'h1', 'Companies');
  const tableText = await page.$eval('table', (t) => t.innerText);
  for (const c of companies) assert(tableText.includes(c.name), `company ${c.name} not in the table`);
  for (const c of companies) {
    const call = apiLog.find((l) => l.step === problems.step && l.path === `/companies/${c.id}/metal-balances`);
    assert(call?.status === 200, `GET /companies/${c.id}/metal-balances: ${JSON.stringify(call)}`);
  }
  const balances = await api.get(`/companies/${order.company_id}/metal-balances`);
  const gold = balances.find((b) => b.metal_code === 'GOLD_18K');
  assert(gold, `company ${order.company_id} has no GOLD_18K balance after a casting IN entry: ${JSON.stringify(balances)}`);
  const delta = gold.balance_grams - ctx.balanceBefore;
  assert(Math.abs(delta + ctx.castingIn.fine_weight) < 0.0005,
    `GOLD_18K balance went ${ctx.balanceBefore} -> ${gold.balance_grams} (delta ${delta}); expected -${ctx.castingIn.fine_weight}`);
  const company = companies.find((c) => c.id === order.company_id);
  const shown = `${gold.metal_code} : ${gold.balance_grams} grams`;
  const row = await findByText(page, 'tr', company.name);
  const rowText = await row.evaluate((tr) => tr.innerText);
  assert(rowText.includes(shown), `row of ${company.name} does not show "${shown}": ${rowText.replace(/\s+/g, ' ')}`);
  if (gold.balance_grams < 0) {
    const red = await row.evaluate((tr, s) => [...tr.querySelectorAll('span.text-red-600')].some((e) => e.textContent.includes(s)), shown);
    assert(red, `negative balance "${shown}" is not shown in red`);
  }
  console.log(`  ${company.name}: GOLD_18K ${ctx.balanceBefore} -> ${gold.balance_grams} g; row shows "${shown}"`);
});

// ---------------------------------------------------------------------------
await browser.close();
const failed = results.filter((r) => !r.ok);
const other = problems.all.filter((p) => !results.some((r) => r.name === p.step));
for (const p of other) console.log(`  [${p.kind} outside a step] ${p.message}`);
if (problems.ignored.size) console.log(`\nIgnored (third-party hosts ${config.ignoreHosts.join(', ')}):\n  ${[...problems.ignored].join('\n  ')}`);
console.log(`\n${results.map((r) => `${r.ok ? 'PASS' : 'FAIL'}  ${r.name}`).join('\n')}`);
console.log(`\n${failed.length === 0 ? 'ALL PASSED' : `${failed.length} of ${results.length} steps FAILED`}`);
process.exit(failed.length === 0 && other.length === 0 ? 0 : 1);
