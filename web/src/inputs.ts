// Mode, uploaded images and settings (size presets, the instruction with its Preserve:/Edit: fields).
import { el } from './dom';
import { pictureFrom } from './images';
import { baseForEdit, renderCanvas } from './canvas';
import { FieldError, clearError, showError } from './feedback';
import { fillModelPicker } from './model_picker';
import { schedulePreview } from './plan_preview';
import { renderHistory } from './results';
import { type Mode, state, ui } from './workspace';

export function setMode(mode: Mode): void {
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

export async function addFiles(files: File[]): Promise<void> {
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

export function setModeRadio(mode: Mode): void {
  document.querySelector<HTMLInputElement>(`input[name="mode"][value="${mode}"]`)!.checked = true;
  setMode(mode);
}

export function renderInputs(): void {
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

export const presets: [string, number, number][] = [
  ['1:1', 1, 1],
  ['4:3', 4, 3],
  ['3:4', 3, 4],
  ['3:2', 3, 2],
  ['2:3', 2, 3],
  ['16:9', 16, 9],
  ['9:16', 9, 16],
];

export function fillPresets(): void {
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

export function baseArea(): number {
  const picture = state.mode === 'edit' ? baseForEdit() : null;
  if (picture) return picture.width * picture.height;
  const w = Number(ui.width.value) || 512;
  const h = Number(ui.height.value) || 512;
  return w * h;
}

export function sizeValue(): string {
  const w = ui.width.value.trim();
  const h = ui.height.value.trim();
  if (!w && !h) return 'auto';
  return `${w || '?'}x${h || '?'}`;
}

export function updateSizeHint(): void {
  const size = sizeValue();
  ui.sizeHint.textContent =
    size === 'auto'
      ? state.mode === 'edit'
        ? 'auto: the result keeps the image’s own size.'
        : 'auto: 512×512.'
      : `${size.replace('x', ' × ')} px${state.mode === 'edit' ? ': the result is centre-cropped to this aspect, then resized' : ''}.`;
}

export function instruction(): string {
  const parts = [ui.prompt.value.trim()];
  if (state.mode === 'edit') {
    if (ui.preserve.value.trim()) parts.push(`Preserve: ${ui.preserve.value.trim()}`);
    if (ui.editField.value.trim()) parts.push(`Edit: ${ui.editField.value.trim()}`);
  }
  return parts.filter(Boolean).join('\n');
}
