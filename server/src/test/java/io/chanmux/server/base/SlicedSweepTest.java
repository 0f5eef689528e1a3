package io.chanmux.server.base;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The slicing of a periodic sweep, driven call by call with a manual clock and no threads. */
class SlicedSweepTest {
    private static final long MS = 1_000_000L;
    private long nowNs = 5_000 * MS;

    @Test
    void shouldSweepASetWithinOneSlicesWorkInOneRunAPeriod() {
        List<Integer> items = numbers(1_000);
        SlicedSweep<Integer> sweep = everySecond(items);
        List<Integer> visited = new ArrayList<>();

        sweep.visitNextSlice(nowNs, visited::add);

        assertEquals(items, visited);
        assertEquals(1, sweep.slices());
        assertEquals(1_000, sweep.sliceIntervalMs(), "as often as the period, no more");
    }

    @Test
    void shouldSplitALargerPassIntoASlicePerWorkPerSliceAtMostOneEvery50Ms() {
        assertSlicing(Duration.ofSeconds(1), 1_001, 2, 500);
        assertSlicing(Duration.ofSeconds(1), 8_000, 8, 125);
        assertSlicing(Duration.ofSeconds(1), 1_000_000, 20, 50);
        assertSlicing(Duration.ofSeconds(30), 1_000_000, 20, 1_500);
        assertSlicing(Duration.ofMillis(130), 8_000, 2, 65);
        assertSlicing(Duration.ofMillis(99), 8_000, 1, 99);
    }

    @Test
    void shouldVisitEveryItemOnceAPassAnEqualShareASliceOnTime() {
        List<Integer> items = numbers(4_000);
        SlicedSweep<Integer> sweep = everySecond(items);

        for (int pass = 0; pass < 2; pass++) {
            List<Integer> visited = new ArrayList<>();
            List<Integer> shares = new ArrayList<>();
            for (int slice = 0; slice < 4; slice++) {
                int before = visited.size();
                sweep.visitNextSlice(nowNs, visited::add);
                shares.add(visited.size() - before);
                nowNs += 250 * MS;
            }
            assertEquals(items, visited, "pass " + pass);
            assertEquals(List.of(1_000, 1_000, 1_000, 1_000), shares, "pass " + pass);
        }
    }

    @Test
    void shouldCatchUpWithTheClockWhenACallComesLateNotStretchThePass() {
        List<Integer> items = numbers(4_000);
        SlicedSweep<Integer> sweep = everySecond(items);
        List<Integer> visited = new ArrayList<>();

        sweep.visitNextSlice(nowNs, visited::add);
        nowNs += 600 * MS; // two calls missed
        sweep.visitNextSlice(nowNs, visited::add);
        assertEquals(3_400, visited.size(), "what is due by 850 ms of the period");
        nowNs += 250 * MS;
        sweep.visitNextSlice(nowNs, visited::add);
        assertEquals(items, visited, "the pass done a period after it began");
    }

    @Test
    void shouldStartTheNextPassAPeriodLaterWhenTheSliceIntervalIsRoundedDown() {
        List<Integer> items = numbers(3_000);
        SlicedSweep<Integer> sweep = everySecond(items);
        List<Integer> visited = new ArrayList<>();

        sweep.visitNextSlice(nowNs, visited::add);
        assertEquals(333, sweep.sliceIntervalMs(), "three slices, a whole number of milliseconds apart");
        for (int slice = 1; slice < 4; slice++) {
            nowNs += sweep.sliceIntervalMs() * MS;
            sweep.visitNextSlice(nowNs, visited::add);
        }
        assertEquals(3_000 + 1_000, visited.size(), "the pass done by 666 ms, the next begun at 999 ms");
    }

    @Test
    void shouldStartTheNextPassWhenTheCallComesALittleEarly() {
        List<Integer> items = numbers(5_000);
        SlicedSweep<Integer> sweep = everySecond(items);
        List<Integer> visited = new ArrayList<>();

        for (int slice = 0; slice < 5; slice++) {
            sweep.visitNextSlice(nowNs, visited::add);
            nowNs += 200 * MS;
        }
        nowNs -= 60 * MS;
        sweep.visitNextSlice(nowNs, visited::add);
        assertEquals(5_000 + 1_000, visited.size(), "a new pass at 940 ms, within half a slice interval");
    }

