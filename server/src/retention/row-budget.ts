/**
 * The rows one retention transaction may still delete. Every delete statement takes `left` as its
 * LIMIT and charges what it deleted, so no transaction deletes more than the batch size, however
 * many steps or events one run has: a large run is simply deleted over several transactions.
 * A transaction also stops looking for work once past its `deadline` (`performance.now()`).
 */
export class RowBudget {
  readonly counts: Record<string, number> = {};
  private used = 0;

  constructor(
    readonly size: number,
    private readonly deadline = Number.POSITIVE_INFINITY,
  ) {}

  /** Past the deadline: the walk ends the transaction after the unit of work it is on. */
  get overTime(): boolean {
    return performance.now() >= this.deadline;
  }

  get left(): number {
    return this.size - this.used;
  }

  get spent(): number {
    return this.used;
  }

  get exhausted(): boolean {
    return this.used >= this.size;
  }

  charge(table: string, rows: number): void {
    this.used += rows;
    if (rows > 0) this.counts[table] = (this.counts[table] ?? 0) + rows;
  }
}
