// The connection and the model picker: what each installed model runs, or why it cannot.
import * as api from './api';
import { ApiError, type ModelEntry } from './api';
import { el } from './dom';
import { showError } from './feedback';
import { fillModelChoices } from './model_compare';
import { state, ui } from './workspace';

export async function refreshModels(): Promise<void> {
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
  fillLoraPicker();
}

// Installed LoRA files, each with a check box and its scale (docs/models.md, "LoRA"); the server checks
// the scale's range and whether the LoRA fits the chosen model.
export function fillLoraPicker(): void {
  const chosen = new Map(chosenLoras().map((lora) => [lora.name, lora.scale]));
  const loras = state.models.filter((model) => model.easel.kind === 'lora');
  if (loras.length === 0) {
    ui.loraChoices.replaceChildren(el('p', { class: 'hint', text: 'No LoRA installed: put .safetensors LoRA files in the models folder (docs/models.md, "LoRA").' }));
    return;
  }
  ui.loraChoices.replaceChildren(
    ...loras.map((lora) => {
      const use = el('input', { type: 'checkbox', value: lora.id }) as HTMLInputElement;
      use.checked = chosen.has(lora.id);
      const scale = el('input', { type: 'number', min: '-10', max: '10', step: '0.05', value: String(chosen.get(lora.id) ?? 1) }) as HTMLInputElement;
      scale.setAttribute('aria-label', `Scale of ${lora.id}`);
      scale.dataset.lora = lora.id;
      return el('div', { class: 'lora' }, el('label', {}, use, ` ${lora.id} (${lora.easel.variant ?? 'LoRA'})`), scale);
    }),
  );
}

export function chosenLoras(): { name: string; scale: number }[] {
  return Array.from(ui.loraChoices.querySelectorAll<HTMLInputElement>('input[type="checkbox"]:checked')).map((use) => {
    const scale = ui.loraChoices.querySelector<HTMLInputElement>(`input[type="number"][data-lora="${CSS.escape(use.value)}"]`);
    return { name: use.value, scale: scale && scale.value.trim() !== '' ? Number(scale.value) : 1 };
  });
}

// Generations pick a diffusion model; edits pick the edit engine alone (its generative steps run the
// server's default model) or the edit engine with an installed diffusion model for its generative steps.
export function modelsForMode(): ModelEntry[] {
  return state.models.filter((model) => model.easel.kind === 'diffusion' || (state.mode === 'edit' && model.easel.kind === 'edit'));
}

export function modelLabel(model: ModelEntry): string {
  if (model.easel.kind !== 'diffusion') return model.id;
  const what = model.easel.problem ? 'cannot be used' : (model.easel.family ?? 'diffusion');
  return state.mode === 'edit' ? `easel-edit, generative steps with ${model.id} (${what})` : `${model.id} (${what})`;
}

export function fillModelPicker(): void {
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

export function describeModel(): void {
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
  if ((model.easel.missing ?? []).length > 0 && model.easel.base) parts.push(`takes ${model.easel.missing!.join(', ')} from its base ${model.easel.base}`);
  if (model.easel.engine_available === false) parts.push('this server was built without the diffusion engine, so it cannot run it');
  ui.modelInfo.textContent = `${parts.join(' — ')}.`;
}

// For each generative operation, the installed models that run it, or that none does.
export function generativeCoverage(operations: string[]): string {
  if (operations.length === 0) return '';
  const runnable = state.models.filter((model) => model.easel.kind === 'diffusion' && !model.easel.problem && model.easel.engine_available !== false);
  const lines = operations.map((operation) => {
    const by = runnable.filter((model) => (model.easel.enables ?? []).includes(operation)).map((model) => model.id);
    return `${operation}: ${by.length ? by.join(', ') : 'no installed model runs it (easel models pull one that does)'}`;
  });
  return `Generative operations and the models that run them — ${lines.join('; ')}.`;
}
