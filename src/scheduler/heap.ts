/** A keyed binary heap: push, pop, remove and re-position by key in O(log n). */
export class Heap<T> {
  private readonly items: { key: string; v: T }[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }
  has(key: string): boolean {
    return this.index.has(key);
  }
  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i]!.v;
  }
  peek(): T | undefined {
    return this.items[0]?.v;
  }

  push(key: string, v: T): void {
    const i = this.index.get(key);
    if (i !== undefined) {
      this.items[i]!.v = v;
      this.fix(key);
      return;
    }
    this.items.push({ key, v });
    this.index.set(key, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (!top) return undefined;
    this.removeAt(0);
    return top.v;
  }

  remove(key: string): void {
    const i = this.index.get(key);
    if (i !== undefined) this.removeAt(i);
  }

  fix(key: string): void {
    const i = this.index.get(key);
    if (i === undefined) return;
    this.up(i);
    this.down(this.index.get(key)!);
  }

  private removeAt(i: number): void {
    const last = this.items.length - 1;
    this.swap(i, last);
    const gone = this.items.pop()!;
    this.index.delete(gone.key);
    if (i < this.items.length) {
      this.up(i);
      this.down(i);
    }
  }

  private swap(i: number, j: number): void {
    if (i === j) return;
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    this.index.set(b.key, i);
    this.index.set(a.key, j);
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.items[i]!.v, this.items[p]!.v)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.items.length && this.less(this.items[l]!.v, this.items[m]!.v)) m = l;
      if (r < this.items.length && this.less(this.items[r]!.v, this.items[m]!.v)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
