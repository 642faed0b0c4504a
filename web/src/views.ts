// Plans and reports in words: what each step will touch before a run, and what was checked after it.
import type { PlanPreview } from './api';
import { el } from './dom';

function planList(steps: { op: string; description: string; touches: string; clause: string }[]): HTMLElement {
  return el(
    'ol',
    { class: 'plan-steps' },
    ...steps.map((step) =>
      el(
        'li',
        {},
        el('span', { class: 'op', text: step.op }),
        el('span', { class: 'description', text: step.description ? ` — ${step.description}` : '' }),
        el('div', { class: 'touches' }, 'Touches ', el('strong', { text: step.touches })),
        step.clause ? el('div', { class: 'clause', text: `from “${step.clause}”` }) : null,
      ),
    ),
  );
}

function keptAndSkipped(preview: Pick<PlanPreview, 'preserve' | 'unsupported'>): HTMLElement[] {
  const parts: HTMLElement[] = [];
  if (preview.preserve.length > 0) {
    parts.push(el('h3', { text: 'Kept as it is' }));
    parts.push(el('ul', {}, ...preview.preserve.map((item) => el('li', { text: `${item.touches} (from “${item.clause}”)` }))));
  }
  if (preview.unsupported.length > 0) {
    parts.push(el('h3', { text: 'Not done' }));
    parts.push(
      el('ul', { class: 'unsupported' }, ...preview.unsupported.map((item) => el('li', {}, el('q', { text: item.clause }), `: ${item.reason}`))),
    );
  }
  return parts;
}

export function renderPlanPreview(target: HTMLElement, preview: PlanPreview): void {
  target.replaceChildren(
    el('p', { class: 'plan-status', text: preview.runnable ? `Will run ${preview.steps.length} step${preview.steps.length === 1 ? '' : 's'}:` : 'Nothing in this instruction maps to an edit.' }),
    planList(preview.steps),
    ...keptAndSkipped(preview),
  );
}

// The plan as run (the response's easel.plan and the report's per-step timings). Where the steps are
// the ones previewed before the run, the preview's words say what each touched.
export function renderRunPlan(target: HTMLElement, plan: any, report: any, preview: PlanPreview | null): void {
  const steps = (plan?.steps ?? []) as { op: string; clause: string }[];
  const timings = (report?.steps ?? []) as { ms?: number; cached?: boolean }[];
  const described = (index: number) => (preview?.steps[index]?.op === steps[index].op ? preview.steps[index] : null);
  target.replaceChildren(
    el('p', { class: 'plan-status', text: `Ran ${steps.length} step${steps.length === 1 ? '' : 's'}:` }),
    el(
      'ol',
      { class: 'plan-steps' },
      ...steps.map((step, index) =>
        el(
          'li',
          {},
          el('span', { class: 'op', text: step.op }),
          described(index) ? el('div', { class: 'touches' }, 'Touched ', el('strong', { text: described(index)!.touches })) : null,
          step.clause ? el('div', { class: 'clause', text: `from “${step.clause}”` }) : null,
          timings[index]?.ms !== undefined ? el('div', { class: 'hint', text: `${Math.round(timings[index].ms!)} ms${timings[index].cached ? ' (cached)' : ''}` }) : null,
        ),
      ),
    ),
    ...keptAndSkipped({ preserve: preview?.preserve ?? [], unsupported: plan?.unsupported ?? [] }),
  );
}

function number(value: unknown, digits = 3): string {
  return typeof value === 'number' ? String(Number(value.toFixed(digits))) : '—';
}

export function renderReport(target: HTMLElement, easel: Record<string, any> | null, usage: Record<string, any> | null): void {
  const parts: HTMLElement[] = [];
  const report = easel?.report;
  const texts = (report?.verification?.text ?? []) as { expected: string; read: string; match: boolean }[];
  if (texts.length > 0) {
    parts.push(el('h4', { text: 'Text check (OCR read-back)' }));
    parts.push(
      el(
        'table',
        { class: 'ocr' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Expected' }), el('th', { scope: 'col', text: 'Read' }), el('th', { scope: 'col', text: 'Result' }))),
        el(
          'tbody',
          {},
          ...texts.map((text) =>
            el(
              'tr',
              { class: text.match ? 'pass' : 'fail' },
              el('td', { text: text.expected }),
              el('td', { text: text.read || '(nothing read)' }),
              el('td', { text: text.match ? '✓ matches' : '✗ differs' }),
            ),
          ),
        ),
      ),
    );
  }
  const preservation = report?.verification?.preservation;
  if (preservation) {
    const outside = preservation.changed_pixels_outside;
    parts.push(el('h4', { text: 'Pixels outside the edit' }));
    parts.push(
      el(
        'dl',
        { class: 'facts' },
        el('dt', { text: 'changed_pixels_outside' }),
        el('dd', { class: outside === 0 ? 'pass' : 'fail', 'data-testid': 'changed-outside', text: preservation.comparable === false ? 'not comparable (the image was resampled)' : String(outside) }),
        el('dt', { text: 'edited fraction' }),
        el('dd', { text: `${number((preservation.edited_fraction ?? 0) * 100, 1)} %` }),
        el('dt', { text: 'SSIM outside' }),
        el('dd', { text: number(preservation.ssim_outside, 5) }),
      ),
    );
  }
  if (easel?.seed !== undefined) {
    parts.push(el('h4', { text: 'Generation' }));
    parts.push(
      el(
        'dl',
        { class: 'facts' },
        ...['model', 'sampler', 'steps', 'guidance', 'seed'].flatMap((name) => [el('dt', { text: name }), el('dd', { text: String(easel[name] ?? '—') })]),
        ...(Array.isArray(easel.loras) && easel.loras.length > 0
          ? [el('dt', { text: 'loras' }), el('dd', { text: easel.loras.map((lora: { name: string; scale: number }) => `${lora.name} × ${lora.scale}`).join(', ') })]
          : []),
      ),
    );
  }
  if (report?.timings_ms) {
    const timings = Object.entries(report.timings_ms as Record<string, number>).map(([name, ms]) => `${name} ${Math.round(ms)} ms`);
    parts.push(el('p', { class: 'hint', text: `Timings: ${timings.join(', ')}` }));
  }
  if (usage) parts.push(el('p', { class: 'hint', text: `Usage: ${usage.input_tokens ?? 0} input tokens, ${usage.output_tokens ?? 0} output tokens` }));
  if (parts.length === 0) parts.push(el('p', { class: 'hint', text: 'No report for this round.' }));
  target.replaceChildren(...parts);
}