    @Test
    void shouldSliceByTheWorkItemsHoldAndNeverSplitAnItem() {
        // Four channels holding 1,199 peers, 99, 99 and 599, a unit each for itself: 2,000, two slices.
        List<Integer> peers = List.of(1_199, 99, 99, 599);
        SlicedSweep<Integer> sweep = new SlicedSweep<>(Duration.ofSeconds(1), 1_000, () -> peers,
                () -> 2_000, count -> 1 + count);
        List<Integer> visited = new ArrayList<>();

        sweep.visitNextSlice(nowNs, visited::add);
        assertEquals(2, sweep.slices());
        assertEquals(List.of(1_199), visited, "half of the work, in one channel, not half of the channels");
        nowNs += 500 * MS;
        sweep.visitNextSlice(nowNs, visited::add);
        assertEquals(peers, visited);
    }

    @Test
    void shouldWaitOutThePeriodWhenAPassEndsEarly() {
        // One item holds nearly all the work: the pass is done in its first slice.
        SlicedSweep<Integer> sweep = new SlicedSweep<>(Duration.ofSeconds(1), 1_000, () -> List.of(5_000),
                () -> 5_000, count -> count);
        List<Integer> visited = new ArrayList<>();

        sweep.visitNextSlice(nowNs, visited::add);
        for (int slice = 1; slice < 5; slice++) {
            nowNs += 200 * MS;
            sweep.visitNextSlice(nowNs, visited::add);
            assertEquals(List.of(5_000), visited, "a new pass before the period was over, slice " + slice);
        }
        nowNs += 200 * MS;
        sweep.visitNextSlice(nowNs, visited::add);
        assertEquals(List.of(5_000, 5_000), visited, "the next pass, a period after the first");
    }

    @Test
    void shouldVisitWhatALiveSetGrewByBeforeThePassEnds() {
        Set<Integer> items = new ConcurrentSkipListSet<>(numbers(2_000));
        SlicedSweep<Integer> sweep = everySecond(items);
        List<Integer> visited = new ArrayList<>();

        sweep.visitNextSlice(nowNs, visited::add);
        assertEquals(1_000, visited.size(), "half of the 2,000 items the pass began with");
        items.remove(1_999); // not the item the iterator has already found next, which it may still hand over
        items.addAll(List.of(5_000, 5_001, 5_002));
        nowNs += 500 * MS;
        sweep.visitNextSlice(nowNs, visited::add);
        assertEquals(2_002, visited.size(), "the last slice takes the rest, however many");
        assertEquals(List.of(1_998, 5_000, 5_001, 5_002), visited.subList(1_998, 2_002));
    }

    @Test
    void shouldGoOnFromTheNextItemWhenTheVisitorThrowsEvenInTheLastSliceOfAPass() {
        List<Integer> items = numbers(2_000);
        SlicedSweep<Integer> sweep = everySecond(items);
        List<Integer> visited = new ArrayList<>();

        sweep.visitNextSlice(nowNs, visited::add);
        nowNs += 500 * MS;
        assertThrows(IllegalStateException.class, () -> sweep.visitNextSlice(nowNs, item -> {
            visited.add(item);
            if (item == 1_500) {
                throw new IllegalStateException("a failing visit");
            }
        }));
        nowNs += 500 * MS;
        sweep.visitNextSlice(nowNs, visited::add);
        assertEquals(items, visited, "the pass goes on after the failing item, not over again");
    }

    private static List<Integer> numbers(int count) {
        return IntStream.range(0, count).boxed().toList();
    }

    /** A sweep of a second over {@code items}, a unit of work each, 1,000 a slice. */
    private static <T> SlicedSweep<T> everySecond(Collection<T> items) {
        return sweep(Duration.ofSeconds(1), 1_000, () -> items);
    }

    /** A sweep whose work is its set's size. */
    private static <T> SlicedSweep<T> sweep(Duration period, int workPerSlice, Supplier<? extends Collection<T>> items) {
        return new SlicedSweep<>(period, workPerSlice, items, () -> items.get().size(), item -> 1);
    }

    private void assertSlicing(Duration period, int work, int slices, long sliceIntervalMs) {
        SlicedSweep<Object> sweep = new SlicedSweep<>(period, 1_000, List::of, () -> work, item -> 1);
        sweep.visitNextSlice(nowNs, item -> { });
        assertEquals(slices, sweep.slices(), period + ", work " + work);
        assertEquals(sliceIntervalMs, sweep.sliceIntervalMs(), period + ", work " + work);
    }
}
