// Harness helpers for run.mjs: configuration, browser start-up, problem collection
// (console errors, failed responses, React crashes), user-like input helpers and a
// small API client used to verify what the app did.

import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

export const config = {
  appUrl: (process.env.E2E_APP_URL || 'http://localhost:5173').replace(/\/$/, ''),
  apiUrl: (process.env.E2E_API_URL || 'http://127.0.0.1:8000').replace(/\/$/, ''),
  username: process.env.E2E_USERNAME || 'admin',
  password: process.env.E2E_PASSWORD || 'admin123',
  chromium: process.env.E2E_CHROMIUM || '/usr/bin/chromium',
  headless: process.env.E2E_HEADFUL ? false : true,
  artifacts: path.resolve(process.env.E2E_ARTIFACTS || new URL('./artifacts', import.meta.url).pathname),
  timeout: Number(process.env.E2E_TIMEOUT_MS || 15000),
  // Third-party hosts the app loads from (index.html pulls Google Fonts). Without internet these
  // fail; they are reported once at the end instead of failing a step.
  ignoreHosts: (process.env.E2E_IGNORE_HOSTS ?? 'fonts.googleapis.com,fonts.gstatic.com').split(',').filter(Boolean),
};
const ignoredUrl = (url) => {
  try { return config.ignoreHosts.includes(new URL(url).hostname); } catch { return false; }
};
export const API = `${config.apiUrl}/api/v1`;

/** Path of an API URL relative to the API prefix, query string included ("/orders/?x=1"). */
export function apiPath(url) {
  return url.startsWith(API) ? url.slice(API.length) : null;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export { sleep };

// ---------------------------------------------------------------------------
// Browser + problem collection
// ---------------------------------------------------------------------------

export async function startBrowser() {
  const browser = await puppeteer.launch({
    executablePath: config.chromium,
    headless: config.headless,
    args: ['--no-sandbox', '--disable-gpu', '--lang=en-US', '--window-size=1440,1000'],
    defaultViewport: { width: 1440, height: 1000 },
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(config.timeout);
  // Ledger delete uses window.confirm; accept every dialog and remember it.
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    await d.accept();
  });

  const problems = new Problems();
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const url = msg.location()?.url;
    if (ignoredUrl(url)) problems.ignore(`console: ${msg.text()} (${url})`);
    else problems.add('console', url ? `${msg.text()} (${url})` : msg.text());
  });
  page.on('pageerror', (err) => problems.add('pageerror', String(err && err.stack || err)));
  page.on('requestfailed', (req) => {
    if (ignoredUrl(req.url())) return problems.ignore(`${req.method()} ${req.url()} -> ${req.failure()?.errorText}`);
    problems.add('requestfailed', `${req.method()} ${req.url()} -> ${req.failure()?.errorText}`);
  });
  page.on('response', async (res) => {
    if (res.status() < 400) return;
    const req = res.request();
    let body = '';
    // Unreadable when the page navigated away first (the app hard-reloads to /login on a 401).
    try { body = await res.text(); } catch (e) { body = `<body not readable: ${e.message}>`; }
    problems.add('http', `${req.method()} ${res.url()} -> ${res.status()}`, {
      method: req.method(), url: res.url(), status: res.status(),
      requestBody: req.postData() ?? null, responseBody: body.slice(0, 2000),
    });
  });
  return { browser, page, problems, dialogs };
}

/** Everything that went wrong in the browser, tagged with the step that was running. */
export class Problems {
  constructor() { this.all = []; this.ignored = new Set(); this.step = '(setup)'; }
  ignore(message) { this.ignored.add(message); }
  add(kind, message, detail) { this.all.push({ step: this.step, kind, message, detail }); }
  forStep(step) { return this.all.filter((p) => p.step === step); }
}

/** Fails if the page has crashed: empty #root, or a React error in the page text / errors. */
export async function assertNoReactCrash(page, problems) {
  const state = await page.evaluate(() => ({
    rootChildren: document.getElementById('root')?.childElementCount ?? -1,
    text: document.body?.innerText ?? '',
  }));
  const minified = problems.all.find((p) => p.kind === 'pageerror' && /Minified React error|React error/.test(p.message));
  if (state.rootChildren <= 0) throw new Error(`React app is blank (#root has ${state.rootChildren} children)`);
  if (/Minified React error/.test(state.text)) throw new Error('Page shows a "Minified React error"');
  if (minified) throw new Error(`React crashed: ${minified.message.split('\n')[0]}`);
}

// ---------------------------------------------------------------------------
// User-like helpers
// ---------------------------------------------------------------------------

/** Waits for a visible element matching `selector` whose text contains `text`; returns its handle. */
export async function findByText(page, selector, text, { timeout = config.timeout, exact = false } = {}) {
  const handle = await page.waitForFunction(
    (sel, txt, ex) => [...document.querySelectorAll(sel)].find((el) => {
      const t = (el.textContent ?? '').replace(/\s+/g, ' ').trim(); // not innerText: CSS uppercase changes it
      return (ex ? t === txt : t.includes(txt)) && el.getClientRects().length > 0;
    }),
    { timeout }, selector, text, exact,
  ).catch(() => null);
  const el = handle && handle.asElement();
  if (!el) throw new Error(`No visible <${selector}> with text ${JSON.stringify(text)} within ${timeout} ms`);
  return el;
}

