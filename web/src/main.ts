// The Easel workspace: one page that drives `easel serve`'s API (docs/web.md). Sections below: state,
// inputs, settings, plan preview, running (edits stream, text-to-image jobs), results, compare, history,
// models side by side, errors.
import './style.css';
import * as api from './api';
import { ApiError, type ModelEntry, type PlanPreview } from './api';
import { drawDifference } from './compare';
import { byId, el } from './dom';
import { History } from './history';
import { loadSession, saveSession } from './persist';
import { blobFromBase64, encodePicture, extensionOf, pictureFrom, type Picture } from './images';
import { MaskPainter } from './mask';
import { renderPlanPreview, renderReport, renderRunPlan } from './views';
import { renderSegmentationNotice } from './segmentation_notice';

type Mode = 'edit' | 'generate';

const state = {
  mode: 'edit' as Mode,
  uploads: [] as Picture[], // [0] the source, the rest references
  history: new History(),
  models: [] as ModelEntry[],
  preview: null as PlanPreview | null,
  previewFor: '',
  running: null as { abort: AbortController; jobId?: string } | null,
};

const ui = {
  apiKey: byId<HTMLInputElement>('api-key'),
  connection: byId('connection'),
  fileInput: byId<HTMLInputElement>('file-input'),
  dropZone: byId('drop-zone'),
  inputList: byId('input-list'),
  prompt: byId<HTMLTextAreaElement>('prompt'),
  promptLabel: byId('prompt-label'),
  preserve: byId<HTMLInputElement>('preserve'),
  editField: byId<HTMLInputElement>('edit-field'),
  negative: byId<HTMLInputElement>('negative'),
  model: byId<HTMLSelectElement>('model'),
  modelInfo: byId('model-info'),
  presets: byId('aspect-presets'),
  width: byId<HTMLInputElement>('width'),
  height: byId<HTMLInputElement>('height'),
  sizeHint: byId('size-hint'),
  quality: byId<HTMLSelectElement>('quality'),
  n: byId<HTMLInputElement>('n'),
  seed: byId<HTMLInputElement>('seed'),
  steps: byId<HTMLInputElement>('steps'),
  partials: byId<HTMLInputElement>('partials'),
  run: byId<HTMLButtonElement>('run'),
  cancel: byId<HTMLButtonElement>('cancel'),
  previewPlan: byId<HTMLButtonElement>('preview-plan'),
  progressBar: byId<HTMLProgressElement>('progress-bar'),
  progressText: byId('progress-text'),
  error: byId('error'),
  planView: byId('plan-view'),
  canvasEmpty: byId('canvas-empty'),
  canvasCaption: byId('canvas-caption'),
  canvasWrap: byId('canvas-wrap'),
  sourceCanvas: byId<HTMLCanvasElement>('source-canvas'),
  maskCanvas: byId<HTMLCanvasElement>('mask-canvas'),
  livePreview: byId<HTMLImageElement>('live-preview'),
  useMask: byId<HTMLInputElement>('use-mask'),
  brushSize: byId<HTMLInputElement>('brush-size'),
  gallery: byId('gallery'),
  resultsEmpty: byId('results-empty'),
  resultActions: byId('result-actions'),
  downloadFormat: byId<HTMLSelectElement>('download-format'),
  downloadQuality: byId<HTMLInputElement>('download-quality'),
  downloadQualityValue: byId<HTMLOutputElement>('download-quality-value'),
  report: byId('report'),
  reportView: byId('report-view'),
  compareEmpty: byId('compare-empty'),
  compareFrame: byId('compare-frame'),
  compareSlider: byId('compare-slider'),
  compareBefore: byId<HTMLImageElement>('compare-before'),
  compareAfter: byId<HTMLImageElement>('compare-after'),
  compareAfterClip: byId('compare-after-clip'),
  compareDivider: byId('compare-divider'),
  compareHeatmap: byId<HTMLCanvasElement>('compare-heatmap'),
  compareSide: byId('compare-side'),
  sideBefore: byId<HTMLImageElement>('side-before'),
  sideAfter: byId<HTMLImageElement>('side-after'),
  comparePosition: byId<HTMLInputElement>('compare-position'),
  comparePositionLabel: byId('compare-position-label'),
  compareStats: byId('compare-stats'),
  zoomActual: byId<HTMLInputElement>('zoom-actual'),
  modelChoices: byId('model-choices'),
  modelGrid: byId('model-grid'),
  undo: byId<HTMLButtonElement>('undo'),
  redo: byId<HTMLButtonElement>('redo'),
  startOver: byId<HTMLButtonElement>('start-over'),
  historyStorage: byId('history-storage'),
  historyTree: byId('history-tree'),
};

const mask = new MaskPainter(ui.maskCanvas);

