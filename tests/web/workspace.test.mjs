// The web workspace end to end: the real `easel serve` binary, Debian's chromium driven headless by
// playwright-core (installed into web/node_modules by scripts/build-web.sh), a real photo, and the small
// random-weight reference models from ../shared/reference/sd. Run by ctest (label `web`):
//   node tests/web/workspace.test.mjs EASEL_BINARY SCREENSHOT_DIR
// Environment: EASEL_REFERENCE_DIR, EASEL_TEST_PHOTOS, EASEL_CHROMIUM (default /usr/bin/chromium),
// EASEL_WEB_GENERATION=0 for a build without the diffusion engine (then text-to-image must show the
// server's model_not_available error instead of an image).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const [easelBinary, screenshotDir = path.join(os.tmpdir(), 'easel-web-screenshots')] = process.argv.slice(2);
const apiKey = 'sk-web-test-123456';
const chromiumPath = process.env.EASEL_CHROMIUM ?? '/usr/bin/chromium';
const referenceDir = process.env.EASEL_REFERENCE_DIR ?? path.resolve(repo, '..', 'shared', 'reference');
const photosDir = process.env.EASEL_TEST_PHOTOS ?? '/usr/lib/python3/dist-packages/skimage/data';
const withGeneration = process.env.EASEL_WEB_GENERATION !== '0';

// Missing prerequisites fail the suite (CI must have them), with what to run.
function require_(condition, message) {
  if (!condition) {
    console.error(`web tests: ${message}`);
    process.exit(1);
  }
}
require_(easelBinary && fs.existsSync(easelBinary), `the easel binary is missing: ${easelBinary}`);
require_(fs.existsSync(chromiumPath), `${chromiumPath} not found: run scripts/install-deps.sh (Debian's chromium)`);
require_(fs.existsSync(path.join(photosDir, 'coffee.png')), `coffee.png not found in ${photosDir} (python3-skimage)`);
for (const model of ['sd1', 'sd2']) {
  require_(fs.existsSync(path.join(referenceDir, 'sd', 'models', model, 'model_index.json')), `reference model ${model} missing under ${referenceDir}/sd/models`);
}
let chromium;
try {
  ({ chromium } = createRequire(path.join(repo, 'web', 'package.json'))('playwright-core'));
} catch {
  require_(false, 'playwright-core is not installed in web/node_modules: run scripts/build-web.sh');
}

// ---- the server ----------------------------------------------------------------------------------

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'easel-web-'));
const models = path.join(work, 'models');
fs.mkdirSync(models);
for (const model of ['sd1', 'sd2']) fs.symlinkSync(path.join(referenceDir, 'sd', 'models', model), path.join(models, model));
// The reference's single file as a user installs it: with the sidecar its tiny networks need (README:
// GroupNorm 8 groups, 4 heads; docs/models.md), and a bare copy without one, which cannot be used.
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
fs.copyFileSync(path.join(referenceDir, 'sd', 'models', 'sd1.safetensors'), path.join(models, 'tiny-sd1.safetensors'));
fs.writeFileSync(
  path.join(models, 'tiny-sd1.easel.json'),
  JSON.stringify({
    text_encoder: { num_attention_heads: 4, hidden_act: 'quick_gelu' },
    unet: { norm_num_groups: 8, attention_head_dim: 4 },
    vae: { norm_num_groups: 8, scaling_factor: 0.18215 },
    scheduler: readJson(path.join(referenceDir, 'sd', 'models', 'sd1', 'scheduler', 'scheduler_config.json')),
  }),
);
fs.copyFileSync(path.join(referenceDir, 'sd', 'models', 'sd1.safetensors'), path.join(models, 'bare-sd1.safetensors'));
// A LoRA for the tiny SD1 model (../shared/reference/lora), listed for the LoRA picker, not as a model.
fs.copyFileSync(path.join(referenceDir, 'lora', 'loras', 'sd1_lora_diffusers.safetensors'), path.join(models, 'watercolor.safetensors'));

