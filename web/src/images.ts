// Images in the browser: blobs with their decoded size, base64 from the API, and re-encoding for downloads.

export interface Picture {
  blob: Blob;
  url: string; // an object URL for <img> and canvases
  width: number;
  height: number;
  name: string;
}

export async function pictureFrom(blob: Blob, name: string): Promise<Picture> {
  const bitmap = await createImageBitmap(blob).catch(() => {
    throw new Error(`${name} is not an image this browser can decode (PNG, JPEG or WebP)`);
  });
  const picture = { blob, url: URL.createObjectURL(blob), width: bitmap.width, height: bitmap.height, name };
  bitmap.close();
  return picture;
}

const mediaTypes: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', jpg: 'image/jpeg', webp: 'image/webp' };

export function blobFromBase64(b64: string, format = 'png'): Blob {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type: mediaTypes[format] ?? 'image/png' });
}

export function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('the image could not be loaded'));
    image.src = url;
  });
}

// The pixels of `picture` drawn at width × height (the original is scaled when sizes differ).
export async function pixelsOf(picture: Picture, width: number, height: number): Promise<ImageData> {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(await loadImage(picture.url), 0, 0, width, height);
  return context.getImageData(0, 0, width, height);
}

// Re-encodes in the browser: PNG keeps transparency; JPEG has none, so it is flattened over white.
export async function encodePicture(picture: Picture, type: string, quality: number): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = picture.width;
  canvas.height = picture.height;
  const context = canvas.getContext('2d')!;
  if (type === 'image/jpeg') {
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
  }
  context.drawImage(await loadImage(picture.url), 0, 0);
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error(`this browser cannot encode ${type}`))), type, quality / 100),
  );
}

export function extensionOf(type: string): string {
  return type === 'image/jpeg' ? 'jpg' : type === 'image/webp' ? 'webp' : 'png';
}
