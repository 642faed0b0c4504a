// The Easel workspace: one page that drives `easel serve`'s API (docs/web.md). This file wires the
// page's controls to the sections, each in its own module: feedback (errors, progress), model_picker,
// inputs, canvas, plan_preview, running, results, session, compare_view, model_compare, tabs.
import './style.css';
import * as api from './api';
import { byId } from './dom';
import { MaskPainter } from './mask';
import { renderCompare, updateSlider } from './compare_view';
import { clearError } from './feedback';
import { addFiles, setMode, updateSizeHint } from './inputs';
import { runModels } from './model_compare';
import { describeModel, refreshModels } from './model_picker';
import { previewNow, schedulePreview } from './plan_preview';
import { continueEditing, download, redo, renderHistory, undo } from './results';
import { cancel, run } from './running';
import { restoreSession, startOver } from './session';
import { selectTab, tabs } from './tabs';
import { type Mode, mask, state, ui } from './workspace';

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
