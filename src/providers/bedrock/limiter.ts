/**
 * At most `max` tasks at once. `start` waits for a free place (that wait is the backpressure)
 * and hands back the running task without waiting for it.
 *
 * @example
 * const uploads = new Limiter(4);
 * const { done } = await uploads.start(() => uploadPart(…)); // returns once it is running
 * await done;
 */
export class Limiter {
  private readonly max: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(max: number) {
    this.max = max;
  }

  async start<T>(task: () => Promise<T>): Promise<{ done: Promise<T> }> {
    while (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    const done = task().finally(() => {
      this.active--;
      this.waiting.shift()?.();
    });
    return { done };
  }
}