// ---- errors and progress --------------------------------------------------------------------------

// The request field a server error names → the control that sets it.
const fieldControls: Record<string, string> = {
  prompt: 'prompt',
  plan: 'prompt',
  size: 'width',
  n: 'n',
  seed: 'seed',
  steps: 'steps',
  model: 'model',
  image: 'file-input',
  mask: 'use-mask',
  quality: 'quality',
  partial_images: 'partials',
  negative_prompt: 'negative',
  guidance_scale: 'steps',
  references: 'file-input',
};

function labelOf(control: HTMLElement): string {
  const label = document.querySelector<HTMLLabelElement>(`label[for="${control.id}"]`);
  return (label?.textContent ?? control.id).replace(/…$/, '').trim();
}

function clearError(): void {
  ui.error.hidden = true;
  ui.error.replaceChildren();
  for (const invalid of document.querySelectorAll('[aria-invalid="true"]')) invalid.removeAttribute('aria-invalid');
}

function showError(error: unknown): void {
  if ((error as Error)?.name === 'AbortError') return;
  clearError();
  let control: HTMLElement | null = null;
  let heading = 'Error';
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ApiError) {
    if (error.status === 401) control = ui.apiKey;
    else if (error.param && fieldControls[error.param]) control = byId(fieldControls[error.param]);
    heading = control ? labelOf(control) : error.status === 429 ? 'The server is busy' : error.status >= 500 ? 'Server error' : 'Request refused';
  } else if (error instanceof FieldError) {
    control = error.control;
    heading = labelOf(control);
  }
  const detail =
    error instanceof ApiError ? [error.param ? `field ${error.param}` : '', error.code ?? '', error.status ? `HTTP ${error.status}` : ''].filter(Boolean).join(' · ') : '';
  ui.error.append(el('strong', { text: `${heading}: ` }), el('span', { class: 'error-message', text: message }));
  if (detail) ui.error.append(el('span', { class: 'error-detail', text: ` (${detail})` }));
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    const target = control;
    ui.error.append(' ', el('button', { type: 'button', class: 'link', text: `Go to ${labelOf(target)}` }));
    ui.error.querySelector('button')!.addEventListener('click', () => focusControl(target));
  }
  ui.error.hidden = false;
}

function focusControl(control: HTMLElement): void {
  const visible = control === ui.fileInput ? document.querySelector<HTMLElement>('label[for="file-input"]')! : control;
  if (control === ui.fileInput) ui.fileInput.focus();
  visible.scrollIntoView({ block: 'center' });
  (control as HTMLInputElement).focus?.();
}

class FieldError extends Error {
  constructor(
    readonly control: HTMLElement,
    message: string,
  ) {
    super(message);
  }
}

function setProgress(fraction: number | null, text: string): void {
  if (fraction === null) ui.progressBar.removeAttribute('value');
  else ui.progressBar.value = Math.max(0, Math.min(1, fraction));
  ui.progressText.textContent = text;
}

// ---- connection and models ------------------------------------------------------------------------

async function refreshModels(): Promise<void> {
  try {
    state.models = await api.listModels();
    const diffusion = state.models.filter((model) => model.easel.kind === 'diffusion').length;
    ui.connection.textContent = `Connected · ${diffusion} generation model${diffusion === 1 ? '' : 's'} installed`;
    ui.connection.className = 'connection ok';
  } catch (error) {
    state.models = [];
    ui.connection.textContent = error instanceof ApiError && error.status === 401 ? 'Enter the API key the server was started with' : 'Not connected';
    ui.connection.className = 'connection bad';
    if (!(error instanceof ApiError && error.code === 'missing_api_key')) showError(error);
  }
  fillModelPicker();
  fillModelChoices();
}

// Generations pick a diffusion model; edits pick the edit engine alone (its generative steps run the
// server's default model) or the edit engine with an installed diffusion model for its generative steps.
function modelsForMode(): ModelEntry[] {
  return state.models.filter((model) => model.easel.kind === 'diffusion' || (state.mode === 'edit' && model.easel.kind === 'edit'));
}

function modelLabel(model: ModelEntry): string {
  if (model.easel.kind !== 'diffusion') return model.id;
  const what = model.easel.problem ? 'cannot be used' : (model.easel.family ?? 'diffusion');
  return state.mode === 'edit' ? `easel-edit, generative steps with ${model.id} (${what})` : `${model.id} (${what})`;
}

function fillModelPicker(): void {
  const previous = ui.model.value;
  const models = modelsForMode();
  ui.model.replaceChildren(
    ...models.map((model) => {
      const option = el('option', { value: model.id, text: modelLabel(model) }) as HTMLOptionElement;
      option.disabled = Boolean(model.easel.problem);
      return option;
    }),
  );
  if (models.some((model) => model.id === previous && !model.easel.problem)) ui.model.value = previous;
  else ui.model.value = models.find((model) => !model.easel.problem)?.id ?? '';
  if (models.length === 0) ui.model.append(el('option', { value: '', text: state.mode === 'edit' ? 'easel-edit' : 'no generation model installed' }));
  describeModel();
}