function startServer() {
  // The models folder holds no segmentation network, and the fallback is accepted (EASEL_SEGMENTATION=
  // fallback) so that a subject/background edit runs and the workspace must warn about it.
  const env = { ...process.env, EASEL_MODELS: models, EASEL_TOKENIZER: path.join(referenceDir, 'sd', 'tokenizer'), EASEL_SEGMENTATION: 'fallback' };
  delete env.EASEL_MODEL;
  delete env.EASEL_SEGMENTATION_MODEL;
  const child = spawn(easelBinary, ['serve', '--host', '127.0.0.1', '--port', '0', '--data', path.join(work, 'data'), '--api-key', apiKey], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`easel serve did not start in 30 s: ${stderr}`)), 30_000);
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const found = stdout.match(/listening on (http:\/\/\S+)/);
      if (found) {
        clearTimeout(timer);
        resolve({ child, url: found[1], stderr: () => stderr });
      }
    });
    child.on('exit', (code) => reject(new Error(`easel serve exited with ${code}: ${stderr}`)));
  });
}

// A raw GET whose path is sent exactly as written (fetch would normalise "..").
function rawGet(url, requestPath, headers = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = http.request({ hostname, port, path: requestPath, headers }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

// ---- a small runner ------------------------------------------------------------------------------

const tests = [];
const test = (name, body) => tests.push({ name, body });

let server;
let browser;

async function openWorkspace(viewport = { width: 1280, height: 800 }, key = apiKey) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 40[01]/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) {
      problems.push(`request to another origin: ${request.url()}`);
    }
  });
  await page.goto(server.url + '/');
  if (key !== null) {
    await page.getByLabel('API key').fill(key);
    await page.getByRole('button', { name: 'Save key' }).click();
  }
  return { page, context, problems };
}

async function uploadCoffeeAndAddText(page) {
  await page.locator('#file-input').setInputFiles(path.join(photosDir, 'coffee.png'));
  await page.locator('#input-list li', { hasText: 'Source' }).waitFor();
  await page.getByLabel('Instruction').fill('add the text "Morning Blend" at the top');
  // The plan, before running: the op and what it will touch, from POST /v1/plans.
  await page.locator('#plan-view .op', { hasText: 'text.add' }).waitFor();
  assert.match(await page.locator('#plan-view').innerText(), /Touches the top half/);
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#gallery img').first().waitFor({ timeout: 60_000 });
}

async function decodedSize(page, file) {
  const b64 = fs.readFileSync(file).toString('base64');
  return page.evaluate(async (data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes]));
    return { width: bitmap.width, height: bitmap.height };
  }, b64);
}

// ---- tests ---------------------------------------------------------------------------------------

test('serves the page without a key, with content types and cache headers; the API keeps its key', async () => {
  const page = await rawGet(server.url, '/');
  assert.equal(page.status, 200, page.body.slice(0, 300));
  assert.match(page.headers['content-type'], /^text\/html/);
  assert.equal(page.headers['cache-control'], 'no-cache');
  assert.match(page.headers['content-security-policy'], /default-src 'self'/);
  const script = page.body.match(/src="(\/assets\/[^"]+\.js)"/);
  assert.ok(script, 'index.html names a hashed script under /assets/');
  const asset = await rawGet(server.url, script[1]);
  assert.equal(asset.status, 200);
  assert.match(asset.headers['content-type'], /^text\/javascript/);
  assert.match(asset.headers['cache-control'], /immutable/);
  const style = page.body.match(/href="(\/assets\/[^"]+\.css)"/);
  assert.match((await rawGet(server.url, style[1])).headers['content-type'], /^text\/css/);
  assert.equal((await rawGet(server.url, '/v1/models')).status, 401);
  assert.equal((await rawGet(server.url, '/v1/models', { Authorization: `Bearer ${apiKey}` })).status, 200);
  for (const probe of ['/assets/../../etc/passwd', '/assets/..%2f..%2fCMakeLists.txt', '/assets/missing.js', '/package.json']) {
    const answer = await rawGet(server.url, probe);
    assert.equal(answer.status, 404, `${probe} answered ${answer.status}`);
    assert.doesNotMatch(answer.body, /root:|cmake_minimum_required|devDependencies/);
  }
});

