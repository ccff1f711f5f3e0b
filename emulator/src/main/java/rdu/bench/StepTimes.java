package rdu.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * How the host time of a run's steps spreads: percentiles, and how much of the time went to stalled steps. A shared
 * host's decode is mostly steady steps and a few stalled ones (on the VM this project is measured on, reading the
 * file-mapped weights stalls for tens of milliseconds about every half second); the median tokens/s hides which of
 * the two moved.
 *
 * @param steps          steps recorded
 * @param p50Nanos       median step time
 * @param p90Nanos       90th percentile
 * @param p99Nanos       99th percentile
 * @param maxNanos       the slowest step
 * @param stalledSteps   steps that took more than twice the median
 * @param stalledShare   what those steps took beyond the median, as a share of all the steps' time
 */
public record StepTimes(long steps, long p50Nanos, long p90Nanos, long p99Nanos, long maxNanos, long stalledSteps,
                        double stalledShare) {

    /** The spread of the step times recorded in {@code nanos}, which must hold at least one. */
    public static StepTimes of(Histogram nanos) {
        if (nanos.getTotalCount() == 0) {
            throw new IllegalArgumentException("step times: no steps recorded");
        }
        // values are buckets of 3 significant digits: compared by their lowest values (a bucket at twice a value
        // starts at twice its start), summed by their middles
        long median = nanos.getValueAtPercentile(50);
        long medianStart = nanos.lowestEquivalentValue(median);
        long medianMiddle = nanos.medianEquivalentValue(median);
        long stalled = 0;
        double beyondMedian = 0;
        double total = 0;
        for (HistogramIterationValue v : nanos.recordedValues()) {
            long value = v.getValueIteratedTo();
            long count = v.getCountAtValueIteratedTo();
            total += (double) nanos.medianEquivalentValue(value) * count;
            if (nanos.lowestEquivalentValue(value) > 2 * medianStart) {
                stalled += count;
                beyondMedian += (double) (nanos.medianEquivalentValue(value) - medianMiddle) * count;
            }
        }
        return new StepTimes(nanos.getTotalCount(), median, nanos.getValueAtPercentile(90),
                nanos.getValueAtPercentile(99), nanos.getMaxValue(), stalled, beyondMedian / total);
    }
}