function describeModel(): void {
  const model = state.models.find((entry) => entry.id === ui.model.value);
  if (!model) {
    ui.modelInfo.textContent =
      state.mode === 'generate' ? 'No generation model is installed: `easel models pull NAME` adds one (docs/models.md).' : '';
    return;
  }
  if (model.easel.kind === 'edit') {
    const operations = model.easel.operations ?? [];
    ui.modelInfo.textContent = `The edit engine: ${operations.length} operations without a model (${operations.slice(0, 8).join(', ')}${operations.length > 8 ? ', …' : ''}). ${generativeCoverage(model.easel.generative_operations ?? [])}`;
    return;
  }
  const enables = model.easel.enables ?? [];
  const parts = [`${model.easel.family ?? ''} ${model.easel.variant ?? ''}`.trim()];
  if (model.easel.problem) parts.push(`cannot be used: ${model.easel.problem}`);
  else parts.push(enables.length ? `enables ${enables.join(', ')}` : 'enables nothing Easel runs');
  if ((model.easel.missing ?? []).length > 0) parts.push(`lacks ${model.easel.missing!.join(', ')} (taken from a base model of the same family when one is installed; docs/models.md)`);
  if (model.easel.engine_available === false) parts.push('this server was built without the diffusion engine, so it cannot run it');
  ui.modelInfo.textContent = `${parts.join(' — ')}.`;
}

// For each generative operation, the installed models that run it, or that none does.
function generativeCoverage(operations: string[]): string {
  if (operations.length === 0) return '';
  const runnable = state.models.filter((model) => model.easel.kind === 'diffusion' && !model.easel.problem && model.easel.engine_available !== false);
  const lines = operations.map((operation) => {
    const by = runnable.filter((model) => (model.easel.enables ?? []).includes(operation)).map((model) => model.id);
    return `${operation}: ${by.length ? by.join(', ') : 'no installed model runs it (easel models pull one that does)'}`;
  });
  return `Generative operations and the models that run them — ${lines.join('; ')}.`;
}

// ---- mode, inputs and settings --------------------------------------------------------------------

function setMode(mode: Mode): void {
  state.mode = mode;
  for (const element of document.querySelectorAll<HTMLElement>('[data-mode-only]')) element.hidden = element.dataset.modeOnly !== mode;
  ui.promptLabel.textContent = mode === 'edit' ? 'Instruction' : 'Prompt';
  ui.prompt.placeholder = mode === 'edit' ? 'add the text "Morning Blend" at the top' : 'a lighthouse at dusk, oil painting';
  ui.n.max = mode === 'edit' ? '1' : '8';
  if (mode === 'edit') ui.n.value = '1';
  if (mode === 'generate' && !ui.width.value) {
    ui.width.value = '512';
    ui.height.value = '512';
  }
  fillPresets();
  fillModelPicker();
  renderCanvas();
  updateSizeHint();
}

async function addFiles(files: File[]): Promise<void> {
  clearError();
  const images = files.filter((file) => /^image\/(png|jpeg|webp)$/.test(file.type));
  if (images.length < files.length) showError(new FieldError(ui.fileInput, 'only PNG, JPEG and WebP images can be edited'));
  const hadSource = state.uploads.length > 0;
  for (const file of images) {
    try {
      state.uploads.push(await pictureFrom(file, file.name));
    } catch (error) {
      showError(new FieldError(ui.fileInput, (error as Error).message));
    }
  }
  if (state.uploads.length > 16) {
    state.uploads.length = 16;
    showError(new FieldError(ui.fileInput, 'at most 16 images: the source and 15 references'));
  }
  if (!hadSource && state.uploads.length > 0) state.history.current = null; // a new source starts from itself
  if (state.mode !== 'edit' && state.uploads.length > 0) setModeRadio('edit');
  renderInputs();
  renderCanvas();
  renderHistory();
  schedulePreview();
}

function setModeRadio(mode: Mode): void {
  document.querySelector<HTMLInputElement>(`input[name="mode"][value="${mode}"]`)!.checked = true;
  setMode(mode);
}

