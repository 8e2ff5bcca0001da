package io.portcullis.testkit;

import java.util.Arrays;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slowest input of a fuzz target's run, reported (not asserted: timings belong in load-tests/)
 * when the test class ends. The input is named by the JUnit display name, which in the corpus
 * replay is the seed's file name. A single measurement can be a JIT or GC outlier, so the report
 * also re-times the slowest input {@value #RERUNS} times and gives the median.
 */
public final class Slowest {
  private static final Logger LOG = LoggerFactory.getLogger(Slowest.class);
  private static final int RERUNS = 51;

  private final String target;
  private String current = "?";
  private long count;
  private long totalNanos;
  private long maxNanos = -1;
  private String maxName = "-";
  private byte[] maxInput = new byte[0];

  public Slowest(String target) {
    this.target = target;
  }

  /** The name of the input about to run (a seed file name during the replay). */
  public synchronized void current(String name) {
    current = name;
  }

  public synchronized void record(long nanos, byte[] input) {
    count++;
    totalNanos += nanos;
    if (nanos > maxNanos) {
      maxNanos = nanos;
      maxName = current;
      maxInput = input;
    }
  }

  /** Logs the summary; {@code again} re-runs the slowest input (its time is measured here). */
  public synchronized String report(Consumer<byte[]> again) {
    long[] times = new long[RERUNS];
    for (int i = 0; i < RERUNS && count > 0; i++) {
      long start = System.nanoTime();
      again.accept(maxInput);
      times[i] = System.nanoTime() - start;
    }
    Arrays.sort(times);
    String summary =
        String.format(
            "fuzz %s: %d inputs, mean %.1f us, slowest %.1f us (input '%s', %d bytes;"
                + " re-run median %.1f us)",
            target,
            count,
            count == 0 ? 0.0 : totalNanos / 1_000.0 / count,
            maxNanos / 1_000.0,
            maxName,
            maxInput.length,
            times[RERUNS / 2] / 1_000.0);
    LOG.info("{}", summary);
    return summary;
  }
}
