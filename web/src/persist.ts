// The workspace survives a reload: the uploads and the tree of rounds are kept in this browser's
// IndexedDB (images as blobs, which IndexedDB stores natively), written after each change and read
// back when the page opens. Nothing leaves the browser; "Start over" empties it.
import type { Round } from './history';
import type { Picture } from './images';

type StoredPicture = Omit<Picture, 'url'>;
type StoredRound = Omit<Round, 'source' | 'references' | 'results'> & {
  source: StoredPicture | null;
  references: StoredPicture[];
  results: StoredPicture[];
};
export interface Session {
  uploads: Picture[];
  rounds: Round[];
  current: number | null;
  nextId: number;
}
interface StoredSession {
  uploads: StoredPicture[];
  rounds: StoredRound[];
  current: number | null;
  nextId: number;
}

const databaseName = 'easel-workspace';
const storeName = 'session';
const sessionKey = 'current';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(databaseName, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(storeName);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
  });
}

async function transact<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const database = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const transaction = database.transaction(storeName, mode);
      const request = work(transaction.objectStore(storeName));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted (storage full?)'));
    });
  } finally {
    database.close();
  }
}

const stored = ({ blob, width, height, name }: Picture): StoredPicture => ({ blob, width, height, name });
const revived = (picture: StoredPicture): Picture => ({ ...picture, url: URL.createObjectURL(picture.blob) });

export async function saveSession(session: Session): Promise<void> {
  const value: StoredSession = {
    uploads: session.uploads.map(stored),
    rounds: session.rounds.map((round) => ({
      ...round,
      source: round.source ? stored(round.source) : null,
      references: round.references.map(stored),
      results: round.results.map(stored),
    })),
    current: session.current,
    nextId: session.nextId,
  };
  await transact('readwrite', (store) => store.put(value, sessionKey));
}

// null when nothing was saved (a first visit).
export async function loadSession(): Promise<Session | null> {
  const value = (await transact('readonly', (store) => store.get(sessionKey))) as StoredSession | undefined;
  if (!value) return null;
  return {
    uploads: value.uploads.map(revived),
    rounds: value.rounds.map((round) => ({
      ...round,
      source: round.source ? revived(round.source) : null,
      references: round.references.map(revived),
      results: round.results.map(revived),
    })),
    current: value.current,
    nextId: value.nextId,
  };
}
