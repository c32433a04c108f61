// Samples this process's resident set size on a timer and keeps the peak (and the series).
import { memoryUsage } from 'node:process';

export class RssSampler {
  constructor(intervalMs = 100) {
    this.intervalMs = intervalMs;
    this.samples = [];
    this.peak = 0;
    this.timer = undefined;
  }

  /** One sample now (also called by the timer). */
  sample() {
    const rss = memoryUsage.rss();
    this.samples.push(rss);
    if (rss > this.peak) {
      this.peak = rss;
      // What the peak is made of (V8's heap, Buffers' memory outside it), for the report.
      const m = memoryUsage();
      this.atPeak = { heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
    }
    return rss;
  }

  start() {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Stops sampling (after one last sample) and returns {peak, atPeak, last, count, median}. */
  stop() {
    clearInterval(this.timer);
    this.sample();
    const sorted = [...this.samples].sort((a, b) => a - b);
    return { peak: this.peak, atPeak: this.atPeak, last: this.samples.at(-1), count: this.samples.length, median: sorted[Math.floor(sorted.length / 2)] };
  }
}
