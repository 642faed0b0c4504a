// The workspace's state and the page's controls, shared by every section.
import { type ModelEntry, type PlanPreview } from './api';
import { byId } from './dom';
import { History } from './history';
import { type Picture } from './images';
import { MaskPainter } from './mask';

export type Mode = 'edit' | 'generate';

export const state = {
  mode: 'edit' as Mode,
  uploads: [] as Picture[], // [0] the source, the rest references
  history: new History(),
  models: [] as ModelEntry[],
  preview: null as PlanPreview | null,
  previewFor: '',
  running: null as { abort: AbortController; jobId?: string } | null,
  drawnBase: null as Picture | null, // the picture the canvas shows
};

export const ui = {
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
  loraChoices: byId('lora-choices'),
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

export const mask = new MaskPainter(ui.maskCanvas);