function renderInputs(): void {
  ui.inputList.replaceChildren(
    ...state.uploads.map((picture, index) => {
      const role = index === 0 ? 'Source' : `Reference ${index}`;
      const remove = el('button', { type: 'button', class: 'small', 'aria-label': `Remove ${role.toLowerCase()} ${picture.name}`, text: 'Remove' });
      remove.addEventListener('click', () => {
        state.uploads.splice(index, 1);
        if (index === 0) state.history.current = null;
        renderInputs();
        renderCanvas();
        renderHistory();
        schedulePreview();
      });
      const promote = index > 0 ? el('button', { type: 'button', class: 'small', 'aria-label': `Use ${picture.name} as the source`, text: 'Make source' }) : null;
      promote?.addEventListener('click', () => {
        state.uploads.unshift(...state.uploads.splice(index, 1));
        state.history.current = null;
        renderInputs();
        renderCanvas();
        renderHistory();
      });
      return el(
        'li',
        {},
        el('img', { src: picture.url, alt: '', width: 48, height: 48 }),
        el('span', { class: 'input-name' }, el('strong', { text: role }), ` ${picture.name} · ${picture.width}×${picture.height}`),
        promote,
        remove,
      );
    }),
  );
}

const presets: [string, number, number][] = [
  ['1:1', 1, 1],
  ['4:3', 4, 3],
  ['3:4', 3, 4],
  ['3:2', 3, 2],
  ['2:3', 2, 3],
  ['16:9', 16, 9],
  ['9:16', 9, 16],
];

function fillPresets(): void {
  const buttons: HTMLButtonElement[] = [];
  if (state.mode === 'edit') {
    const original = el('button', { type: 'button', class: 'chip', text: 'Original' });
    original.addEventListener('click', () => {
      ui.width.value = '';
      ui.height.value = '';
      updateSizeHint();
      schedulePreview();
    });
    buttons.push(original);
  }
  for (const [name, w, h] of presets) {
    const button = el('button', { type: 'button', class: 'chip', text: name, 'aria-label': `Aspect ratio ${name}` });
    button.addEventListener('click', () => {
      // Keeps about the current area (512² by default), in multiples of 16 as the API requires.
      const base = baseArea();
      const scale = Math.sqrt(base / (w * h));
      ui.width.value = String(Math.max(16, Math.round((w * scale) / 16) * 16));
      ui.height.value = String(Math.max(16, Math.round((h * scale) / 16) * 16));
      updateSizeHint();
      schedulePreview();
    });
    buttons.push(button);
  }
  ui.presets.replaceChildren(...buttons);
}

function baseArea(): number {
  const picture = state.mode === 'edit' ? baseForEdit() : null;
  if (picture) return picture.width * picture.height;
  const w = Number(ui.width.value) || 512;
  const h = Number(ui.height.value) || 512;
  return w * h;
}

function sizeValue(): string {
  const w = ui.width.value.trim();
  const h = ui.height.value.trim();
  if (!w && !h) return 'auto';
  return `${w || '?'}x${h || '?'}`;
}

function updateSizeHint(): void {
  const size = sizeValue();
  ui.sizeHint.textContent =
    size === 'auto'
      ? state.mode === 'edit'
        ? 'auto: the result keeps the image’s own size.'
        : 'auto: 512×512.'
      : `${size.replace('x', ' × ')} px${state.mode === 'edit' ? ': the result is centre-cropped to this aspect, then resized' : ''}.`;
}

function instruction(): string {
  const parts = [ui.prompt.value.trim()];
  if (state.mode === 'edit') {
    if (ui.preserve.value.trim()) parts.push(`Preserve: ${ui.preserve.value.trim()}`);
    if (ui.editField.value.trim()) parts.push(`Edit: ${ui.editField.value.trim()}`);
  }
  return parts.filter(Boolean).join('\n');
}

// ---- canvas and mask ------------------------------------------------------------------------------

function baseForEdit(): Picture | null {
  const round = state.history.currentRound();
  if (round && round.results.length > 0) return round.results[round.chosen];
  return state.uploads[0] ?? null;
}

let drawnBase: Picture | null = null;

async function renderCanvas(): Promise<void> {
  const round = state.history.currentRound();
  const picture = state.mode === 'edit' ? baseForEdit() : (round?.results[round.chosen] ?? null);
  ui.canvasEmpty.hidden = picture !== null;
  ui.canvasWrap.hidden = picture === null;
  ui.canvasEmpty.textContent = state.mode === 'edit' ? 'Drop a photo here or choose images to edit.' : 'Type a prompt and run to generate an image.';
  ui.maskCanvas.hidden = state.mode !== 'edit';
  document.querySelector<HTMLElement>('.mask-tools')!.hidden = state.mode !== 'edit' || picture === null;
  ui.canvasCaption.textContent = !picture
    ? ''
    : round && round.results.includes(picture)
      ? `Round ${round.id}, variation ${round.chosen + 1} (${picture.width}×${picture.height})${state.mode === 'edit' ? ': the next edit starts from this image. Paint a mask to limit it.' : ''}`
      : `${picture.name} (${picture.width}×${picture.height}): paint a mask to limit the edit, or leave it empty to edit the whole image.`;
  if (!picture || picture === drawnBase) return;
  drawnBase = picture;
  const image = new Image();
  image.src = picture.url;
  await image.decode();
  ui.sourceCanvas.width = picture.width;
  ui.sourceCanvas.height = picture.height;
  ui.sourceCanvas.getContext('2d')!.drawImage(image, 0, 0);
  ui.canvasWrap.style.aspectRatio = `${picture.width} / ${picture.height}`;
  mask.reset(picture.width, picture.height);
}