export async function clickText(page, selector, text, opts) {
  const el = await findByText(page, selector, text, opts);
  await el.click();
  return el;
}

export async function waitForText(page, text, { timeout = config.timeout } = {}) {
  await page.waitForFunction((t) => document.body && document.body.textContent.includes(t), { timeout }, text)
    .catch(() => { throw new Error(`Text ${JSON.stringify(text)} did not appear within ${timeout} ms`); });
}

/** The page's text as in the DOM (textContent: CSS text-transform does not apply). */
export async function bodyText(page) {
  return page.evaluate(() => document.body.textContent);
}

/** Replaces the content of a text/number input or textarea by selecting all and typing. */
export async function fill(page, selector, value) {
  await page.waitForSelector(selector, { visible: true });
  await page.focus(selector);
  await page.keyboard.down('Control'); await page.keyboard.press('A'); await page.keyboard.up('Control');
  if (value === '') await page.keyboard.press('Backspace');
  else await page.keyboard.type(String(value));
  const got = await page.$eval(selector, (e) => e.value);
  if (String(got) !== String(value)) throw new Error(`${selector}: typed ${JSON.stringify(value)} but input holds ${JSON.stringify(got)}`);
}

/** Types a date into <input type=date> the way a user does (en-US: MMDDYYYY). value = YYYY-MM-DD. */
export async function typeDate(page, target, value) {
  const [y, m, d] = value.split('-');
  const el = typeof target === 'string' ? await page.waitForSelector(target, { visible: true }) : target;
  await el.focus();
  await page.keyboard.type(`${m}${d}${y}`);
  const got = await el.evaluate((e) => e.value);
  if (got !== value) throw new Error(`date input ${target}: typed ${value} but it holds ${JSON.stringify(got)}`);
}

/** Types into <input type=datetime-local>: MMDDYYYY, Tab, hhmm + A/P. value = YYYY-MM-DDTHH:mm. */
export async function typeDateTime(page, selector, value) {
  const [date, time] = value.split('T');
  const [y, m, d] = date.split('-');
  let [hh, mm] = time.split(':').map(Number);
  const ampm = hh >= 12 ? 'P' : 'A';
  const h12 = hh % 12 === 0 ? 12 : hh % 12;
  await page.focus(selector);
  await page.keyboard.type(`${m}${d}${y}`);
  await page.keyboard.press('Tab');
  await page.keyboard.type(`${String(h12).padStart(2, '0')}${String(mm).padStart(2, '0')}${ampm}`);
  const got = await page.$eval(selector, (e) => e.value);
  if (got !== value) throw new Error(`${selector}: typed ${value} but input holds ${JSON.stringify(got)}`);
}

/** Picks the <option> of a <select> whose text contains `text` (like a user reading the list). */
export async function selectByText(page, selector, text) {
  await page.waitForFunction(
    (sel, t) => [...(document.querySelector(sel)?.options ?? [])].some((o) => o.text.includes(t)),
    {}, selector, text,
  ).catch(() => { throw new Error(`${selector} has no option containing ${JSON.stringify(text)}`); });
  const value = await page.$eval(selector, (s, t) => [...s.options].find((o) => o.text.includes(t)).value, text);
  await page.select(selector, value);
  return value;
}

/**
 * Runs `action` and returns the first API response matching method + path predicate.
 * `pathTest` is a string (exact path, query ignored) or a RegExp on the path with query.
 */
export async function expectResponse(page, method, pathTest, action, { timeout = config.timeout } = {}) {
  const matches = (res) => {
    if (res.request().method() !== method) return false;
    const p = apiPath(res.url());
    if (p === null) return false;
    return typeof pathTest === 'string' ? p.split('?')[0] === pathTest : pathTest.test(p);
  };
  const [res] = await Promise.all([page.waitForResponse(matches, { timeout }), action()]);
  const text = await res.text().catch(() => '');
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status(), json, text, requestBody: res.request().postData() ?? null, url: res.url() };
}

/** Throws with the full request/response when an API call made by the app did not succeed. */
export function assertOk(r, what) {
  if (r.status < 200 || r.status >= 300) {
    throw new Error(`${what}: ${r.url} -> ${r.status}\n  request body: ${r.requestBody}\n  response: ${r.text.slice(0, 1500)}`);
  }
}

// ---------------------------------------------------------------------------
// API client (verification only; the app does all the writing)
// ---------------------------------------------------------------------------

export class ApiClient {
  constructor(token) { this.token = token; }
  async req(method, p, body) {
    const res = await fetch(API + p, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`API ${method} ${p} -> ${res.status}: ${text.slice(0, 1000)}`);
    return text ? JSON.parse(text) : null;
  }
  get(p) { return this.req('GET', p); }
  post(p, body) { return this.req('POST', p, body); }
}

export async function screenshot(page, name) {
  fs.mkdirSync(config.artifacts, { recursive: true });
  const file = path.join(config.artifacts, `${name.replace(/[^a-z0-9]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true }).catch(() => {});
  return file;
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}
