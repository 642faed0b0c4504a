// The stage tabs (canvas, results, compare, models).
import { byId } from './dom';
import { renderCompare } from './compare_view';

export const tabs = ['canvas', 'results', 'compare', 'models'] as const;
export type Tab = (typeof tabs)[number];

export function selectTab(tab: Tab, focus = false): void {
  for (const name of tabs) {
    const button = byId(`tab-${name}`);
    const selected = name === tab;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    byId(`view-${name}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  if (tab === 'compare') void renderCompare();
}
