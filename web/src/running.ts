// Running: edits streamed step by step, text-to-image streamed or as a job, and cancelling.
import * as api from './api';
import { ApiError } from './api';
import { byId } from './dom';
import { blobFromBase64, pictureFrom, type Picture } from './images';
import { baseForEdit } from './canvas';
import { FieldError, clearError, setProgress, showError } from './feedback';
import { instruction, sizeValue } from './inputs';
import { previewNow, wantsMask } from './plan_preview';
import { chosenLoras } from './model_picker';
import { finishRound, roundPreviews } from './results';
import { selectTab } from './tabs';
import { mask, state, ui } from './workspace';

export function setRunning(running: { abort: AbortController; jobId?: string } | null): void {
  state.running = running;
  ui.run.disabled = running !== null;
  ui.cancel.disabled = running === null;
  byId<HTMLButtonElement>('run-models').disabled = running !== null;
  if (!running) ui.livePreview.hidden = true;
}

export function showPartial(b64: string, format: string, label: string): void {
  const url = URL.createObjectURL(blobFromBase64(b64, format));
  const old = ui.livePreview.src;
  ui.livePreview.src = url;
  ui.livePreview.alt = label;
  ui.livePreview.hidden = false;
  if (old.startsWith('blob:')) URL.revokeObjectURL(old);
  selectTab('canvas');
}

export async function picturesOf(response: api.ImagesResponse, round: string): Promise<Picture[]> {
  const format = response.output_format ?? 'png';
  const pictures: Picture[] = [];
  for (const [index, item] of response.data.entries()) {
    const blob = item.b64_json ? blobFromBase64(item.b64_json, format) : await api.fetchAsset(item.url ?? `/v1/assets/${item.asset_id}`);
    pictures.push(await pictureFrom(blob, `${round}-${index + 1}.${format === 'jpeg' ? 'jpg' : format}`));
  }
  return pictures;
}

export async function run(): Promise<void> {
  clearError();
  if (state.running) return;
  try {
    if (state.mode === 'edit') await runEdit();
    else await runGenerate();
  } catch (error) {
    if ((error as Error).name === 'AbortError') setProgress(0, 'Cancelled.');
    else {
      setProgress(0, 'Failed.');
      showError(error);
    }
  } finally {
    setRunning(null);
  }
}

export async function runEdit(): Promise<void> {
  const source = baseForEdit();
  if (!source) throw new FieldError(ui.fileInput, 'add an image to edit first (drop it on the page or choose it)');
  const text = instruction();
  if (!text) throw new FieldError(ui.prompt, 'type what to change, e.g. add the text "Sale" at the top');
  const references = state.uploads.slice(1);
  const form = new FormData();
  form.append('image', source.blob, 'source.png');
  for (const reference of references) form.append('image[]', reference.blob, reference.name);
  const masked = wantsMask();
  if (masked) form.append('mask', await mask.toPng(), 'mask.png');
  form.append('prompt', text);
  // A diffusion model picked for an edit runs its generative steps; the edit engine alone leaves them to
  // the server's default model.
  if (state.models.find((model) => model.id === ui.model.value)?.easel.kind === 'diffusion') form.append('model', ui.model.value);
  form.append('size', sizeValue());
  form.append('quality', ui.quality.value);
  form.append('n', ui.n.value || '1');
  const partials = Number(ui.partials.value) || 0;
  form.append('stream', 'true');
  form.append('partial_images', String(partials));

  const abort = new AbortController();
  setRunning({ abort });
  setProgress(null, 'Planning…');
  const preview = await previewNow(false);
  const stepCount = preview?.steps.length ?? 0;
  setProgress(null, stepCount ? `Running ${stepCount} step${stepCount === 1 ? '' : 's'}…` : 'Running…');
  const completed = await api.postStream(
    '/v1/images/edits',
    form,
    (event) => {
      const index = (event.partial_image_index ?? 0) + 1;
      if (event.b64_json) showPartial(event.b64_json, String(event.output_format ?? 'png'), `Partial preview after step ${index}`);
      setProgress(stepCount ? index / stepCount : null, `Step ${index}${stepCount ? ` of ${stepCount}` : ''} done`);
    },
    abort.signal,
  );
  const response: api.ImagesResponse = (completed.response as api.ImagesResponse) ?? {
    data: [{ b64_json: completed.b64_json }],
    output_format: String(completed.output_format ?? 'png'),
    usage: completed.usage as Record<string, unknown>,
    easel: completed.easel as Record<string, unknown>,
  };
  const round = state.history.add({
    parent: state.history.current,
    mode: 'edit',
    prompt: text,
    model: ui.model.value || 'easel-edit',
    source,
    references,
    results: await picturesOf(response, `edit-${Date.now()}`),
    easel: response.easel ?? null,
    usage: response.usage ?? null,
  });
  roundPreviews.set(round.id, preview);
  setProgress(1, `Done: ${round.results.length} image${round.results.length === 1 ? '' : 's'}.`);
  finishRound();
}

