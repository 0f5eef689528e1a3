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

/** The slicing of a periodic sweep, driven call by call with no threads. */
class SlicedSweepTest {
    @Test
    void shouldSweepASetWithinOneSlicesWorkInOneRunAPeriod() {
        List<Integer> items = IntStream.range(0, 1_000).boxed().toList();
        SlicedSweep<Integer> sweep = sweep(Duration.ofSeconds(1), 1_000, () -> items);
        List<Integer> visited = new ArrayList<>();

        sweep.visitNextSlice(visited::add);

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
    void shouldVisitEveryItemOnceAPassAShareAtATime() {
        List<Integer> items = IntStream.range(0, 47).boxed().toList();
        SlicedSweep<Integer> sweep = sweep(Duration.ofSeconds(1), 1, () -> items);

        for (int pass = 0; pass < 2; pass++) {
            List<Integer> visited = new ArrayList<>();
            List<Integer> shares = new ArrayList<>();
            for (int slice = 0; slice < 20; slice++) {
                int before = visited.size();
                sweep.visitNextSlice(visited::add);
                shares.add(visited.size() - before);
            }
            assertEquals(items, visited, "pass " + pass);
            assertEquals(List.of(3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2, 0, 0, 0, 0), shares, "pass " + pass);
        }
    }

    @Test
    void shouldSliceByTheWorkTheItemsHoldNotByTheirCount() {
        // Two channels, but 3,000 peers between them: three slices, the last with nothing left.
        SlicedSweep<String> sweep = new SlicedSweep<>(Duration.ofSeconds(1), 1_000, () -> List.of("a", "b"), () -> 3_000);
        List<String> visited = new ArrayList<>();

        sweep.visitNextSlice(visited::add);
        assertEquals(3, sweep.slices());
        assertEquals(333, sweep.sliceIntervalMs());
        assertEquals(List.of("a"), visited);
        sweep.visitNextSlice(visited::add);
        sweep.visitNextSlice(visited::add);
        assertEquals(List.of("a", "b"), visited);
        sweep.visitNextSlice(visited::add);
        assertEquals(List.of("a", "b", "a"), visited, "the next pass");
    }

    @Test
    void shouldVisitWhatALiveSetGrewByInThePasssLastSlice() {
        Set<Integer> items = new ConcurrentSkipListSet<>(List.of(1, 2, 3, 4));
        SlicedSweep<Integer> sweep = sweep(Duration.ofMillis(100), 2, () -> items);
        List<Integer> visited = new ArrayList<>();

        sweep.visitNextSlice(visited::add);
        assertEquals(List.of(1, 2), visited, "half of the 4 items the pass began with");
        items.remove(4); // not the item the iterator has already found next, which it may still hand over
        items.addAll(List.of(5, 6, 7));
        sweep.visitNextSlice(visited::add);
        assertEquals(List.of(1, 2, 3, 5, 6, 7), visited, "the last slice takes the rest, however many");

        sweep.visitNextSlice(visited::add);
        assertEquals(List.of(1, 2, 3, 5, 6, 7, 1, 2, 3), visited, "a new pass, half of 6 items");
    }

    @Test
    void shouldGoOnFromTheNextItemWhenTheVisitorThrows() {
        SlicedSweep<Integer> sweep = sweep(Duration.ofMillis(100), 3, () -> List.of(1, 2, 3, 4, 5, 6));
        List<Integer> visited = new ArrayList<>();

        assertThrows(IllegalStateException.class, () -> sweep.visitNextSlice(item -> {
            visited.add(item);
            if (item == 2) {
                throw new IllegalStateException("a failing visit");
            }
        }));
        sweep.visitNextSlice(visited::add);
        assertEquals(List.of(1, 2, 3, 4, 5, 6), visited);
    }

    /** A sweep whose work is its set's size. */
    private static <T> SlicedSweep<T> sweep(Duration period, int workPerSlice, Supplier<? extends Collection<T>> items) {
        return new SlicedSweep<>(period, workPerSlice, items, () -> items.get().size());
    }

    private static void assertSlicing(Duration period, int work, int slices, long sliceIntervalMs) {
        SlicedSweep<Object> sweep = new SlicedSweep<>(period, 1_000, List::of, () -> work);
        sweep.visitNextSlice(item -> { });
        assertEquals(slices, sweep.slices(), period + ", work " + work);
        assertEquals(sliceIntervalMs, sweep.sliceIntervalMs(), period + ", work " + work);
    }
}
