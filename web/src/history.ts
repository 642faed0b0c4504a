// The rounds of a session as a tree: each round starts from its parent's chosen result (or from an
// upload), so running again from an earlier round starts a branch instead of losing later work.
import type { Picture } from './images';

export interface Round {
  id: number;
  parent: number | null;
  mode: 'edit' | 'generate';
  prompt: string;
  model: string;
  source: Picture | null; // what an edit started from (its original); null for text-to-image
  references: Picture[];
  results: Picture[];
  chosen: number; // the variation later rounds continue from
  easel: Record<string, any> | null; // the response's plan and report
  usage: Record<string, any> | null;
  created: Date;
}

export class History {
  private rounds = new Map<number, Round>();
  private nextId = 1;
  current: number | null = null;

  add(round: Omit<Round, 'id' | 'created' | 'chosen'>): Round {
    const full: Round = { ...round, id: this.nextId++, created: new Date(), chosen: 0 };
    this.rounds.set(full.id, full);
    this.current = full.id;
    return full;
  }

  get(id: number | null): Round | null {
    return id === null ? null : (this.rounds.get(id) ?? null);
  }

  currentRound(): Round | null {
    return this.get(this.current);
  }

  children(id: number | null): Round[] {
    return [...this.rounds.values()].filter((round) => round.parent === id);
  }

  // Undo moves to the parent (null: back to the uploaded original); redo to the newest child.
  canUndo(): boolean {
    return this.current !== null;
  }

  undo(): void {
    const round = this.currentRound();
    if (round) this.current = round.parent;
  }

  canRedo(): boolean {
    return this.children(this.current).length > 0;
  }

  redo(): void {
    const children = this.children(this.current);
    if (children.length > 0) this.current = children[children.length - 1].id;
  }

  clear(): void {
    this.rounds.clear();
    this.current = null;
    this.nextId = 1;
  }

  // For keeping the tree across reloads (persist.ts).
  snapshot(): { rounds: Round[]; current: number | null; nextId: number } {
    return { rounds: [...this.rounds.values()], current: this.current, nextId: this.nextId };
  }

  restore(snapshot: { rounds: Round[]; current: number | null; nextId: number }): void {
    this.rounds = new Map(snapshot.rounds.map((round) => [round.id, round]));
    this.current = snapshot.current !== null && this.rounds.has(snapshot.current) ? snapshot.current : null;
    this.nextId = Math.max(snapshot.nextId, ...snapshot.rounds.map((round) => round.id + 1), 1);
  }

  // Depth-first, children in creation order: for drawing the tree.
  walk(visit: (round: Round, depth: number) => void, parent: number | null = null, depth = 0): void {
    for (const child of this.children(parent)) {
      visit(child, depth);
      this.walk(visit, child.id, depth + 1);
    }
  }
}
