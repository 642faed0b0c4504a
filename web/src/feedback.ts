// Errors and progress: a server error shown beside the control that sets its field.
import { ApiError } from './api';
import { byId, el } from './dom';
import { ui } from './workspace';

// The request field a server error names → the control that sets it.
export const fieldControls: Record<string, string> = {
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

export function labelOf(control: HTMLElement): string {
  const label = document.querySelector<HTMLLabelElement>(`label[for="${control.id}"]`);
  return (label?.textContent ?? control.id).replace(/…$/, '').trim();
}

export function clearError(): void {
  ui.error.hidden = true;
  ui.error.replaceChildren();
  for (const invalid of document.querySelectorAll('[aria-invalid="true"]')) invalid.removeAttribute('aria-invalid');
}

export function showError(error: unknown): void {
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

export function focusControl(control: HTMLElement): void {
  const visible = control === ui.fileInput ? document.querySelector<HTMLElement>('label[for="file-input"]')! : control;
  if (control === ui.fileInput) ui.fileInput.focus();
  visible.scrollIntoView({ block: 'center' });
  (control as HTMLInputElement).focus?.();
}

export class FieldError extends Error {
  constructor(
    readonly control: HTMLElement,
    message: string,
  ) {
    super(message);
  }
}

export function setProgress(fraction: number | null, text: string): void {
  if (fraction === null) ui.progressBar.removeAttribute('value');
  else ui.progressBar.value = Math.max(0, Math.min(1, fraction));
  ui.progressText.textContent = text;
}
