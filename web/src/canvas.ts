// The canvas: the image the next edit starts from, under the mask painter.
import { type Picture } from './images';
import { mask, state, ui } from './workspace';

export function baseForEdit(): Picture | null {
  const round = state.history.currentRound();
  if (round && round.results.length > 0) return round.results[round.chosen];
  return state.uploads[0] ?? null;
}

export async function renderCanvas(): Promise<void> {
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
  if (!picture || picture === state.drawnBase) return;
  state.drawnBase = picture;
  const image = new Image();
  image.src = picture.url;
  await image.decode();
  ui.sourceCanvas.width = picture.width;
  ui.sourceCanvas.height = picture.height;
  ui.sourceCanvas.getContext('2d')!.drawImage(image, 0, 0);
  ui.canvasWrap.style.aspectRatio = `${picture.width} / ${picture.height}`;
  mask.reset(picture.width, picture.height);
}
