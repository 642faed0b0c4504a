// Models side by side: one prompt and seed through each installed generation model.
import * as api from './api';
import { el } from './dom';
import { FieldError, clearError, setProgress, showError } from './feedback';
import { generationBody, picturesOf, setRunning } from './running';
import { state, ui } from './workspace';

export function fillModelChoices(): void {
  const diffusion = state.models.filter((model) => model.easel.kind === 'diffusion');
  const legend = ui.modelChoices.querySelector('legend')!;
  ui.modelChoices.replaceChildren(
    legend,
    // A model that cannot be used (no sidecar, no base, a broken file) is shown with the reason, and not run.
    ...diffusion.map((model) => {
      const usable = !model.easel.problem;
      return el(
        'label',
        { class: 'toggle' },
        el('input', { type: 'checkbox', name: 'compare-model', value: model.id, checked: usable, disabled: !usable }),
        ` ${model.id}`,
        usable ? null : el('span', { class: 'hint', text: ` — cannot be used: ${model.easel.problem}` }),
      );
    }),
  );
  if (diffusion.length === 0) ui.modelChoices.append(el('p', { class: 'hint', text: 'No generation models installed.' }));
}

export async function runModels(): Promise<void> {
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