// ---- plan preview ---------------------------------------------------------------------------------

let previewTimer = 0;
let previewAbort: AbortController | null = null;

function schedulePreview(): void {
  window.clearTimeout(previewTimer);
  if (state.mode !== 'edit') return;
  previewTimer = window.setTimeout(() => void previewNow(false), 350);
}

async function previewNow(reportErrors: boolean): Promise<PlanPreview | null> {
  const text = instruction();
  if (!text) {
    ui.planView.replaceChildren(el('p', { class: 'hint', text: 'Type an instruction to see what it will do.' }));
    state.preview = null;
    return null;
  }
  const size = sizeValue();
  const key = `${text}|${Math.max(0, state.uploads.length - 1)}|${wantsMask()}|${size}`;
  if (state.preview && state.previewFor === key) return state.preview;
  previewAbort?.abort();
  previewAbort = new AbortController();
  try {
    const preview = await api.previewPlan(text, Math.max(0, state.uploads.length - 1), wantsMask(), size, previewAbort.signal);
    state.preview = preview;
    state.previewFor = key;
    // The plan as run stays on screen until the instruction changes.
    if (state.running || state.history.currentRound()?.prompt !== text) renderPlanPreview(ui.planView, preview);
    return preview;
  } catch (error) {
    if ((error as Error).name === 'AbortError') return null;
    if (reportErrors) showError(error);
    else ui.planView.replaceChildren(el('p', { class: 'hint', text: `No preview: ${(error as Error).message}` }));
    return null;
  }
}

function wantsMask(): boolean {
  return ui.useMask.checked && mask.hasMask();
}

// ---- running --------------------------------------------------------------------------------------

function setRunning(running: { abort: AbortController; jobId?: string } | null): void {
  state.running = running;
  ui.run.disabled = running !== null;
  ui.cancel.disabled = running === null;
  byId<HTMLButtonElement>('run-models').disabled = running !== null;
  if (!running) ui.livePreview.hidden = true;
}

function showPartial(b64: string, format: string, label: string): void {
  const url = URL.createObjectURL(blobFromBase64(b64, format));
  const old = ui.livePreview.src;
  ui.livePreview.src = url;
  ui.livePreview.alt = label;
  ui.livePreview.hidden = false;
  if (old.startsWith('blob:')) URL.revokeObjectURL(old);
  selectTab('canvas');
}

async function picturesOf(response: api.ImagesResponse, round: string): Promise<Picture[]> {
  const format = response.output_format ?? 'png';
  const pictures: Picture[] = [];
  for (const [index, item] of response.data.entries()) {
    const blob = item.b64_json ? blobFromBase64(item.b64_json, format) : await api.fetchAsset(item.url ?? `/v1/assets/${item.asset_id}`);
    pictures.push(await pictureFrom(blob, `${round}-${index + 1}.${format === 'jpeg' ? 'jpg' : format}`));
  }
  return pictures;
}

