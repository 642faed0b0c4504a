// Difference between an original and a result, as a heat-map drawn in a canvas: per pixel the largest
// channel difference, mapped dark (unchanged) → blue → red → yellow (most changed).
import { pixelsOf, type Picture } from './images';

export interface DifferenceStats {
  changedFraction: number; // pixels whose largest channel difference is above 2/255
  meanDifference: number; // 0..255 over all pixels
  resized: boolean; // the original was scaled to the result's size to compare
}

function heat(value: number): [number, number, number] {
  // value in 0..1; a short colour ramp that stays readable for small differences
  const t = Math.min(1, Math.sqrt(value) * 1.4);
  if (t < 0.33) return [0, 0, Math.round(40 + (t / 0.33) * 215)];
  if (t < 0.66) return [Math.round(((t - 0.33) / 0.33) * 255), 0, Math.round(255 * (1 - (t - 0.33) / 0.33))];
  return [255, Math.round(((t - 0.66) / 0.34) * 255), 0];
}

export async function drawDifference(canvas: HTMLCanvasElement, original: Picture, result: Picture): Promise<DifferenceStats> {
  const { width, height } = result;
  const before = await pixelsOf(original, width, height);
  const after = await pixelsOf(result, width, height);
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d')!;
  const out = context.createImageData(width, height);
  let changed = 0;
  let total = 0;
  for (let i = 0; i < after.data.length; i += 4) {
    const difference = Math.max(
      Math.abs(after.data[i] - before.data[i]),
      Math.abs(after.data[i + 1] - before.data[i + 1]),
      Math.abs(after.data[i + 2] - before.data[i + 2]),
      Math.abs(after.data[i + 3] - before.data[i + 3]),
    );
    total += difference;
    if (difference > 2) changed++;
    const [r, g, b] = difference === 0 ? [0, 0, 0] : heat(difference / 255);
    out.data[i] = r;
    out.data[i + 1] = g;
    out.data[i + 2] = b;
    out.data[i + 3] = 255;
  }
  context.putImageData(out, 0, 0);
  const pixels = width * height;
  return {
    changedFraction: changed / pixels,
    meanDifference: total / pixels,
    resized: original.width !== width || original.height !== height,
  };
}