export function generationBody(model: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    prompt: ui.prompt.value.trim(),
    size: sizeValue(),
    quality: ui.quality.value,
    n: ui.n.value || '1',
  };
  if (model) body.model = model;
  if (ui.seed.value.trim()) body.seed = ui.seed.value.trim();
  if (ui.steps.value.trim()) body.steps = ui.steps.value.trim();
  if (ui.negative.value.trim()) body.negative_prompt = ui.negative.value.trim();
  const loras = chosenLoras();
  if (loras.length > 0) body.loras = loras;
  return body;
}

// Text-to-image: streamed with partial previews when asked for one image, otherwise a job whose
// progress advances per denoising step. Servers without either fall back to the plain endpoint.
export async function runGenerate(): Promise<void> {
  const prompt = ui.prompt.value.trim();
  if (!prompt) throw new FieldError(ui.prompt, 'describe the image to generate');
  const body = generationBody(ui.model.value);
  const abort = new AbortController();
  setRunning({ abort });
  setProgress(0, 'Queued…');
  const partials = Number(ui.partials.value) || 0;
  let response: api.ImagesResponse | null = null;
  if (partials > 0 && String(body.n) === '1') response = await generateStreamed(body, partials, abort);
  if (!response) response = await generateAsJob(body, abort);
  if (!response) {
    setProgress(null, 'Generating…');
    response = await api.generate(body, abort.signal);
  }
  const round = state.history.add({
    parent: state.history.current,
    mode: 'generate',
    prompt,
    model: String(response.easel?.model ?? ui.model.value),
    source: null,
    references: [],
    results: await picturesOf(response, `generated-${Date.now()}`),
    easel: response.easel ?? null,
    usage: response.usage ?? null,
  });
  setProgress(1, `Done: ${round.results.length} image${round.results.length === 1 ? '' : 's'}.`);
  finishRound();
}

export function unsupportedBy(error: unknown, fields: string[]): boolean {
  return error instanceof ApiError && error.status === 400 && fields.includes(error.param ?? '') && /unknown_parameter|unsupported/.test(error.code ?? '');
}

export async function generateStreamed(body: Record<string, unknown>, partials: number, abort: AbortController): Promise<api.ImagesResponse | null> {
  try {
    setProgress(null, 'Generating…');
    const completed = await api.postStream(
      '/v1/images/generations',
      { ...body, stream: true, partial_images: partials },
      (event) => {
        const index = (event.partial_image_index ?? 0) + 1;
        if (event.b64_json) showPartial(event.b64_json, String(event.output_format ?? 'png'), `Partial preview ${index}`);
        setProgress(index / (partials + 1), `Preview ${index} of ${partials}`);
      },
      abort.signal,
    );
    if (completed.response) return completed.response as api.ImagesResponse;
    return {
      data: [{ b64_json: completed.b64_json }],
      output_format: String(completed.output_format ?? 'png'),
      usage: completed.usage as Record<string, unknown>,
      easel: completed.easel as Record<string, unknown>,
    };
  } catch (error) {
    if (unsupportedBy(error, ['stream', 'partial_images'])) return null;
    throw error;
  }
}

export async function generateAsJob(body: Record<string, unknown>, abort: AbortController): Promise<api.ImagesResponse | null> {
  let job: api.Job;
  try {
    job = await api.submitJob({ ...body, endpoint: 'generations' });
  } catch (error) {
    // A server whose jobs run edits only answers for the edit's fields (a missing image, an unknown field).
    if (error instanceof ApiError && error.status === 400 && ['endpoint', 'image', 'seed', 'steps', 'negative_prompt'].includes(error.param ?? '')) return null;
    throw error;
  }
  setRunning({ abort, jobId: job.id });
  while (job.state === 'queued' || job.state === 'running') {
    setProgress(job.state === 'queued' ? 0 : job.progress, job.state === 'queued' ? 'Queued…' : `Generating… ${Math.round(job.progress * 100)} %`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (abort.signal.aborted) throw new DOMException('cancelled', 'AbortError');
    job = await api.getJob(job.id);
  }
  if (job.state === 'cancelled') throw new DOMException('cancelled', 'AbortError');
  if (job.state === 'failed' || !job.result) {
    throw new ApiError(job.error?.message ?? 'the job failed', 400, job.error?.param ?? null, job.error?.code ?? null);
  }
  return job.result;
}

export async function cancel(): Promise<void> {
  const running = state.running;
  if (!running) return;
  setProgress(null, 'Cancelling…');
  running.abort.abort();
  if (running.jobId) {
    try {
      await api.cancelJob(running.jobId);
    } catch (error) {
      showError(error);
    }
  }
}
