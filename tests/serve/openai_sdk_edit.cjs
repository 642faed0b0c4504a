// Drives `easel serve` with the official `openai` npm package, unchanged except for baseURL.
// Usage: node openai_sdk_edit.cjs BASE_URL API_KEY IMAGE SECOND_IMAGE MASK MASKED_OUTPUT; exits non-zero on
// any failure. MASK is a PNG of IMAGE's size (alpha 0 = edit); the masked edit's result is written to
// MASKED_OUTPUT for the caller to compare pixel by pixel. The server runs with --workers 1 --queue-length 1,
// so concurrent edits overflow its queue.
// The package comes from scripts/install-test-clients.sh (NODE_PATH points at its node_modules).
'use strict';
const fs = require('fs');
const assert = require('assert');
const OpenAI = require('openai');
const { toFile } = require('openai');

async function main() {
  const [baseURL, apiKey, imagePath, secondPath, maskPath, maskedOutput] = process.argv.slice(2);
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
  const png = (path, name) => toFile(fs.readFileSync(path), name, { type: 'image/png' });

  // One image.
  const edited = await client.images.edit({ model: 'gpt-image-1', image: await png(imagePath, 'coffee.png'), prompt: 'make it black and white' });
  assert.strictEqual(edited.data.length, 1);
  const bytes = Buffer.from(edited.data[0].b64_json, 'base64');
  assert.deepStrictEqual([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG comes back');
  assert.ok(edited.usage.input_tokens > 0 && edited.usage.output_tokens > 0, 'usage is reported');
  assert.strictEqual(edited.usage.total_tokens, edited.usage.input_tokens + edited.usage.output_tokens);
  assert.strictEqual(edited.easel.plan.steps[0].op, 'color.adjust');

  // An image[] list (the SDK sends arrays as image[]), output format and size as the SDK sends them.
  const listed = await client.images.edit({
    image: [await png(imagePath, 'a.png'), await png(secondPath, 'b.png')],
    prompt: 'increase the contrast', output_format: 'webp', size: '512x512', n: 1,
  });
  assert.strictEqual(listed.size, '512x512');
  assert.strictEqual(Buffer.from(listed.data[0].b64_json, 'base64').subarray(8, 12).toString(), 'WEBP');
  assert.strictEqual(listed.easel.references.count, 1);

  // Streaming: partial images after plan steps, then the completed image with usage.
  const stream = await client.images.edit({
    image: await png(imagePath, 's.png'), prompt: 'increase the contrast, make it warmer, then make it black and white',
    stream: true, partial_images: 2,
  });
  const types = [];
  let completed = null;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'image_edit.completed') completed = event;
  }
  assert.deepStrictEqual(types, ['image_edit.partial_image', 'image_edit.partial_image', 'image_edit.completed']);
  assert.ok(completed.usage.total_tokens > 0);
  assert.ok(Buffer.from(completed.b64_json, 'base64').length > 1000);

  // A mask: alpha 0 marks the area to edit; the caller checks the pixels outside it are unchanged.
  const masked = await client.images.edit({
    image: await png(imagePath, 'm.png'), mask: await png(maskPath, 'mask.png'), prompt: 'make it black and white',
  });
  assert.strictEqual(masked.easel.mask.given, true);
  assert.strictEqual(masked.easel.mask.steps_restricted, 1);
  fs.writeFileSync(maskedOutput, Buffer.from(masked.data[0].b64_json, 'base64'));

  // RateLimitError: eight slow edits at once against one worker and one queue slot.
  const slowPlan = JSON.stringify({
    instruction: 'sharpen thirty times',
    steps: Array.from({ length: 30 }, () => ({ op: 'color.adjust', params: { sharpen: 1.0, contrast: 0.05 } })),
  });
  const burst = await Promise.allSettled(Array.from({ length: 8 }, async (_, i) =>
    client.images.edit({ image: await png(imagePath, `burst${i}.png`), prompt: '', plan: slowPlan })));
  const limited = burst.filter((outcome) => outcome.status === 'rejected');
  assert.ok(limited.length >= 1, 'some of the burst is refused');
  for (const { reason } of limited) {
    assert.ok(reason instanceof OpenAI.RateLimitError, `refused with RateLimitError, got ${reason}`);
    assert.strictEqual(reason.status, 429);
    assert.ok(Number(reason.headers.get('retry-after')) >= 1, 'retry-after is set');
  }
  assert.ok(burst.some((outcome) => outcome.status === 'fulfilled'), 'the edits that fit are answered');

  // Typed errors: BadRequestError naming the param, AuthenticationError for a wrong key.
  await assert.rejects(
    client.images.edit({ image: await png(imagePath, 'c.png'), prompt: 'brighten', size: '1000x1000' }),
    (error) => error instanceof OpenAI.BadRequestError && error.param === 'size' && error.status === 400);
  const wrongKey = new OpenAI({ baseURL, apiKey: 'sk-not-the-right-key', maxRetries: 0 });
  await assert.rejects(
    wrongKey.images.edit({ image: await png(imagePath, 'd.png'), prompt: 'brighten' }),
    (error) => error instanceof OpenAI.AuthenticationError && error.status === 401);
  console.log(JSON.stringify({ ok: true, tokens: edited.usage.total_tokens }));
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