test('a wrong API key is shown as a readable message at the key field', async () => {
  const { page, context, problems } = await openWorkspace(undefined, 'sk-wrong-key-0000');
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /API key/);
  assert.match(text, /incorrect API key/);
  assert.equal(await page.getByLabel('API key').getAttribute('aria-invalid'), 'true');
  assert.deepEqual(problems, []);
  await context.close();
});

test('edit a real photo: plan, result, OCR report, compare, undo and branch, download', async () => {
  const { page, context, problems } = await openWorkspace();
  await page.locator('#connection', { hasText: 'Connected' }).waitFor();
  await uploadCoffeeAndAddText(page);

  // The report: the OCR read-back of the string and nothing changed outside the edit.
  const ocrRow = page.locator('table.ocr tbody tr');
  await ocrRow.first().waitFor();
  assert.match(await ocrRow.first().innerText(), /Morning Blend\s+Morning Blend\s+✓ matches/);
  assert.equal(await page.getByTestId('changed-outside').innerText(), '0');
  assert.match(await page.locator('#plan-view').innerText(), /Ran 1 step/);
  const result = page.locator('#gallery img').first();
  assert.equal(await result.evaluate((image) => image.naturalWidth), 600);
  await page.screenshot({ path: path.join(screenshotDir, 'desktop-results.png'), fullPage: true });

  // Compare: slider, difference heat-map, 100 % zoom.
  await page.getByRole('tab', { name: 'Compare' }).click();
  await page.locator('#compare-slider').waitFor();
  await page.getByLabel('Reveal the result').fill('30');
  assert.match(await page.locator('#compare-after-clip').getAttribute('style'), /inset\(0px 70% 0px 0px\)|inset\(0 70% 0 0\)/);
  await page.getByLabel('Difference', { exact: true }).check();
  await page.locator('#compare-stats', { hasText: '% of pixels changed' }).waitFor();
  const changed = Number((await page.locator('#compare-stats').innerText()).match(/([\d.]+) % of pixels changed/)[1]);
  assert.ok(changed > 0.5 && changed < 40, `the text changes part of the image, not all of it (${changed} %)`);
  await page.screenshot({ path: path.join(screenshotDir, 'desktop-difference.png') });
  await page.getByLabel('Zoom to 100%').check();
  assert.equal(await page.locator('#compare-heatmap').evaluate((canvas) => canvas.getBoundingClientRect().width), 600);
  await page.getByLabel('Slider', { exact: true }).check();
  await page.screenshot({ path: path.join(screenshotDir, 'desktop-compare.png') });

  // A second round, undo back to the first, then a third round from the first: a branch.
  await page.getByLabel('Instruction').fill('make it black and white');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#history-tree .round', { hasText: 'Round 2' }).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Undo' }).click();
  assert.equal(await page.locator('#history-tree .round[aria-current="true"]').innerText().then((t) => /Round 1/.test(t)), true);
  await page.getByRole('tab', { name: 'Canvas' }).click();
  const canvasIsColour = await page.locator('#source-canvas').evaluate((canvas) => {
    const pixels = canvas.getContext('2d').getImageData(0, canvas.height - 40, canvas.width, 20).data;
    let spread = 0;
    for (let i = 0; i < pixels.length; i += 4) spread = Math.max(spread, Math.abs(pixels[i] - pixels[i + 2]));
    return spread > 30;
  });
  assert.ok(canvasIsColour, 'after undo the canvas shows round 1 (colour), not round 2 (black and white)');
  await page.getByLabel('Instruction').fill('increase the contrast');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#history-tree .round', { hasText: 'Round 3' }).waitFor({ timeout: 60_000 });
  assert.match(await page.locator('#history-tree .round', { hasText: 'Round 3' }).innerText(), /branch 2/);
  assert.match(await page.locator('#history-tree .round', { hasText: 'Round 2' }).innerText(), /branch 1/);

  // Download: re-encoded in the browser as JPEG and as WebP; both decode at the result's size.
  for (const [format, extension] of [['JPEG', 'jpg'], ['WebP', 'webp'], ['PNG', 'png']]) {
    await page.getByLabel('Format').selectOption({ label: format });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    assert.ok(download.suggestedFilename().endsWith(`.${extension}`), download.suggestedFilename());
    const file = path.join(work, download.suggestedFilename());
    await download.saveAs(file);
    assert.deepEqual(await decodedSize(page, file), { width: 600, height: 400 }, `${format} download`);
  }

  // A reload keeps the rounds, their branches, the selected round and its result; Start over empties it.
  await page.waitForTimeout(500); // the session is written 300 ms after the last change
  await page.reload();
  await page.locator('#history-tree .round', { hasText: 'Round 3' }).waitFor({ timeout: 10_000 });
  assert.match(await page.locator('#history-tree .round', { hasText: 'Round 2' }).innerText(), /branch 1/);
  assert.match(await page.locator('#history-tree .round[aria-current="true"]').innerText(), /Round 3/);
  assert.match(await page.locator('#input-list').innerText(), /Source coffee\.png · 600×400/);
  await page.getByRole('tab', { name: 'Results' }).click();
  assert.deepEqual(await page.locator('#gallery img').first().evaluate((image) => ({ width: image.naturalWidth, height: image.naturalHeight })), {
    width: 600,
    height: 400,
  });
  await page.getByRole('button', { name: 'Undo' }).click();
  assert.match(await page.locator('#history-tree .round[aria-current="true"]').innerText(), /Round 1/, 'undo works on a restored tree');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Start over' }).click();
  assert.equal(await page.locator('#history-tree .round', { hasText: 'Round 1' }).count(), 0);
  await page.waitForTimeout(500);
  await page.reload();
  await page.locator('#progress-text').waitFor();
  assert.equal(await page.locator('#history-tree .round', { hasText: 'Round 1' }).count(), 0, 'started over stays started over');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a subject guessed by the fallback segmenter is flagged next to the result, with the fix', async () => {
  const { page, context, problems } = await openWorkspace();
  await page.locator('#file-input').setInputFiles(path.join(photosDir, 'chelsea.png'));
  await page.locator('#input-list li', { hasText: 'Source' }).waitFor();
  await page.getByLabel('Instruction').fill('blur the background');
  await page.locator('#plan-view .op', { hasText: 'background.blur' }).waitFor();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#gallery img').first().waitFor({ timeout: 60_000 });
  const notice = page.locator('#segmentation-notice');
  await notice.waitFor();
  const text = await notice.innerText();
  assert.match(text, /low confidence/i);
  assert.match(text, /confidence 0\.\d\d, below 0\.5/);
  assert.match(text, /bash scripts\/fetch-segmentation-model\.sh/);
  assert.equal(await notice.getAttribute('role'), 'alert');
  await page.screenshot({ path: path.join(screenshotDir, 'segmentation-fallback-notice.png'), fullPage: true });
  // A round without a subject/background step carries no notice.
  await page.getByLabel('Instruction').fill('increase the contrast');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#history-tree .round', { hasText: 'Round 2' }).waitFor({ timeout: 60_000 });
  await notice.waitFor({ state: 'hidden' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('the mask brush restricts the plan to the painted area and the edit to it', async () => {
  const { page, context, problems } = await openWorkspace();
  await page.locator('#file-input').setInputFiles(path.join(photosDir, 'coffee.png'));
  // The mask is reset to the image's size once the photo has decoded: paint after that.
  await page.waitForFunction(() => document.querySelector('#source-canvas').width === 600);
  await page.evaluate(() => {
    window.easelMask.brushSize = 60;
    window.easelMask.strokeFractions([0.1, 0.8], [0.9, 0.8]);
  });
  await page.getByLabel('Instruction').fill('make it black and white');
  await page.locator('#plan-view', { hasText: 'the area painted in the mask' }).waitFor();
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#gallery img').first().waitFor({ timeout: 60_000 });
  // Outside the mask (the top rows) the result keeps its colours; inside (row 80 %) it is grey.
  const spread = await page.locator('#gallery img').first().evaluate((image) => {
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = image.naturalHeight;
    const context2d = canvas.getContext('2d');
    context2d.drawImage(image, 0, 0);
    const row = (y) => {
      const pixels = context2d.getImageData(0, Math.round(y * canvas.height), canvas.width, 1).data;
      let most = 0;
      for (let i = 4 * 100; i < pixels.length - 4 * 100; i += 4) most = Math.max(most, Math.abs(pixels[i] - pixels[i + 2]));
      return most;
    };
    return { inside: row(0.8), outside: row(0.05) };
  });
  assert.ok(spread.inside <= 2, `masked row is grey (${spread.inside})`);
  assert.ok(spread.outside > 20, `row outside the mask keeps its colour (${spread.outside})`);
  assert.equal(await page.getByTestId('changed-outside').innerText(), '0');
  assert.deepEqual(problems, []);
  await context.close();
});

test('text to image with a reference model, models side by side, and a bad size as a readable error', async () => {
  const { page, context, problems } = await openWorkspace();
  await page.getByLabel('Text to Image').check();
  await page.getByLabel('Prompt', { exact: true }).fill('a red bicycle leaning on a brick wall');
  await page.getByLabel('Width').fill('100');
  await page.getByLabel('Height').fill('64');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const message = await alert.innerText();
  assert.match(message, /^Width: /, message);
  assert.match(message, /16/, message);
  assert.match(message, /field size/, message);
  assert.equal(await page.getByLabel('Width').getAttribute('aria-invalid'), 'true');

  await page.getByLabel('Width').fill('64');
  await page.getByLabel('Steps').fill('2');
  await page.getByLabel('Seed').fill('1234');
  if (!withGeneration) {
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: /diffusion|model/ }).waitFor();
    await context.close();
    return;
  }
  const calls = [];
  page.on('request', (request) => calls.push(`${request.method()} ${new URL(request.url()).pathname}`));
  await page.locator('#model option[value="sd1"]').waitFor({ state: 'attached' });
  await page.getByLabel('Model', { exact: true }).selectOption('sd1');
  assert.match(await page.locator('#model-info').innerText(), /enables .*\bgenerate\.image\b/);
  // A single file without the sidecar it needs is listed, disabled, as unusable; with one it is usable.
  const bare = page.locator('#model option[value="bare-sd1"]');
  assert.equal(await bare.getAttribute('disabled'), '');
  assert.match(await bare.innerText(), /cannot be used/);
  await page.getByLabel('Model', { exact: true }).selectOption('tiny-sd1');
  assert.match(await page.locator('#model-info').innerText(), /SD1 text-to-image — enables .*\bgenerate\.image\b/);
  // In Image to Image the picker says which installed model runs each generative operation, and which none does.
  await page.getByLabel('Image to Image').check();
  await page.getByLabel('Model', { exact: true }).selectOption('easel-edit');
  const coverage = await page.locator('#model-info').innerText();
  assert.match(coverage, /generate\.image: sd1, sd2, tiny-sd1;/, coverage);
  assert.match(coverage, /generate\.instruct: no installed model runs it/, coverage);
  await page.getByLabel('Text to Image').check();
  await page.getByLabel('Model', { exact: true }).selectOption('sd1');
  // Without partial previews: a generation job (progress per step), or the plain endpoint.
  await page.getByLabel('Partial previews').fill('0');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#gallery img').first().waitFor({ timeout: 90_000 });
  assert.equal(await page.locator('#gallery img').first().evaluate((image) => `${image.naturalWidth}x${image.naturalHeight}`), '64x64');
  assert.match(await page.locator('#report-view').innerText(), /seed\s+1234/);
  assert.ok(calls.includes('POST /v1/jobs') && calls.some((call) => call.startsWith('GET /v1/jobs/job_')), `ran as a generation job: ${calls}`);
  assert.ok(!calls.includes('POST /v1/images/generations'), `no fallback to the plain request: ${calls}`);
  // The single file with its sidecar generates like the folder it was converted from: the same pixels.
  const galleryPixels = () =>
    page.locator('#gallery img').first().evaluate((image) => {
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      return Array.from(context.getImageData(0, 0, canvas.width, canvas.height).data);
    });
  const folderPixels = await galleryPixels();
  // A LoRA from the picker, at a scale: another picture, and the report names it.
  assert.equal(await page.locator('#model option[value="watercolor"]').count(), 0, 'a LoRA is not offered as a model');
  const lora = page.getByLabel('watercolor (diffusers LoRA)');
  await lora.check();
  await page.getByLabel('Scale of watercolor').fill('0.5');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#history-tree .round', { hasText: 'Round 2' }).waitFor({ timeout: 90_000 });
  await page.locator('#report-view', { hasText: 'watercolor.safetensors × 0.5' }).waitFor({ timeout: 90_000 });
  const loraPixels = await galleryPixels();
  assert.ok(loraPixels.some((value, index) => Math.abs(value - folderPixels[index]) > 1), 'the LoRA changed the picture');
  await lora.uncheck();
  await page.getByLabel('Model', { exact: true }).selectOption('tiny-sd1');
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  await page.locator('#history-tree .round', { hasText: 'Round 3' }).waitFor({ timeout: 90_000 });
  await page.locator('#gallery img').first().waitFor({ timeout: 90_000 });
  const singlePixels = await galleryPixels();
  assert.equal(singlePixels.length, 64 * 64 * 4);
  assert.ok(folderPixels.every((value, index) => Math.abs(value - singlePixels[index]) <= 1), "the single file gives the folder's image");
  await page.getByLabel('Model', { exact: true }).selectOption('sd1');
  // With a partial preview: streamed.
  await page.getByLabel('Partial previews').fill('1');
  const streamed = page.waitForResponse((response) => response.url().endsWith('/v1/images/generations'));
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  assert.equal((await streamed).headers()['content-type'], 'text/event-stream');
  await page.locator('#live-preview[alt="Partial preview 1"]').waitFor({ state: 'attached' });
  await page.locator('#history-tree .round', { hasText: 'Round 4' }).waitFor({ timeout: 90_000 });
  assert.equal(await page.locator('#gallery img').first().evaluate((image) => image.naturalWidth), 64);

  await page.getByRole('tab', { name: 'Models side by side' }).click();
  await page.getByRole('button', { name: 'Run on chosen models' }).click();
  await page.locator('#model-grid figure').nth(2).waitFor({ timeout: 90_000 });
  const captions = await page.locator('#model-grid figcaption').allInnerTexts();
  assert.equal(captions.length, 3, 'the unusable bare-sd1 is not run');
  assert.match(captions[0], /^sd1 · seed 1234/);
  assert.match(captions[1], /^sd2 · seed 1234/);
  assert.match(captions[2], /^tiny-sd1 · seed 1234/);
  const bareChoice = page.locator('#model-choices label', { hasText: 'bare-sd1' });
  assert.equal(await bareChoice.locator('input').isDisabled(), true);
  assert.match(await bareChoice.innerText(), /cannot be used: .*bare-sd1\.easel\.json/);
  await page.screenshot({ path: path.join(screenshotDir, 'desktop-models.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('cancel stops a running text-to-image job on the server', async () => {
  if (!withGeneration) return;
  const { page, context, problems } = await openWorkspace();
  await page.getByLabel('Text to Image').check();
  await page.getByLabel('Prompt', { exact: true }).fill('a lighthouse at dusk');
  await page.locator('#model option[value="sd1"]').waitFor({ state: 'attached' });
  await page.getByLabel('Model', { exact: true }).selectOption('sd1');
  await page.getByLabel('Width').fill('256');
  await page.getByLabel('Height').fill('256');
  await page.getByLabel('Steps').fill('40');
  await page.getByLabel('Partial previews').fill('0');
  const deletes = [];
  page.on('request', (request) => request.method() === 'DELETE' && deletes.push(new URL(request.url()).pathname));
  await page.getByRole('button', { name: 'Run', exact: true }).click();
  // The job's progress advances per denoising step; cancel once it has started.
  await page.locator('#progress-text', { hasText: /Generating… [1-9]/ }).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('#progress-text', { hasText: 'Cancelled.' }).waitFor({ timeout: 10_000 });
  assert.equal(deletes.length, 1, `one DELETE /v1/jobs/{id}: ${deletes}`);
  let state = '';
  for (let tries = 0; tries < 100 && state !== 'cancelled'; tries++) {
    state = JSON.parse((await rawGet(server.url, deletes[0], { Authorization: `Bearer ${apiKey}` })).body).state;
    if (state !== 'cancelled') await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(state, 'cancelled');
  assert.equal(await page.locator('#history-tree .round', { hasText: 'Round 1' }).count(), 0, 'a cancelled run adds no round');
  assert.equal(await page.getByRole('button', { name: 'Run', exact: true }).isEnabled(), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('phone width: one column, every control reachable, screenshots', async () => {
  const { page, context, problems } = await openWorkspace({ width: 390, height: 844 });
  await page.locator('#connection', { hasText: 'Connected' }).waitFor();
  await page.screenshot({ path: path.join(screenshotDir, 'phone-start.png'), fullPage: true });
  await uploadCoffeeAndAddText(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 390 px (${overflow} px too wide)`);
  for (const label of ['Instruction', 'Model', 'Width', 'Height', 'Quality', 'API key']) {
    const box = await page.getByLabel(label, { exact: true }).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${label} fits the screen`);
  }
  await page.screenshot({ path: path.join(screenshotDir, 'phone-results.png'), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('every control has a label and the focus order starts at the top', async () => {
  const { page, context } = await openWorkspace();
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((element) => element.offsetParent !== null || element.classList.contains('visually-hidden-input'))
      .filter((element) => {
        if (element.tagName === 'BUTTON') return !(element.getAttribute('aria-label') || element.textContent.trim());
        return element.labels.length === 0 && !element.getAttribute('aria-label');
      })
      .map((element) => element.id || element.outerHTML.slice(0, 60)),
  );
  assert.deepEqual(unlabelled, []);
  await page.reload();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the prompt');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'api-key');
  await context.close();
});

// ---- run -----------------------------------------------------------------------------------------

fs.mkdirSync(screenshotDir, { recursive: true });
const started = Date.now();
let failures = 0;
try {
  server = await startServer();
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  for (const { name, body } of tests) {
    const begun = Date.now();
    try {
      await body();
      console.log(`ok   ${name} (${((Date.now() - begun) / 1000).toFixed(1)} s)`);
    } catch (error) {
      failures++;
      console.log(`FAIL ${name} (${((Date.now() - begun) / 1000).toFixed(1)} s)\n     ${String(error.stack ?? error).replace(/\n/g, '\n     ')}`);
    }
  }
} catch (error) {
  failures++;
  console.log(`FAIL setup: ${error.stack ?? error}`);
} finally {
  await browser?.close();
  server?.child.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}
console.log(`${tests.length - failures}/${tests.length} web tests passed in ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in ${screenshotDir}`);
process.exit(failures === 0 ? 0 : 1);
