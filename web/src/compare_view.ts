// Compare: the result against its source (slider, side by side, difference heat map).
import { drawDifference } from './compare';
import { state, ui } from './workspace';

export async function renderCompare(): Promise<void> {
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

export function updateSlider(): void {
  const position = Number(ui.comparePosition.value);
  ui.compareAfterClip.style.clipPath = `inset(0 ${100 - position}% 0 0)`;
  ui.compareDivider.style.left = `${position}%`;
  ui.comparePosition.setAttribute('aria-valuetext', `${position} % of the result shown`);
}
