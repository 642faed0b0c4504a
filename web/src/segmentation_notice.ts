// The warning shown right under a result whose subject the classical fallback guessed because the server
// has no segmentation model (the report's verification.segmentation, docs/segmentation.md): a person
// must see it next to the picture, not only deep in the report.
import { el } from './dom';

interface SegmentationVerification {
  engine?: string;
  fallback?: boolean;
  confidence?: number | null;
  minimum_confidence?: number;
  low_confidence?: boolean;
  concern?: string;
  advice?: string;
  steps?: number[];
}

export function renderSegmentationNotice(target: HTMLElement, easel: Record<string, any> | null): void {
  const segmentation = easel?.report?.verification?.segmentation as SegmentationVerification | undefined;
  if (!segmentation?.fallback) {
    target.hidden = true;
    target.replaceChildren();
    return;
  }
  const confidence = typeof segmentation.confidence === 'number' ? segmentation.confidence.toFixed(2) : 'unknown';
  const low = segmentation.low_confidence === true;
  target.classList.toggle('low', low);
  target.replaceChildren(
    el('strong', { text: low ? 'Subject guessed with low confidence.' : 'Subject guessed without a segmentation model.' }),
    ` No segmentation network ran on the server: a classical fallback decided what is subject and what is background (confidence ${confidence}${low ? `, below ${segmentation.minimum_confidence ?? 0.5}` : ''}: ${segmentation.concern ?? ''}). `,
    low ? 'Parts of the subject were probably edited as background, or the reverse. ' : '',
    `To fix it, ${segmentation.advice ?? 'install a segmentation model'}.`,
  );
  target.hidden = false;
}