async function run(): Promise<void> {
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

async function runEdit(): Promise<void> {
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

function generationBody(model: string): Record<string, unknown> {
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
  return body;
}

// Text-to-image: streamed with partial previews when asked for one image, otherwise a job whose
// progress advances per denoising step. Servers without either fall back to the plain endpoint.
async function runGenerate(): Promise<void> {
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

function unsupportedBy(error: unknown, fields: string[]): boolean {
  return error instanceof ApiError && error.status === 400 && fields.includes(error.param ?? '') && /unknown_parameter|unsupported/.test(error.code ?? '');
}

async function generateStreamed(body: Record<string, unknown>, partials: number, abort: AbortController): Promise<api.ImagesResponse | null> {
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

async function generateAsJob(body: Record<string, unknown>, abort: AbortController): Promise<api.ImagesResponse | null> {
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

async function cancel(): Promise<void> {
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

// ---- results, report, history ---------------------------------------------------------------------

const roundPreviews = new Map<number, PlanPreview | null>();

function finishRound(): void {
  drawnBase = null;
  renderAll();
  selectTab('results');
  // In one column (phones) the results are below the controls: bring them into view.
  if (window.matchMedia('(max-width: 1000px)').matches) byId('stage-heading').parentElement!.scrollIntoView({ block: 'start' });
}

function renderAll(): void {
  renderResults();
  renderHistory();
  void renderCanvas();
  void renderCompare();
}

function renderResults(): void {
  const round = state.history.currentRound();
  renderSegmentationNotice(byId('segmentation-notice'), round?.easel ?? null);
  ui.resultsEmpty.hidden = round !== null;
  ui.resultActions.hidden = round === null;
  ui.report.hidden = round === null;
  if (!round) {
    ui.gallery.replaceChildren();
    return;
  }
  ui.gallery.replaceChildren(
    ...round.results.map((picture, index) => {
      const button = el(
        'button',
        { type: 'button', class: 'variation', 'aria-pressed': String(index === round.chosen), 'aria-label': `Variation ${index + 1} of ${round.results.length}, ${picture.width}×${picture.height}` },
        el('img', { src: picture.url, alt: `Result ${index + 1}: ${round.prompt}` }),
      );
      button.addEventListener('click', () => {
        round.chosen = index;
        drawnBase = null;
        renderAll();
      });
      return el('li', {}, button, el('span', { class: 'hint', text: `${picture.width}×${picture.height}` }));
    }),
  );
  renderReport(ui.reportView, round.easel, round.usage);
  if (round.mode === 'edit' && round.easel?.plan) renderRunPlan(ui.planView, round.easel.plan, round.easel.report, roundPreviews.get(round.id) ?? null);
}

function renderHistory(): void {
  const items: HTMLElement[] = [];
  const root = el('button', { type: 'button', class: 'round', 'aria-current': String(state.history.current === null) }, 'Start', el('span', { class: 'hint', text: state.uploads[0] ? ` · ${state.uploads[0].name}` : '' }));
  root.addEventListener('click', () => goTo(null));
  items.push(el('li', {}, root));
  state.history.walk((round, depth) => {
    const siblings = state.history.children(round.parent);
    const branch = siblings.length > 1 ? ` · branch ${siblings.indexOf(round) + 1}` : '';
    const button = el(
      'button',
      { type: 'button', class: 'round', 'aria-current': String(round.id === state.history.current) },
      el('img', { src: round.results[round.chosen]?.url ?? '', alt: '', width: 32, height: 32 }),
      el('span', { class: 'round-text' }, el('strong', { text: `Round ${round.id}` }), ` ${round.mode === 'edit' ? 'edit' : 'generate'}${branch}: ${round.prompt.slice(0, 60)}`),
    );
    button.addEventListener('click', () => goTo(round.id));
    items.push(el('li', { style: `padding-left: ${Math.min(depth + 1, 8) * 0.8}rem` }, button));
  });
  ui.historyTree.replaceChildren(...items);
  ui.undo.disabled = !state.history.canUndo();
  ui.redo.disabled = !state.history.canRedo();
  keepSessionSoon();
}

// ---- keeping the session across reloads (persist.ts) -----------------------------------------------

let sessionRestored = false; // nothing is written before the saved session has been read back
let keepTimer = 0;

function keepSessionSoon(): void {
  if (!sessionRestored) return;
  window.clearTimeout(keepTimer);
  keepTimer = window.setTimeout(() => {
    saveSession({ uploads: state.uploads, ...state.history.snapshot() })
      .then(() => (ui.historyStorage.hidden = true))
      .catch((error: Error) => showStorageProblem(error));
  }, 300);
}

function showStorageProblem(error: Error): void {
  ui.historyStorage.hidden = false;
  ui.historyStorage.textContent = `History is not kept in this browser after a reload: ${error.message}`;
}

async function restoreSession(): Promise<void> {
  try {
    const session = await loadSession();
    if (session && (session.uploads.length > 0 || session.rounds.length > 0)) {
      state.uploads = session.uploads;
      state.history.restore(session);
      const round = state.history.currentRound();
      if (round && round.mode !== state.mode) setModeRadio(round.mode);
      renderInputs();
      renderAll();
      setProgress(0, `Restored ${session.rounds.length} ${session.rounds.length === 1 ? 'round' : 'rounds'} kept in this browser.`);
    }
  } catch (error) {
    showStorageProblem(error as Error);
  } finally {
    sessionRestored = true;
  }
}

function startOver(): void {
  if (!window.confirm('Start over? Every round and upload of this workspace is deleted from this browser.')) return;
  state.uploads = [];
  state.history.clear();
  roundPreviews.clear();
  drawnBase = null;
  renderInputs();
  renderAll();
  schedulePreview();
  setProgress(0, 'Started over.');
}

function goTo(id: number | null): void {
  state.history.current = id;
  const round = state.history.currentRound();
  if (round && round.mode !== state.mode && round.mode === 'edit') setModeRadio('edit');
  drawnBase = null;
  renderAll();
  setProgress(0, id === null ? 'Back at the start.' : `Round ${id} selected; a new run continues from it.`);
}

function undo(): void {
  if (!state.history.canUndo()) return;
  state.history.undo();
  goTo(state.history.current);
}

function redo(): void {
  if (!state.history.canRedo()) return;
  state.history.redo();
  goTo(state.history.current);
}

async function download(): Promise<void> {
  const round = state.history.currentRound();
  const picture = round?.results[round.chosen];
  if (!round || !picture) return;
  const type = ui.downloadFormat.value;
  try {
    const blob = await encodePicture(picture, type, Number(ui.downloadQuality.value));
    const link = el('a', { href: URL.createObjectURL(blob), download: `easel-round-${round.id}-${round.chosen + 1}.${extensionOf(type)}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  } catch (error) {
    showError(error);
  }
}

function continueEditing(): void {
  const round = state.history.currentRound();
  if (!round) return;
  setModeRadio('edit');
  drawnBase = null;
  void renderCanvas();
  selectTab('canvas');
  ui.prompt.focus();
}

// ---- compare --------------------------------------------------------------------------------------

async function renderCompare(): Promise<void> {
  const round = state.history.currentRound();
  const before = round?.source ?? null;
  const after = round?.results[round.chosen] ?? null;
  const comparable = before !== null && after !== null;
  ui.compareEmpty.hidden = comparable;
  ui.compareFrame.hidden = !comparable;
  const mode = document.querySelector<HTMLInputElement>('input[name="compare-mode"]:checked')!.value;
  ui.comparePosition.hidden = !comparable || mode !== 'slider';
  ui.comparePositionLabel.hidden = ui.comparePosition.hidden;
  ui.compareStats.textContent = '';
  if (!comparable) return;
  ui.compareFrame.classList.toggle('actual-size', ui.zoomActual.checked);
  ui.compareFrame.style.setProperty('--natural-width', `${after.width}px`);
  ui.compareSlider.hidden = mode !== 'slider';
  ui.compareHeatmap.hidden = mode !== 'heatmap';
  ui.compareSide.hidden = mode !== 'side';
  ui.compareBefore.src = before.url;
  ui.compareAfter.src = after.url;
  ui.sideBefore.src = before.url;
  ui.sideAfter.src = after.url;
  updateSlider();
  if (mode === 'heatmap') {
    const stats = await drawDifference(ui.compareHeatmap, before, after);
    ui.compareStats.textContent =
      `${(stats.changedFraction * 100).toFixed(1)} % of pixels changed; mean difference ${stats.meanDifference.toFixed(1)} of 255` +
      (stats.resized ? ' (the original was scaled to the result’s size).' : '.');
  }
}

function updateSlider(): void {
  const position = Number(ui.comparePosition.value);
  ui.compareAfterClip.style.clipPath = `inset(0 ${100 - position}% 0 0)`;
  ui.compareDivider.style.left = `${position}%`;
  ui.comparePosition.setAttribute('aria-valuetext', `${position} % of the result shown`);
}

// ---- models side by side --------------------------------------------------------------------------

function fillModelChoices(): void {
  const diffusion = state.models.filter((model) => model.easel.kind === 'diffusion');
  const legend = ui.modelChoices.querySelector('legend')!;
  ui.modelChoices.replaceChildren(
    legend,
    ...diffusion.map((model) => el('label', { class: 'toggle' }, el('input', { type: 'checkbox', name: 'compare-model', value: model.id, checked: true }), ` ${model.id}`)),
  );
  if (diffusion.length === 0) ui.modelChoices.append(el('p', { class: 'hint', text: 'No generation models installed.' }));
}

async function runModels(): Promise<void> {
  clearError();
  const chosen = [...document.querySelectorAll<HTMLInputElement>('input[name="compare-model"]:checked')].map((box) => box.value);
  if (chosen.length === 0) return showError(new FieldError(ui.modelChoices, 'choose at least one model'));
  if (!ui.prompt.value.trim()) return showError(new FieldError(ui.prompt, 'type a prompt to compare models on'));
  // One seed for every model, so the comparison differs only by the model.
  if (!ui.seed.value.trim()) ui.seed.value = String(Math.floor(Math.random() * 2 ** 31));
  const abort = new AbortController();
  setRunning({ abort });
  ui.modelGrid.replaceChildren();
  try {
    for (const [index, model] of chosen.entries()) {
      setProgress(index / chosen.length, `Model ${index + 1} of ${chosen.length}: ${model}…`);
      const started = performance.now();
      const cell = el('li', {}, el('p', { class: 'hint', text: `${model}: generating…` }));
      ui.modelGrid.append(cell);
      try {
        const response = await api.generate({ ...generationBody(model), n: '1' }, abort.signal);
        const [picture] = await picturesOf(response, model);
        cell.replaceChildren(
          el('figure', {}, el('img', { src: picture.url, alt: `${model}: ${ui.prompt.value.trim()}` }), el('figcaption', { text: `${model} · seed ${response.easel?.seed ?? ui.seed.value} · ${((performance.now() - started) / 1000).toFixed(1)} s` })),
        );
      } catch (error) {
        if ((error as Error).name === 'AbortError') throw error;
        cell.replaceChildren(el('p', { class: 'error-inline', text: `${model}: ${(error as Error).message}` }));
      }
    }
    setProgress(1, `Compared ${chosen.length} model${chosen.length === 1 ? '' : 's'}.`);
  } catch (error) {
    if ((error as Error).name === 'AbortError') setProgress(0, 'Cancelled.');
    else showError(error);
  } finally {
    setRunning(null);
  }
}

// ---- tabs -----------------------------------------------------------------------------------------

const tabs = ['canvas', 'results', 'compare', 'models'] as const;
type Tab = (typeof tabs)[number];

function selectTab(tab: Tab, focus = false): void {
  for (const name of tabs) {
    const button = byId(`tab-${name}`);
    const selected = name === tab;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    byId(`view-${name}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  if (tab === 'compare') void renderCompare();
}

// ---- wiring ---------------------------------------------------------------------------------------

function wire(): void {
  ui.apiKey.value = api.savedKey();
  byId<HTMLFormElement>('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    api.saveKey(ui.apiKey.value.trim());
    clearError();
    state.preview = null;
    void refreshModels();
    schedulePreview();
  });
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="mode"]')) radio.addEventListener('change', () => setMode(radio.value as Mode));

  ui.fileInput.addEventListener('change', () => {
    void addFiles([...(ui.fileInput.files ?? [])]);
    ui.fileInput.value = '';
  });
  for (const zone of [ui.dropZone, byId('canvas-stage')]) {
    zone.addEventListener('dragover', (event) => {
      event.preventDefault();
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      zone.classList.remove('dragging');
      void addFiles([...(event.dataTransfer?.files ?? [])]);
    });
  }

  for (const input of [ui.prompt, ui.preserve, ui.editField]) input.addEventListener('input', schedulePreview);
  ui.prompt.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void run();
  });
  ui.model.addEventListener('change', describeModel);
  for (const input of [ui.width, ui.height]) {
    input.addEventListener('input', updateSizeHint);
    input.addEventListener('input', schedulePreview);
  }
  ui.previewPlan.addEventListener('click', () => {
    clearError();
    state.preview = null;
    void previewNow(true);
  });
  ui.run.addEventListener('click', () => void run());
  ui.startOver.addEventListener('click', startOver);
  ui.cancel.addEventListener('click', () => void cancel());

  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="mask-tool"]')) {
    radio.addEventListener('change', () => (mask.tool = radio.value as 'brush' | 'eraser'));
  }
  ui.brushSize.addEventListener('input', () => (mask.brushSize = Number(ui.brushSize.value)));
  byId('clear-mask').addEventListener('click', () => mask.clear());
  ui.useMask.addEventListener('change', schedulePreview);
  mask.onChange = schedulePreview;

  ui.downloadQuality.addEventListener('input', () => (ui.downloadQualityValue.value = ui.downloadQuality.value));
  ui.downloadFormat.addEventListener('change', () => (ui.downloadQuality.disabled = ui.downloadFormat.value === 'image/png'));
  ui.downloadQuality.disabled = true;
  byId('download').addEventListener('click', () => void download());
  byId('continue-editing').addEventListener('click', continueEditing);

  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="compare-mode"]')) radio.addEventListener('change', () => void renderCompare());
  ui.zoomActual.addEventListener('change', () => void renderCompare());
  ui.comparePosition.addEventListener('input', updateSlider);

  byId('run-models').addEventListener('click', () => void runModels());
  ui.undo.addEventListener('click', undo);
  ui.redo.addEventListener('click', redo);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && state.running) {
      void cancel();
      return;
    }
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
    if (typing || !(event.ctrlKey || event.metaKey) || event.key.toLowerCase() !== 'z') return;
    event.preventDefault();
    if (event.shiftKey) redo();
    else undo();
  });

  const tabButtons = tabs.map((name) => byId(`tab-${name}`));
  tabButtons.forEach((button, index) => {
    button.addEventListener('click', () => selectTab(tabs[index]));
    button.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step) selectTab(tabs[(index + step + tabs.length) % tabs.length], true);
    });
  });

  // For scripted use and tests: paint the mask along a line given in fractions of the image.
  (window as unknown as { easelMask: MaskPainter }).easelMask = mask;
}

wire();
setMode('edit');
renderHistory();
void refreshModels();
void restoreSession();
