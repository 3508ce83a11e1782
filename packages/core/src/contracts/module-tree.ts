/**
 * A module tree of named, swappable slots. A model exposes every linear, attention and MLP as a
 * slot with a dotted path ("layers.3.mlp.down_proj"); a technique lists the slots of a kind and
 * replaces what it needs (a pruned linear, a TEAL linear, a Quest attention) without knowing the
 * model's classes.
 */
export type SlotKind = "linear" | "attention" | "mlp" | "norm" | "embedding" | "head";

export interface Slot<T = unknown> {
  readonly path: string;
  readonly kind: SlotKind;
  get(): T;
  set(value: T): void;
}

export class ModuleTree {
  private readonly slots = new Map<string, Slot>();

  /** Registers a slot backed by a property of an owner object. */
  add<O extends object, K extends keyof O>(path: string, kind: SlotKind, owner: O, key: K): void {
    if (this.slots.has(path)) throw new Error(`module tree: slot ${path} registered twice`);
    this.slots.set(path, {
      path,
      kind,
      get: () => owner[key],
      set: (value) => {
        owner[key] = value as O[K];
      },
    });
  }

  get<T = unknown>(path: string): Slot<T> {
    const slot = this.slots.get(path);
    if (!slot) throw new Error(`module tree: no slot named ${path}`);
    return slot as Slot<T>;
  }

  has(path: string): boolean {
    return this.slots.has(path);
  }

  /** All slots, optionally of one kind, in registration order (model order). */
  list<T = unknown>(kind?: SlotKind): Slot<T>[] {
    const all = [...this.slots.values()] as Slot<T>[];
    return kind ? all.filter((s) => s.kind === kind) : all;
  }
}
