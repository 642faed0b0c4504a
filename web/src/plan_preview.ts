// The plan preview: what the server would do with the instruction, asked for as the user types.
import * as api from './api';
import { type PlanPreview } from './api';
import { el } from './dom';
import { renderPlanPreview } from './views';
import { showError } from './feedback';
import { instruction, sizeValue } from './inputs';
import { mask, state, ui } from './workspace';

let previewTimer = 0;
let previewAbort: AbortController | null = null;

export function schedulePreview(): void {
  window.clearTimeout(previewTimer);
  if (state.mode !== 'edit') return;
  previewTimer = window.setTimeout(() => void previewNow(false), 350);
}

export async function previewNow(reportErrors: boolean): Promise<PlanPreview | null> {
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

export function wantsMask(): boolean {
  return ui.useMask.checked && mask.hasMask();
}
