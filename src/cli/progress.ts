// A progress bar on stderr, drawn only on a terminal and at most every 100 ms.

export class Progress {
  private last = 0;
  private readonly started = performance.now();
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = stream.isTTY === true;
    this.stream = stream;
  }

  private readonly stream: NodeJS.WriteStream;

  update(done: number, count: number, force = false): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (!force && now - this.last < 100) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(count / seconds) : 0;
    const width = 30;
    let bar = '';
    if (this.total && this.total > 0) {
      const frac = Math.min(1, done / this.total);
      const fill = Math.round(frac * width);
      bar = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% `;
    }
    this.stream.write(
      `\r${this.label} ${bar}${count.toLocaleString('en-US')} events, ${rate.toLocaleString('en-US')}/s `,
    );
  }

  finish(done: number, count: number): void {
    if (!this.enabled) return;
    this.update(done, count, true);
    this.stream.write('\n');
  }
}
