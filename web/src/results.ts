// Results, report and the round tree: choosing a variation, going back, downloading.
import { type PlanPreview } from './api';
import { byId, el } from './dom';
import { encodePicture, extensionOf } from './images';
import { renderReport, renderRunPlan } from './views';
import { renderSegmentationNotice } from './segmentation_notice';
import { renderCanvas } from './canvas';
import { renderCompare } from './compare_view';
import { setProgress, showError } from './feedback';
import { setModeRadio } from './inputs';
import { keepSessionSoon } from './session';
import { selectTab } from './tabs';
import { state, ui } from './workspace';

export const roundPreviews = new Map<number, PlanPreview | null>();

export function finishRound(): void {
  state.drawnBase = null;
  renderAll();
  selectTab('results');
  // In one column (phones) the results are below the controls: bring them into view.
  if (window.matchMedia('(max-width: 1000px)').matches) byId('stage-heading').parentElement!.scrollIntoView({ block: 'start' });
}

export function renderAll(): void {
  renderResults();
  renderHistory();
  void renderCanvas();
  void renderCompare();
}

export function renderResults(): void {
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
        state.drawnBase = null;
        renderAll();
      });
      return el('li', {}, button, el('span', { class: 'hint', text: `${picture.width}×${picture.height}` }));
    }),
  );
  renderReport(ui.reportView, round.easel, round.usage);
  if (round.mode === 'edit' && round.easel?.plan) renderRunPlan(ui.planView, round.easel.plan, round.easel.report, roundPreviews.get(round.id) ?? null);
}

export function renderHistory(): void {
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

export function goTo(id: number | null): void {
  state.history.current = id;
  const round = state.history.currentRound();
  if (round && round.mode !== state.mode && round.mode === 'edit') setModeRadio('edit');
  state.drawnBase = null;
  renderAll();
  setProgress(0, id === null ? 'Back at the start.' : `Round ${id} selected; a new run continues from it.`);
}

export function undo(): void {
  if (!state.history.canUndo()) return;
  state.history.undo();
  goTo(state.history.current);
}

export function redo(): void {
  if (!state.history.canRedo()) return;
  state.history.redo();
  goTo(state.history.current);
}

export async function download(): Promise<void> {
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

export function continueEditing(): void {
  const round = state.history.currentRound();
  if (!round) return;
  setModeRadio('edit');
  state.drawnBase = null;
  void renderCanvas();
  selectTab('canvas');
  ui.prompt.focus();
}
