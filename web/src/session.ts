// Keeping the session across reloads (persist.ts), and starting over.
import { loadSession, saveSession } from './persist';
import { setProgress } from './feedback';
import { renderInputs, setModeRadio } from './inputs';
import { schedulePreview } from './plan_preview';
import { renderAll, roundPreviews } from './results';
import { state, ui } from './workspace';

let sessionRestored = false; // nothing is written before the saved session has been read back
let keepTimer = 0;

export function keepSessionSoon(): void {
  if (!sessionRestored) return;
  window.clearTimeout(keepTimer);
  keepTimer = window.setTimeout(() => {
    saveSession({ uploads: state.uploads, ...state.history.snapshot() })
      .then(() => (ui.historyStorage.hidden = true))
      .catch((error: Error) => showStorageProblem(error));
  }, 300);
}

export function showStorageProblem(error: Error): void {
  ui.historyStorage.hidden = false;
  ui.historyStorage.textContent = `History is not kept in this browser after a reload: ${error.message}`;
}

export async function restoreSession(): Promise<void> {
  try {
    const session = await loadSession();
    if (session && (session.uploads.length > 0 || session.rounds.length > 0)) {
      state.uploads = session.uploads;
      state.history.restore(session);
      const round = state.history.currentRound();
      if (round && round.mode !== state.mode) setModeRadio(round.mode);
      renderInputs();
      renderAll();
      setProgress(0, `Restored ${session.rounds.length} ${session.rounds.length === 1 ? 'round' : 'rounds'} kept in this browser.`);
    }
  } catch (error) {
    showStorageProblem(error as Error);
  } finally {
    sessionRestored = true;
  }
}

export function startOver(): void {
  if (!window.confirm('Start over? Every round and upload of this workspace is deleted from this browser.')) return;
  state.uploads = [];
  state.history.clear();
  roundPreviews.clear();
  state.drawnBase = null;
  renderInputs();
  renderAll();
  schedulePreview();
  setProgress(0, 'Started over.');
}
