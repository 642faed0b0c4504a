// The mask brush and eraser over the source image. Strokes are kept in an overlay canvas at the source's
// own resolution; the mask sent to the server follows OpenAI's convention: a PNG of the source's size,
// alpha 0 where to edit (the painted area), opaque elsewhere.

export class MaskPainter {
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private painted = false;
  tool: 'brush' | 'eraser' = 'brush';
  brushSize = 40; // in screen pixels; converted to image pixels at the current zoom
  onChange: () => void = () => {};

  constructor(private readonly overlay: HTMLCanvasElement) {
    overlay.addEventListener('pointerdown', (event) => this.start(event));
    overlay.addEventListener('pointermove', (event) => this.move(event));
    for (const type of ['pointerup', 'pointercancel', 'pointerleave'] as const) overlay.addEventListener(type, () => this.stop());
  }

  reset(width: number, height: number): void {
    this.overlay.width = width;
    this.overlay.height = height;
    this.painted = false;
    this.onChange();
  }

  clear(): void {
    this.overlay.getContext('2d')!.clearRect(0, 0, this.overlay.width, this.overlay.height);
    this.painted = false;
    this.onChange();
  }

  hasMask(): boolean {
    return this.painted;
  }

  // Paints a stroke between two points given as fractions of the image (used by tests and scripts).
  strokeFractions(from: [number, number], to: [number, number]): void {
    this.line({ x: from[0] * this.overlay.width, y: from[1] * this.overlay.height }, { x: to[0] * this.overlay.width, y: to[1] * this.overlay.height }, this.brushSize);
    this.painted = this.tool === 'brush' || this.anyPainted();
    this.onChange();
  }

  async toPng(): Promise<Blob> {
    const canvas = document.createElement('canvas');
    canvas.width = this.overlay.width;
    canvas.height = this.overlay.height;
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#000';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.globalCompositeOperation = 'destination-out';
    context.drawImage(this.overlay, 0, 0);
    return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('cannot encode the mask'))), 'image/png'));
  }

  private point(event: PointerEvent): { x: number; y: number } {
    const rect = this.overlay.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * this.overlay.width) / rect.width,
      y: ((event.clientY - rect.top) * this.overlay.height) / rect.height,
    };
  }

  private imagePixelsPerScreenPixel(): number {
    const rect = this.overlay.getBoundingClientRect();
    return rect.width > 0 ? this.overlay.width / rect.width : 1;
  }

  private start(event: PointerEvent): void {
    this.drawing = true;
    this.overlay.setPointerCapture(event.pointerId);
    this.last = this.point(event);
    this.line(this.last, this.last, this.brushSize * this.imagePixelsPerScreenPixel());
  }

  private move(event: PointerEvent): void {
    if (!this.drawing || !this.last) return;
    const next = this.point(event);
    this.line(this.last, next, this.brushSize * this.imagePixelsPerScreenPixel());
    this.last = next;
  }

  private stop(): void {
    if (!this.drawing) return;
    this.drawing = false;
    this.last = null;
    this.painted = this.anyPainted();
    this.onChange();
  }

  private line(from: { x: number; y: number }, to: { x: number; y: number }, width: number): void {
    const context = this.overlay.getContext('2d')!;
    context.globalCompositeOperation = this.tool === 'brush' ? 'source-over' : 'destination-out';
    context.strokeStyle = '#ff2d6f';
    context.lineWidth = width;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
  }

  private anyPainted(): boolean {
    const { width, height } = this.overlay;
    if (width === 0 || height === 0) return false;
    const alpha = this.overlay.getContext('2d', { willReadFrequently: true })!.getImageData(0, 0, width, height).data;
    for (let i = 3; i < alpha.length; i += 4) if (alpha[i] > 0) return true;
    return false;
  }
}
